/**
 * Resolves, against v2, what the translation core asked for before planning (ResolutionRequests): owners given
 * by e-mail, Notes parents given by bare id, and lookups given by name (issue 9). Name lookups are
 * searched once per distinct value per call, within the client's concurrency limit, and cached for a
 * configurable time; a policy per target module decides what no match or several matches mean.
 */
import type { JournalResolution } from '../journal/types.js';
import { lookupKey, type ResolutionRequests, type Resolutions } from '../mapping/index.js';
import type { V2Operation, V2Outcome, V2Record, V2Request } from '../v2/types.js';
import type { ProfileRuntime } from '../upstream.js';
import { asObject, dataArray, entryDetails } from '../v2/answers.js';
import { criteriaEquals, criteriaOr, MAX_CONDITIONS } from '../v2/criteria.js';
import { NAME_FIELDS } from '../v2/modules.js';
import { fetchRecord, searchAllPages } from '../zoho/records.js';
import { MemoryCache, type SharedCache } from '../state/cache.js';
import { lookupCreateLockKey, MemoryKeyedLock, type KeyedLock } from '../state/lock.js';

/**
 * What a lookup given by name does when it matches no record or several:
 * - `skip` (default except Accounts): the row is sent without the lookup, with a warning;
 * - `error`: the row fails with 4832 `You have given a wrong value for the field : <label>`;
 * - `create` (default for Accounts; Accounts and Vendors only, elsewhere like `skip`): no match → the record is created with that name
 *   first and linked. Several matches are never "created away": they link none and warn.
 * The first is the default.
 */
export const LOOKUP_POLICIES = ['skip', 'error', 'create'] as const;
export type LookupPolicy = (typeof LOOKUP_POLICIES)[number];
/** Lifetime of a cached name → id resolution (config `metadata.lookupCacheSeconds`). */
export const DEFAULT_LOOKUP_CACHE_MS = 300_000;
/**
 * Lifetime of the memory of records this deployment wrote or found (LookupCache.rememberRecord): v2 search
 * trails writes by a minute or two (PROTOCOL-READS §6.3), so for this long a duplicate check or a lookup by name
 * trusts the memory before the search. Ten minutes: several times the documented lag.
 */
export const DEFAULT_RECENT_RECORDS_MS = 600_000;

/** Values compare as v2 search does: trimmed, case-insensitive. */
export const normaliseSearchValue = (value: string): string => value.trim().toLowerCase();

export { NAME_FIELDS } from '../v2/modules.js';
/** Modules where policy "create" may create the missing record (v1 is not known to have done more). */
const CREATABLE = new Set(['Accounts', 'Vendors']);

/**
 * Policy per target module when the configuration names none (PROTOCOL.md §7, §13): v1 created the Account a
 * Contact, Potential, Quote, Sales Order … named and linked it, so Accounts default to `create`; every other
 * module defaults to `skip`.
 */
export const DEFAULT_LOOKUP_POLICY: Readonly<Record<string, LookupPolicy>> = { Accounts: 'create' };

/** The policy for lookups into `module`: the configured one, else DEFAULT_LOOKUP_POLICY, else `skip`. */
export function lookupPolicyFor(configured: Readonly<Record<string, LookupPolicy>>, module: string): LookupPolicy {
  return configured[module] ?? DEFAULT_LOOKUP_POLICY[module] ?? 'skip';
}

/**
 * Per-profile cache of name → id resolutions. Only a single definite match is cached: a miss is asked again
 * next time, because integrations commonly create the Account in one call and name it in the next. Concurrent
 * identical searches or creations share one upstream call (single flight, per process). With a `shared` cache
 * (Redis) the resolutions are shared by every replica.
 */
export class LookupCache {
  private readonly store: SharedCache;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /**
   * @param ttlMs lifetime of a cached id (config `metadata.lookupCacheSeconds`, default 300 s)
   * @param maxEntries oldest entries are evicted beyond this many (default 10,000; in-process cache only)
   * @param shared cache shared by replicas; replaces the in-process one. Its failures propagate (v1 4500).
   * @param locks serialises creations of one name (policy `create`) — across replicas with the Redis lock.
   *   @default an in-process lock
   * @param recentMs lifetime of the memory of written/found records (rememberRecord), ms; 0 disables it.
   *   @default DEFAULT_RECENT_RECORDS_MS (10 min)
   */
  constructor(
    private readonly ttlMs: number,
    now: () => number = Date.now,
    maxEntries = 10_000,
    shared?: SharedCache,
    readonly locks: KeyedLock = new MemoryKeyedLock(),
    private readonly recentMs = DEFAULT_RECENT_RECORDS_MS,
  ) {
    this.store = shared ?? new MemoryCache(ttlMs, maxEntries, now);
  }

  get(key: string): Promise<string | undefined> {
    return this.store.get(key);
  }

  /**
   * Remembers, for `recentMs`, that record `id` of `module` holds `value` in `field` (api_name): a record this
   * deployment inserted, updated or found, which v2 search may not show yet (index lag, PROTOCOL-READS §6.3).
   * `profile` is the profile's shared-state scope (ProfileRuntime.scope: the upstream's identity), as the lookup
   * keys use. Keys are hashed in Redis (they hold e-mails and names). A blank value is not remembered.
   */
  async rememberRecord(profile: string, module: string, field: string, value: string, id: string): Promise<void> {
    if (this.recentMs <= 0 || value.trim() === '') return;
    await this.store.set(recentKey(profile, module, field, value), id, this.recentMs);
  }

  /**
   * The id remembered for (profile, module, field, value) by rememberRecord, unless that record was forgotten
   * (deleted through this deployment) since. Rejects with SharedStateError when the shared store is unreachable.
   */
  async recentRecord(profile: string, module: string, field: string, value: string): Promise<string | undefined> {
    if (this.recentMs <= 0 || value.trim() === '') return undefined;
    const id = await this.store.get(recentKey(profile, module, field, value));
    return id !== undefined && !(await this.isForgotten(profile, id)) ? id : undefined;
  }

  /**
   * Forgets records deleted (or converted away) through this deployment: neither the recent-records memory nor
   * the cached name lookups answer with these ids any more. Kept as a marker for as long as either could.
   */
  async forget(profile: string, ids: readonly string[]): Promise<void> {
    const ttl = Math.max(this.recentMs, this.ttlMs);
    if (ttl <= 0) return;
    await Promise.all(ids.map((id) => this.store.set(forgottenKey(profile, id), '1', ttl)));
  }

  /** Whether `id` was forgotten (deleted through this deployment) within the memory's lifetime. */
  async isForgotten(profile: string, id: string): Promise<boolean> {
    return (await this.store.get(forgottenKey(profile, id))) !== undefined;
  }

  async set(key: string, id: string): Promise<void> {
    if (this.ttlMs <= 0) return;
    return this.store.set(key, id, this.ttlMs);
  }

  /** Runs `work` once for concurrent callers with the same key. */
  single<T>(key: string, work: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}

export interface ResolveOutcome {
  resolutions: Resolutions;
  /** One entry per distinct value: what it resolved to, or why not (journal `resolutions`). */
  journal: JournalResolution[];
  /** Upstream calls made (credits). */
  calls: number;
}

const lower = normaliseSearchValue;
const recentKey = (profile: string, module: string, field: string, value: string): string =>
  `recent\u0000${profile}\u0000${module}\u0000${field}\u0000${normaliseSearchValue(value)}`;
const forgottenKey = (profile: string, id: string): string => `forgotten\u0000${profile}\u0000${id}`;

/**
 * Sends one v2 write made while resolving (policy `create`). The proxy passes one that journals the write's
 * intent first and throws when it cannot, so nothing is created without a journal line.
 * @default the profile client's `execute`, unjournaled
 */
export type ResolveWrite = (req: V2Request, operation: V2Operation) => Promise<{ outcome: V2Outcome }>;

export async function resolveRequests(
  requests: ResolutionRequests,
  profile: ProfileRuntime,
  cache: LookupCache,
  write: ResolveWrite = (req, operation) => profile.client.execute(req, operation),
): Promise<ResolveOutcome> {
  const out: ResolveOutcome = { resolutions: {}, journal: [], calls: 0 };

  if (requests.owners.length > 0) {
    const users = await profile.metadata.users();
    const owners = new Map<string, string | undefined>();
    for (const value of new Set(requests.owners)) {
      const v = lower(value);
      // Only an e-mail selects a user (v1 docs, seeds 001/004); the planner never asks for names.
      const matches = users.filter((u) => lower(u.email ?? '') === v);
      const id = matches.length === 1 ? String(matches[0].id) : undefined;
      owners.set(value, id);
      out.journal.push({
        kind: 'owner',
        field: 'Owner',
        value,
        ...(id ? { id } : { reason: matches.length > 1 ? 'several-matches' : 'no-match' }),
      });
    }
    out.resolutions.owners = owners;
  }

  if (requests.noteParents.length > 0) {
    const parents = new Map<string, string | undefined>();
    await Promise.all(
      [...new Set(requests.noteParents)].map(async (id) => {
        const module = await profile.noteParents.resolve(id);
        parents.set(id, module);
        out.journal.push({ kind: 'note-parent', value: id, ...(module ? { module } : { reason: 'no-match' }) });
      }),
    );
    out.resolutions.noteParents = parents;
  }

  const module = requests.module;
  if (requests.currentRecords.length > 0 && module) {
    // Updates with line items: the current lines are merged with the sent ones (issue 16 item 9).
    const records = new Map<string, Record<string, unknown> | undefined>();
    await Promise.all(
      [...new Set(requests.currentRecords)].map(async (id) => {
        out.calls += 1;
        records.set(id, await fetchRecord(profile.client, module, id));
      }),
    );
    out.resolutions.currentRecords = records;
  }
  if (requests.taxes) {
    out.resolutions.taxes = (await profile.metadata.taxes())
      .filter((t) => typeof t.name === 'string' && typeof t.value === 'number')
      .map((t) => ({ name: t.name, value: t.value }));
  }
  if (requests.apiUser) {
    const me = await profile.metadata.currentUser();
    if (me?.id !== undefined) out.resolutions.apiUserId = String(me.id);
  }

  if (requests.lookupNames.length > 0) {
    const lookups = new Map<string, { id?: string; reason?: string; fail?: boolean }>();
    const distinct = new Map<string, { field: string; module: string; value: string }>();
    for (const r of requests.lookupNames) if (!distinct.has(lookupKey(r.module, r.value))) distinct.set(lookupKey(r.module, r.value), r);
    const entries = await Promise.all([...distinct].map(([key, r]) => resolveName(key, r, profile, cache, out, write)));
    // Journal in request order, whatever order the searches finished in.
    for (const { key, entry, result } of entries) {
      lookups.set(key, result);
      out.journal.push(entry);
    }
    out.resolutions.lookupNames = lookups;
  }
  return out;
}

async function resolveName(
  key: string,
  r: { field: string; module: string; value: string },
  profile: ProfileRuntime,
  cache: LookupCache,
  out: ResolveOutcome,
  write: ResolveWrite,
): Promise<{ key: string; entry: JournalResolution; result: { id?: string; reason?: string; fail?: boolean } }> {
  const policy = lookupPolicyFor(profile.lookupPolicy, r.module);
  // Keyed by the upstream's identity, not the profile name: two orgs on one Redis never share a lookup.
  const cacheKey = `${profile.scope}\u0000${r.module}\u0000${lower(r.value)}`;
  const base = { kind: 'lookup' as const, field: r.field, module: r.module, value: r.value };

  const cached = await knownId(cache, cacheKey, profile.scope, r.module, r.value);
  if (cached) return { key, entry: { ...base, id: cached, cached: true }, result: { id: cached } };

  const found = await cache.single(`search\u0000${cacheKey}`, async () => {
    const result = await searchByName(profile, r.module, r.value);
    out.calls += result.calls;
    return result;
  });
  const ids = found.ids;
  if (ids.length === 1 && found.complete) {
    await cache.set(cacheKey, ids[0]);
    return { key, entry: { ...base, id: ids[0] }, result: { id: ids[0] } };
  }
  // Beyond v2's search ceiling more matches may exist: never link one of them at random.
  const reason = !found.complete ? 'too-many-matches' : ids.length === 0 ? 'no-match' : 'several-matches';

  if (reason === 'no-match' && policy === 'create' && CREATABLE.has(r.module)) {
    const created = await cache.single(`create\u0000${cacheKey}`, async () => {
      // One creation per name across replicas: under the lock, whoever comes second finds the first one's record
      // (in the cache it filled before letting go, or by searching again when the cache could not keep it).
      const unlock = await cache.locks.acquire([lookupCreateLockKey(profile.scope, r.module, lower(r.value).trim())]);
      try {
        const again = await knownId(cache, cacheKey, profile.scope, r.module, r.value);
        if (again) return { id: again };
        const now = await searchByName(profile, r.module, r.value);
        out.calls += now.calls;
        if (now.ids.length === 1 && now.complete) {
          await cache.set(cacheKey, now.ids[0]);
          return { id: now.ids[0] };
        }
        if (now.ids.length > 0 || !now.complete) return { reason: now.complete ? 'several-matches' : 'too-many-matches' };
        out.calls += 1;
        const id = await createNamed(write, r.module, r.value);
        if (id) await Promise.all([cache.set(cacheKey, id), cache.rememberRecord(profile.scope, r.module, NAME_FIELDS[r.module], r.value, id)]);
        return id ? { id, created: true } : {};
      } finally {
        await unlock();
      }
    });
    if (created.id) {
      const how = created.created ? { reason: 'created' } : {};
      return { key, entry: { ...base, id: created.id, ...how }, result: { id: created.id, ...how } };
    }
    return failed(key, base, created.reason ?? 'create-failed', policy);
  }
  return failed(key, base, reason, policy);
}

/**
 * An id known without searching: the cached resolution, else a record of that name this deployment wrote or
 * found lately (v2 search may not show it yet); never one deleted through this deployment since.
 */
async function knownId(cache: LookupCache, cacheKey: string, profile: string, module: string, value: string): Promise<string | undefined> {
  const cached = await cache.get(cacheKey);
  if (cached && !(await cache.isForgotten(profile, cached))) return cached;
  return cache.recentRecord(profile, module, NAME_FIELDS[module] ?? 'Name', value);
}

function failed(
  key: string,
  base: Omit<JournalResolution, 'reason' | 'id'>,
  reason: string,
  policy: LookupPolicy,
): { key: string; entry: JournalResolution; result: { reason: string; fail?: boolean } } {
  const fail = policy === 'error';
  return { key, entry: { ...base, reason, policy: fail ? 'error' : 'skip' }, result: { reason, ...(fail ? { fail } : {}) } };
}

/** Last names a full name may have: every trailing run of its words ("Ann van Dyke" → "Ann van Dyke", "van Dyke", "Dyke"). */
export function lastNameCandidates(fullName: string): string[] {
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = words.length - 1; i >= 0 && out.length < MAX_CONDITIONS; i -= 1) out.push(words.slice(i).join(' '));
  return out;
}

interface NameSearch {
  /** Ids whose name equals the value (case-insensitive). */
  ids: string[];
  /** False when v2 had more results than its search ceiling lets one read. */
  complete: boolean;
  /** v2 calls made (one per page). */
  calls: number;
}

/** Ids of the records of `module` whose name is `value` (case-insensitive, as v2 search matches), every page read. */
async function searchByName(profile: ProfileRuntime, module: string, value: string): Promise<NameSearch> {
  const field = NAME_FIELDS[module] ?? 'Name';
  const wanted = lower(value);
  if (field === 'Full_Name') {
    // Full_Name is not searchable everywhere: search the possible Last_Names, then compare the full name locally.
    const conds = lastNameCandidates(value).map((last) => criteriaEquals('Last_Name', last));
    const criteria = criteriaOr(conds);
    const { records, complete, calls } = await searchAllPages(profile.client, module, { criteria });
    const ids = unique(
      records
        .filter((r) => {
          const full =
            typeof r.Full_Name === 'string' && r.Full_Name !== ''
              ? r.Full_Name
              : [r.First_Name, r.Last_Name].filter((x) => typeof x === 'string' && x).join(' ');
          return lower(full) === wanted;
        })
        .map((r) => String(r.id)),
    );
    return { ids, complete, calls };
  }
  const { records, complete, calls } = await searchAllPages(profile.client, module, { criteria: criteriaEquals(field, value.trim()) });
  const ids = unique(records.filter((r) => typeof r[field] === 'string' && lower(r[field] as string) === wanted).map((r) => String(r.id)));
  return { ids, complete, calls };
}

const unique = (ids: string[]): string[] => [...new Set(ids)];

/** Policy "create": insert the related record with just its name; returns its id. */
async function createNamed(write: ResolveWrite, module: string, value: string): Promise<string | undefined> {
  const field = NAME_FIELDS[module];
  const { outcome } = await write(
    { method: 'POST', path: `/crm/v2/${module}`, body: { data: [{ [field]: value.trim() }], trigger: [] }, rows: [0] },
    'insert',
  );
  if (outcome.kind !== 'response') return undefined;
  const first = asObject(dataArray(outcome.body)?.[0]);
  const id = entryDetails(first).id;
  return first && first.status === 'success' && id !== undefined ? String(id) : undefined;
}
