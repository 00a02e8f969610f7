/**
 * Everything a running sandbox holds (records, tokens, limits, faults, counters), exposed to tests and to the
 * admin endpoint. One instance per createSandboxApp().
 */
import { ConfigError } from '../errors.js';
import { FaultInjector } from './faults.js';
import { ConcurrencyGate, CreditBudget } from './limits.js';
import { SandboxMetadata } from './metadata.js';
import { OAuthServer } from './oauth.js';
import { DataFileError, RecordStore, type StoredRecord } from './store.js';
import { DEMO_CLIENT, type SandboxFaults, type SandboxOAuthClient, type SandboxOptions } from './types.js';
import type { WriteSettings } from './writes.js';

export const DEFAULT_ID_SEED = '3652397000';

export interface SandboxStats {
  records: Record<string, number>;
  /** Requests by `METHOD /route/pattern`, e.g. `POST /crm/v2/:module`. */
  requests: Record<string, number>;
  tokenGrants: { refresh_token: number; authorization_code: number; errors: number };
  liveAccessTokens: number;
  credits: { perDay: number; used: number; remaining: number } | null;
  concurrencyLimit: number | null;
  /** Highest concurrent requests of one (user, client) seen (with a concurrency limit), else null. */
  concurrencyPeak: number | null;
  faults: SandboxFaults;
  /** The last failure to save the data file (a write answered 500 because of it); absent when none. */
  dataFileError?: string;
}

export class SandboxState {
  readonly metadata: SandboxMetadata;
  readonly store: RecordStore;
  readonly oauth: OAuthServer;
  readonly faults: FaultInjector;
  readonly credits?: CreditBudget;
  readonly concurrency?: ConcurrencyGate;
  readonly settings: WriteSettings;
  readonly clients: SandboxOAuthClient[];
  readonly now: () => number;
  readonly options: SandboxOptions;
  /** Requests by `METHOD pattern`. */
  readonly requests = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Set when a write could not be saved to the data file (stats). */
  dataFileError: string | undefined;

  constructor(options: SandboxOptions = {}) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const idSeed = options.idSeed ?? DEFAULT_ID_SEED;
    if (!/^\d{1,15}$/.test(idSeed)) throw new ConfigError('sandbox.idSeed', `must be 1..15 digits, got "${idSeed}"`);
    this.metadata = SandboxMetadata.load(options.metadataDir, `${idSeed.padEnd(12, '0')}0000001`.slice(0, 19));
    try {
      this.store = new RecordStore(idSeed, options.dataFile);
    } catch (error) {
      if (error instanceof DataFileError) throw new ConfigError('sandbox.dataFile', error.message);
      throw error;
    }
    this.clients = options.clients ?? [demoClient(this.metadata.users[0].id)];
    for (const c of this.clients) {
      for (const r of [...c.refreshTokens, ...(c.grantCodes ?? [])]) {
        if (!this.metadata.user(r.userId)) {
          throw new ConfigError('sandbox.clients', `user ${r.userId} of client ${c.clientId} is not in users.json`);
        }
      }
    }
    const lifetime = options.tokenLifetimeSeconds ?? 3600;
    const maxTokens = options.maxTokensPerRefreshToken ?? 30;
    if (!(lifetime > 0)) throw new ConfigError('sandbox.tokenLifetimeSeconds', 'must be > 0');
    if (!(maxTokens >= 1)) throw new ConfigError('sandbox.maxTokensPerRefreshToken', 'must be >= 1');
    this.oauth = new OAuthServer(
      this.clients,
      { lifetimeSeconds: lifetime, maxPerRefreshToken: maxTokens, responseForm: options.tokenResponseForm ?? 'modern' },
      this.now,
    );
    this.faults = new FaultInjector(options.faults, () => this.oauth.revokeAll());
    if (options.creditsPerDay !== undefined) this.credits = new CreditBudget(options.creditsPerDay, this.now);
    if (options.concurrencyLimit !== undefined) this.concurrency = new ConcurrencyGate(options.concurrencyLimit);
    this.settings = {
      insertStatus: options.insertStatus ?? 'v2-doc',
      mixedStatus: options.mixedStatus ?? 207,
      upsertInsertedStatus: options.upsertInsertedStatus ?? 200,
      allFailedShape: options.allFailedShape ?? 'data',
      enforceSystemDuplicates: options.enforceSystemDuplicates ?? false,
      duplicateDetailsWithModule: options.duplicateDetailsWithModule ?? false,
      invalidIdDetails: options.invalidIdDetails ?? 'api_name',
      lowerCaseDetailKeys: options.lowerCaseDetailKeys ?? false,
      rejectUnknownPicklistValues: options.rejectUnknownPicklistValues ?? false,
      layoutMandatory: options.layoutMandatory ?? { Leads: ['Company'] },
    };
  }

  /** Stored records of a module (api_name), oldest first. */
  records(moduleApi: string): StoredRecord[] {
    return this.store.list(moduleApi);
  }

  setFaults(faults: SandboxFaults): void {
    this.faults.set(faults);
  }

  /** Forget records, counters, faults and spent credits. Live tokens stay valid. */
  reset(): void {
    this.store.clear();
    this.requests.clear();
    this.faults.clear();
    this.credits?.clear();
  }

  revokeAllTokens(): void {
    this.oauth.revokeAll();
  }

  count(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  stats(): SandboxStats {
    const records: Record<string, number> = {};
    for (const m of this.store.modules()) records[m] = this.store.list(m).length;
    return {
      records,
      requests: Object.fromEntries(this.requests),
      tokenGrants: { ...this.oauth.grants },
      liveAccessTokens: this.oauth.liveTokenCount(),
      credits: this.credits
        ? { perDay: this.credits.perDay, used: this.credits.used(), remaining: this.credits.remaining() }
        : null,
      concurrencyLimit: this.concurrency?.limit ?? null,
      concurrencyPeak: this.concurrency?.peak ?? null,
      faults: this.faults.current(),
      ...(this.dataFileError ? { dataFileError: this.dataFileError } : {}),
    };
  }

  /** Wait `ms`; resolves false when the sandbox closed meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(!this.closed);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(!this.closed);
      }, ms);
      this.timers.add(t);
      (t as NodeJS.Timeout & { resolveEarly?: () => void }).resolveEarly = () => resolve(false);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stop pending delays and write the data file. */
  shutdown(): void {
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t);
      (t as NodeJS.Timeout & { resolveEarly?: () => void }).resolveEarly?.();
    }
    this.timers.clear();
    try {
      this.store.save();
    } catch (error) {
      // Stopping must not fail on it: the writes that could not be saved were already answered 500.
      this.dataFileError = (error as Error).message;
    }
  }
}

function demoClient(userId: string): SandboxOAuthClient {
  return {
    clientId: DEMO_CLIENT.clientId,
    clientSecret: DEMO_CLIENT.clientSecret,
    refreshTokens: [{ token: DEMO_CLIENT.refreshToken, userId }],
    grantCodes: [{ code: DEMO_CLIENT.grantCode, userId }],
  };
}
