/**
 * Where the bridge gets v2 metadata: live from /settings (cached with a TTL per profile and module,
 * single-flight per key), falling back to a snapshot with a warning when the live fetch fails.
 */
import type { MetadataSnapshot } from '../v2/snapshot.js';
import { fieldsOf, modulesOf, taxesOf, usersOf } from '../v2/settings.js';
import type { V2FieldJson, V2ModuleJson, V2TaxJson, V2UserJson } from '../v2/types.js';
import type { ZohoClient } from './client.js';

/** How long live metadata and users are cached (config `metadata.ttlSeconds`). */
export const DEFAULT_METADATA_TTL_MS = 600_000;

export interface MetadataSource {
  modules(): Promise<V2ModuleJson[]>;
  fields(moduleApiName: string): Promise<V2FieldJson[]>;
  users(): Promise<V2UserJson[]>;
  /**
   * The user the profile's token belongs to, one of users(); undefined (or a rejection) when it cannot be known —
   * never a guess such as a snapshot's first user for a live profile whose upstream is down.
   */
  currentUser(): Promise<V2UserJson | undefined>;
  /** The org's taxes (GET /crm/v2/org/taxes): line-item `Tax` amounts are matched against them. */
  taxes(): Promise<V2TaxJson[]>;
}

/** Metadata from files (converter, tests). */
export class SnapshotMetadata implements MetadataSource {
  constructor(private readonly snapshot: MetadataSnapshot) {}
  async modules() {
    return this.snapshot.modules;
  }
  async fields(moduleApiName: string) {
    return this.snapshot.fields[moduleApiName] ?? [];
  }
  async users() {
    return this.snapshot.users;
  }
  async currentUser() {
    return this.snapshot.users[0];
  }
  async taxes() {
    return this.snapshot.taxes;
  }
}

export interface LiveMetadataOptions {
  /** Cache lifetime. Default 10 min. */
  ttlMs?: number;
  /** Used when the live fetch fails. */
  fallback?: MetadataSnapshot;
  onWarning?: (message: string) => void;
  now?: () => number;
  /** After a failed live fetch, serve the fallback this long before trying again. Default 30 s. */
  retryAfterMs?: number;
}

interface Entry<T> {
  value?: T;
  /** The value is the fallback snapshot's, not a live answer. */
  fromFallback?: boolean;
  expires: number;
  pending?: Promise<T>;
}

export class LiveMetadata implements MetadataSource {
  private readonly cache = new Map<string, Entry<unknown>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: ZohoClient,
    private readonly options: LiveMetadataOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_METADATA_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  modules(): Promise<V2ModuleJson[]> {
    return this.cached('modules', async () => {
      const { body } = await this.client.get('/crm/v2/settings/modules');
      const modules = modulesOf(body);
      if (!modules) throw new Error('settings/modules answered without "modules"');
      return modules;
    }, () => this.options.fallback?.modules);
  }

  fields(moduleApiName: string): Promise<V2FieldJson[]> {
    return this.cached(`fields:${moduleApiName}`, async () => {
      const { body } = await this.client.get('/crm/v2/settings/fields', { module: moduleApiName });
      const fields = fieldsOf(body);
      if (!fields) throw new Error(`settings/fields?module=${moduleApiName} answered without "fields"`);
      return fields;
    }, () => this.options.fallback?.fields[moduleApiName]);
  }

  users(): Promise<V2UserJson[]> {
    return this.cached('users', async () => {
      const { status, body } = await this.client.get('/crm/v2/users', { type: 'AllUsers' });
      if (status === 204) return []; // no users of that type
      const users = usersOf(body);
      if (!users) throw new Error(`users?type=AllUsers answered HTTP ${status} without "users"`);
      return users;
    }, () => this.options.fallback?.users);
  }

  currentUser(): Promise<V2UserJson | undefined> {
    return this.cached('current-user', async () => {
      const { body } = await this.client.get('/crm/v2/users', { type: 'CurrentUser' });
      return usersOf(body)?.[0];
    }, () => undefined);
  }

  taxes(): Promise<V2TaxJson[]> {
    return this.cached('taxes', async () => {
      const { status, body } = await this.client.get('/crm/v2/org/taxes');
      if (status === 204) return [];
      const taxes = taxesOf(body);
      if (!taxes) throw new Error(`org/taxes answered HTTP ${status} without "taxes"`);
      return taxes;
    }, () => this.options.fallback?.taxes);
  }

  private cached<T>(key: string, load: () => Promise<T>, fallback: () => T | undefined): Promise<T> {
    const entry = this.cache.get(key) as Entry<T> | undefined;
    if (entry?.value !== undefined && entry.expires > this.now()) return Promise.resolve(entry.value);
    if (entry?.pending) return entry.pending;
    const pending = load().then(
      (value) => {
        this.cache.set(key, { value, expires: this.now() + this.ttlMs });
        return value;
      },
      (error: Error) => {
        // A live answer that expired beats the snapshot; the snapshot beats nothing.
        const stale = entry?.value !== undefined && !entry.fromFallback ? entry.value : undefined;
        const spare = stale ?? fallback();
        if (spare === undefined) {
          this.cache.delete(key);
          throw error;
        }
        this.options.onWarning?.(`live metadata "${key}" unavailable (${error.message}); using ${stale !== undefined ? 'the expired cache' : 'the snapshot'}`);
        this.cache.set(key, { value: spare, expires: this.now() + (this.options.retryAfterMs ?? 30_000), fromFallback: stale === undefined });
        return spare;
      },
    );
    this.cache.set(key, { ...entry, expires: entry?.expires ?? 0, pending });
    return pending;
  }
}
