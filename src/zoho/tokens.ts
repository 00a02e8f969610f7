/**
 * Where access tokens are cached, per profile. Zoho caps live access tokens per refresh token (30; the 31st
 * silently revokes the oldest), so replicas must share them: this interface is the seam for a Redis store.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StoredToken {
  accessToken: string;
  apiDomain: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken): Promise<void>;
  /** Forget the token; with `onlyIf`, only when it is still that access token (another replica may have refreshed). */
  delete(key: string, onlyIf?: string): Promise<void>;
}

export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  async get(key: string) {
    return this.tokens.get(key);
  }
  async set(key: string, token: StoredToken) {
    this.tokens.set(key, token);
  }
  async delete(key: string, onlyIf?: string) {
    if (onlyIf === undefined || this.tokens.get(key)?.accessToken === onlyIf) this.tokens.delete(key);
  }
}

/** A JSON file (mode 0600) shared by processes on one host; written atomically (rename). */
export class FileTokenStore implements TokenStore {
  constructor(private readonly path: string) {}

  private read(): Record<string, StoredToken> {
    if (!existsSync(this.path)) return {};
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, StoredToken>;
    } catch {
      return {}; // a torn or foreign file only costs a refresh
    }
  }

  private write(all: Record<string, StoredToken>): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  async get(key: string) {
    return this.read()[key];
  }
  async set(key: string, token: StoredToken) {
    const all = this.read();
    all[key] = token;
    this.write(all);
  }
  async delete(key: string, onlyIf?: string) {
    const all = this.read();
    if (all[key] && (onlyIf === undefined || all[key].accessToken === onlyIf)) {
      delete all[key];
      this.write(all);
    }
  }
}
