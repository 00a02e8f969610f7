/**
 * Where access tokens live between calls. Zoho keeps at most 30 live access tokens per refresh token and mints
 * each refresh silently deleting the oldest, so every process (and later every replica, via Redis) must share
 * one cached token per credential profile instead of refreshing on its own.
 */
import { randomBytes, createHash } from 'node:crypto';
import { readFile, rename, writeFile, chmod, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeFolder } from '../folders.js';

export interface StoredToken {
  /** Secret. */
  accessToken: string;
  /** API base to use with this token (`api_domain` of the token answer). */
  apiDomain: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken): Promise<void>;
  /** Forget the token of `key`; with `onlyIf`, only while it is still that access token (compare-and-delete). */
  delete(key: string, onlyIf?: string): Promise<void>;
  /**
   * Shared by replicas (Redis): its failures stop the call (v1 4500) instead of being worked around by a
   * private refresh, which would mint tokens behind the other replicas' backs.
   */
  readonly shared?: boolean;
  /** Run `work` while no other process refreshes `key` (cross-replica single flight). Absent: in-process only. */
  exclusive?<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Hear about tokens another replica found refused: (key, sha256 hex prefix of the access token, 32 chars). */
  onRefused?(listener: (key: string, accessTokenHash: string) => void): () => void;
  /**
   * The refresh breaker shared by replicas: a refused or failed refresh recorded with the time before which no
   * replica refreshes again (TokenManager's backoff), so N replicas make one refresh per backoff, not N. `set()`
   * of a fresh token clears it. Absent: each process keeps its own breaker.
   */
  refreshFailure?(key: string): Promise<RefreshFailure | undefined>;
  /** Record a failed refresh (see refreshFailure); best effort. */
  noteRefreshFailure?(key: string, failure: RefreshFailure): Promise<void>;
}

/** A failed token refresh as replicas share it: secret-free. */
export interface RefreshFailure {
  /** The error message (names the profile and Zoho's error code, never a secret). */
  message: string;
  /** FailureReason of the error (`oauth-refused`, `rate-limited`, `upstream-failed` …). */
  reason: string;
  /** HTTP status of the token server's answer, when there was one. */
  status?: number;
  /** Zoho's error code (`invalid_code`, `Access Denied` …). */
  v2Code?: string;
  /** Epoch ms before which no replica refreshes again. */
  until: number;
  /** The backoff that produced `until` (ms), doubled by the next failure. */
  backoffMs: number;
}

/**
 * The store key of a credential: a hash of token server + client id + refresh token, so two profiles with the
 * same credential share a token and the key itself reveals nothing.
 */
export function tokenKey(accountsUrl: string, clientId: string, refreshToken: string): string {
  const digest = createHash('sha256').update(`${accountsUrl}\n${clientId}\n${refreshToken}`).digest('hex');
  return `zoho-token:${digest.slice(0, 32)}`;
}

export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();

  async get(key: string): Promise<StoredToken | undefined> {
    const t = this.tokens.get(key);
    return t ? { ...t } : undefined;
  }

  async set(key: string, token: StoredToken): Promise<void> {
    this.tokens.set(key, { ...token });
  }

  async delete(key: string, onlyIf?: string): Promise<void> {
    if (onlyIf !== undefined && this.tokens.get(key)?.accessToken !== onlyIf) return;
    this.tokens.delete(key);
  }
}

function isStoredToken(v: unknown): v is StoredToken {
  const t = v as StoredToken;
  return (
    typeof t === 'object' && t !== null && typeof t.accessToken === 'string' && typeof t.apiDomain === 'string' &&
    typeof t.expiresAt === 'number'
  );
}

/**
 * Tokens in one JSON file (`{key: StoredToken}`), mode 0600, replaced atomically (write temp + rename), so a
 * restarted proxy or a CLI run next to it reuses the live token. Writes within one process are serialised;
 * across processes the last writer wins, which at worst costs one extra refresh.
 * A missing or unreadable file reads as empty (a corrupt cache must not stop the bridge).
 */
export class FileTokenStore implements TokenStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async get(key: string): Promise<StoredToken | undefined> {
    const all = await this.readAll();
    return all[key];
  }

  set(key: string, token: StoredToken): Promise<void> {
    return this.update((all) => {
      all[key] = { accessToken: token.accessToken, apiDomain: token.apiDomain, expiresAt: token.expiresAt };
    });
  }

  delete(key: string, onlyIf?: string): Promise<void> {
    return this.update((all) => {
      if (onlyIf !== undefined && all[key]?.accessToken !== onlyIf) return;
      delete all[key];
    });
  }

  private async readAll(): Promise<Record<string, StoredToken>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const out: Record<string, StoredToken> = {};
      if (parsed && typeof parsed === 'object') {
        for (const [k, v] of Object.entries(parsed)) if (isStoredToken(v)) out[k] = v;
      }
      return out;
    } catch {
      return {};
    }
  }

  private update(change: (all: Record<string, StoredToken>) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const all = await this.readAll();
      change(all);
      const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await makeFolder(dirname(this.path));
        await writeFile(tmp, `${JSON.stringify(all)}\n`, { mode: 0o600 });
        await chmod(tmp, 0o600); // writeFile's mode is filtered by the umask
        await rename(tmp, this.path);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw new Error(`token store: cannot write ${this.path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
