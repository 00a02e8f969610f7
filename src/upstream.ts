/**
 * The upstream side of the bridge, per credential profile: v2 client, metadata source, note-parent resolver,
 * time zone. In sandbox mode it first starts the embedded emulator on a loopback port and creates a profile
 * whose OAuth client and refresh token exist only in this process.
 */
import { randomBytes } from 'node:crypto';
import type { ConfigProblem, ProfileConfig, ZbridgeConfig } from './config.js';
import { bundledSnapshot, loadMetadataDir } from './v2/snapshot.js';
import type { MappingOptions } from './mapping/index.js';
import { startSandbox, type RunningSandbox } from './sandbox/index.js';
import { ZohoClient, type ClientObserver } from './zoho/client.js';
import { LiveMetadata, type MetadataSource } from './zoho/metadata.js';
import { NoteParentResolver } from './zoho/records.js';
import type { LookupPolicy } from './bridge/resolve.js';
import { zohoClientOf } from './clients.js';
import { JSON_CONTENT_TYPES, type JsonContentType, type JsonKeyOrder } from './legacy/response.js';
import { PROFILE_DEFAULTS } from './zoho/types.js';
import { upstreamIdentity } from './zoho/identity.js';
import { createSharedState, type SharedState, type StateObserver } from './state/index.js';

/**
 * Configuration problems `serve` starts despite, but which keep it from doing its job: the one owner of this rule
 * for start-up (logged as errors), `/readyz` (fails with them) and `zbridge config check` (reports them, exit 2).
 * Today: credential `profiles` next to `upstream: sandbox` (option `upstream`). Chosen over refusing to start:
 * configs that keep a profile next to the emulator exist (tests, demos), but nothing reaches Zoho.
 * @returns one problem per rule broken; empty when none.
 */
export function upstreamProblems(config: ZbridgeConfig): ConfigProblem[] {
  if (config.upstream !== 'sandbox' || config.profiles.length === 0) return [];
  return [
    {
      option: 'upstream',
      message: `credential profiles are configured but upstream is "sandbox": every call goes to the embedded emulator, NOT to Zoho (set upstream: zoho); profiles: ${config.profiles.map((p) => p.name).join(', ')}`,
    },
  ];
}

export interface ProfileRuntime {
  name: string;
  /**
   * The upstream's identity (zoho/identity.ts: API domain, client id, refresh-token fingerprint, hashed): what
   * caches, locks and the attachment map are keyed by, so two orgs whose profiles share a name (two deployments on
   * one Redis) never see each other's lookups or attachments.
   */
  scope: string;
  client: ZohoClient;
  metadata: MetadataSource;
  noteParents: NoteParentResolver;
  mappingOptions: MappingOptions;
  jsonContentType: JsonContentType;
  /** HashMap key order of the v1 JSON answers (Java 7 or 8). */
  jsonKeyOrder: JsonKeyOrder;
  /** Per target module: what to do with a lookup given by name that matches none or several records. */
  lookupPolicy: Record<string, LookupPolicy>;
  /** The API user's IANA zone: configured, else users?type=CurrentUser, else undefined (keep v2 wall clock). */
  timeZone(): Promise<string | undefined>;
}

export interface Upstream {
  /** Profile by name; without a name, the first one. Throws when unknown. */
  profile(name?: string): ProfileRuntime;
  profiles(): ProfileRuntime[];
  /** Authtokens accepted per profile, as configured or generated (sandbox mode). */
  authtokens: { profile: string; tokens: string[]; sha256: string[] }[];
  /** The embedded sandbox, in sandbox mode. */
  sandbox?: RunningSandbox;
  /**
   * Configuration problems the proxy runs with but is not ready under (/readyz fails naming them, the start-up
   * log says them at error level): credential profiles configured while upstream is the emulator.
   */
  problems: string[];
  /** What this process shares with other replicas (config `state`): tokens, limits, caches, locks. */
  state: SharedState;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  observer?: ClientObserver;
  /** Redis round trips and health (config `state.kind: redis`). */
  stateObserver?: StateObserver;
  onWarning?: (message: string) => void;
}

/** Build every profile of the configuration (and the embedded sandbox when upstream is "sandbox"). */
export async function createUpstream(config: ZbridgeConfig, options: UpstreamOptions = {}): Promise<Upstream> {
  let sandbox: RunningSandbox | undefined;
  let profiles: ProfileConfig[] = config.profiles;
  if (config.upstream === 'sandbox') {
    const clientId = `1000.${randomBytes(12).toString('hex').toUpperCase()}`;
    const clientSecret = randomBytes(20).toString('hex');
    const refreshToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    const snapshot = config.sandbox.metadataDir ? loadMetadataDir(config.sandbox.metadataDir) : bundledSnapshot();
    const owner = snapshot.users[0]?.id;
    if (!owner) throw new Error('sandbox metadata has no users (users.json)');
    sandbox = await startSandbox({
      port: config.sandbox.port,
      host: '127.0.0.1',
      metadataDir: config.sandbox.metadataDir,
      dataFile: config.sandbox.dataFile,
      clients: [{ clientId, clientSecret, refreshTokens: [{ token: refreshToken, userId: owner }] }],
    });
    const authtokens = config.sandbox.authtokens.length > 0 ? config.sandbox.authtokens : [randomBytes(16).toString('hex')];
    profiles = [
      {
        name: 'sandbox',
        authtokens,
        authtokenSha256: [],
        clientId,
        clientSecret,
        refreshToken,
        dc: 'us',
        accountsUrl: sandbox.url,
        apiDomain: sandbox.url,
        ...PROFILE_DEFAULTS,
        resendInsertsAfter: config.sandbox.resendInsertsAfter,
        jsonContentType: JSON_CONTENT_TYPES[0],
        jsonKeyOrder: config.sandbox.jsonKeyOrder,
        labelOverrides: config.sandbox.labelOverrides,
        lookupPolicy: config.sandbox.lookupPolicy,
      },
    ];
  }

  const state = await createSharedState(config.state, {
    tokenStore: config.tokenStore,
    replicaId: config.replicaId,
    observer: options.stateObserver,
    onWarning: options.onWarning,
  });
  const fallback = config.metadata.snapshotDir ? loadMetadataDir(config.metadata.snapshotDir) : bundledSnapshot();

  const runtimes = new Map<string, ProfileRuntime>();
  for (const p of profiles) {
    const client = zohoClientOf(p, state, options.observer);
    const metadata = new LiveMetadata(client, {
      ttlMs: config.metadata.ttlSeconds * 1000,
      fallback,
      onWarning: (m) => options.onWarning?.(`profile ${p.name}: ${m}`),
    });
    // The embedded emulator's credentials are new at every start while its data file keeps its records: it is
    // the same org across restarts (and never shared: redis state is refused with it), so its scope is fixed.
    const scope = config.upstream === 'sandbox' ? 'sandbox' : upstreamIdentity(p).scope;
    const noteParents = new NoteParentResolver(client, { candidates: config.metadata.noteParentModules, store: state.noteParents(scope) });
    let zone: Promise<string | undefined> | undefined;
    runtimes.set(p.name, {
      name: p.name,
      scope,
      client,
      metadata,
      noteParents,
      jsonContentType: p.jsonContentType,
      jsonKeyOrder: p.jsonKeyOrder,
      lookupPolicy: p.lookupPolicy,
      mappingOptions: {
        labelOverrides: p.labelOverrides,
        fullTriggerOnWorkflow: config.compat.fullTriggerOnWorkflow,
        unknownIdRowCode: config.compat.unknownIdRowCode,
        emptyParameterIsAbsent: config.compat.emptyParameterIsAbsent,
        labelMatching: config.compat.labelMatching,
      },
      timeZone: () => {
        if (p.timeZone) return Promise.resolve(p.timeZone);
        // Asked once per profile; a failure is retried on the next call instead of being cached.
        const pending = (zone ??= metadata
          .currentUser()
          .then((u) => u?.time_zone)
          .catch(() => {
            zone = undefined;
            return undefined;
          }));
        return pending;
      },
    });
  }

  const problems = upstreamProblems(config).map((p) => p.message);
  return {
    sandbox,
    problems,
    state,
    authtokens: profiles.map((p) => ({ profile: p.name, tokens: p.authtokens, sha256: p.authtokenSha256 })),
    profile(name) {
      const runtime = name === undefined ? runtimes.values().next().value : runtimes.get(name);
      if (!runtime) throw new Error(name ? `unknown profile "${name}"` : 'no credential profile configured');
      return runtime;
    },
    profiles: () => [...runtimes.values()],
    async close() {
      for (const r of runtimes.values()) r.client.close();
      await state.close();
      await sandbox?.close();
    },
  };
}
