/**
 * Resolves, against v2, what the translation core asked for before planning (ResolutionRequests): owners given
 * by e-mail or full name, Notes parents given by bare id, and lookups given by name (issue 9). Name lookups are
 * searched once per distinct value per call, within the client's concurrency limit, and cached for a
 * configurable time; a policy per target module decides what no match or several matches mean.
 */
import type { JournalResolution } from '../journal/types.js';
import { lookupKey, type ResolutionRequests, type Resolutions } from '../mapping/index.js';
import type { V2Record } from '../mapping/types.js';
import type { ProfileRuntime } from '../upstream.js';
import { criteriaEquals, searchRecords } from '../zoho/records.js';

export type LookupPolicy = 'skip' | 'error' | 'create';

/** The field holding a record's name, per module api_name; custom modules use `Name`. */
export const NAME_FIELDS: Record<string, string> = {
  Accounts: 'Account_Name',
  Deals: 'Deal_Name',
  Vendors: 'Vendor_Name',
  Campaigns: 'Campaign_Name',
  Products: 'Product_Name',
  Price_Books: 'Price_Book_Name',
  Quotes: 'Subject',
  Sales_Orders: 'Subject',
  Purchase_Orders: 'Subject',
  Invoices: 'Subject',
  Cases: 'Subject',
  Solutions: 'Solution_Title',
  Contacts: 'Full_Name',
  Leads: 'Full_Name',
};
/** Modules where policy "create" may create the missing record (v1 is not known to have done more). */
const CREATABLE = new Set(['Accounts', 'Vendors']);


interface CachedLookup {
  id?: string;
  reason?: string;
  expires: number;
}

/** Per-profile cache of name → id resolutions (only definite answers are cached). */
export class LookupCache {
  private readonly entries = new Map<string, CachedLookup>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}
  get(key: string): CachedLookup | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit;
    if (hit) this.entries.delete(key);
    return undefined;
  }
  set(key: string, value: { id?: string; reason?: string }): void {
    this.entries.set(key, { ...value, expires: this.now() + this.ttlMs });
  }
}

export interface ResolveOutcome {
  resolutions: Resolutions;
  journal: JournalResolution[];
  /** Upstream calls made (credits). */
  calls: number;
}

const lower = (s: string): string => s.trim().toLowerCase();

export async function resolveRequests(
  requests: ResolutionRequests,
  profile: ProfileRuntime,
  cache: LookupCache,
): Promise<ResolveOutcome> {
  const out: ResolveOutcome = { resolutions: {}, journal: [], calls: 0 };

  if (requests.owners.length > 0) {
    const users = await profile.metadata.users();
    const owners = new Map<string, string | undefined>();
    for (const value of new Set(requests.owners)) {
      const v = lower(value);
      const matches = users.filter((u) => lower(u.email ?? '') === v || lower(u.full_name ?? '') === v);
      const id = matches.length === 1 ? matches[0].id : undefined;
      owners.set(value, id);
      out.journal.push({ kind: 'owner', value, id, reason: id ? undefined : matches.length > 1 ? 'several-matches' : 'no-match' });
    }
    out.resolutions.owners = owners;
  }

  if (requests.noteParents.length > 0) {
    const parents = new Map<string, string | undefined>();
    await Promise.all(
      [...new Set(requests.noteParents)].map(async (id) => {
        const module = await profile.noteParents.resolve(id);
        parents.set(id, module);
        out.journal.push({ kind: 'note-parent', value: id, module, reason: module ? undefined : 'no-match' });
      }),
    );
    out.resolutions.noteParents = parents;
  }

  if (requests.lookupNames.length > 0) {
    const lookups = new Map<string, { id?: string; reason?: string; fail?: boolean }>();
    const distinct = new Map<string, { field: string; module: string; value: string }>();
    for (const r of requests.lookupNames) distinct.set(lookupKey(r.module, r.value), r);
    await Promise.all(
      [...distinct].map(async ([key, r]) => {
        const policy: LookupPolicy = profile.lookupPolicy[r.module] ?? 'skip';
        let found = cache.get(`${profile.name}\u0000${key}`);
        if (!found) {
          const ids = await searchByName(profile, r.module, r.value);
          out.calls += 1;
          const answer = ids.length === 1 ? { id: ids[0] } : { reason: ids.length === 0 ? 'no-match' : 'several-matches' };
          cache.set(`${profile.name}\u0000${key}`, answer);
          found = { ...answer, expires: 0 };
        }
        let { id, reason } = found;
        if (!id && policy === 'create' && reason === 'no-match' && CREATABLE.has(r.module)) {
          id = await createNamed(profile, r.module, r.value);
          out.calls += 1;
          reason = id ? 'created' : 'create-failed';
          if (id) cache.set(`${profile.name}\u0000${key}`, { id });
        }
        lookups.set(key, { id, reason: id ? (reason === 'created' ? 'created' : undefined) : reason, fail: !id && policy === 'error' });
        out.journal.push({ kind: 'lookup', field: r.field, module: r.module, value: r.value, id, reason: id && reason !== 'created' ? undefined : reason });
      }),
    );
    out.resolutions.lookupNames = lookups;
  }
  return out;
}

/** Ids of the records of `module` whose name is `value` (case-insensitive, as v2 search matches). */
async function searchByName(profile: ProfileRuntime, module: string, value: string): Promise<string[]> {
  const field = NAME_FIELDS[module] ?? 'Name';
  const wanted = lower(value);
  if (field === 'Full_Name') {
    // Search by the last word (Last_Name), then compare the full name locally: robust where Full_Name
    // is not searchable.
    const last = value.trim().split(/\s+/).pop() ?? value;
    const records = (await searchRecords(profile.client, module, { criteria: criteriaEquals('Last_Name', last) })) as V2Record[];
    return records
      .filter((r) => {
        const full = typeof r.Full_Name === 'string' ? r.Full_Name : [r.First_Name, r.Last_Name].filter((x) => typeof x === 'string' && x).join(' ');
        return lower(full) === wanted || lower(String(r.Last_Name ?? '')) === wanted;
      })
      .map((r) => String(r.id));
  }
  const records = (await searchRecords(profile.client, module, { criteria: criteriaEquals(field, value.trim()) })) as V2Record[];
  return records.filter((r) => typeof r[field] === 'string' && lower(r[field] as string) === wanted).map((r) => String(r.id));
}

/** Policy "create": insert the related record with just its name; returns its id. */
async function createNamed(profile: ProfileRuntime, module: string, value: string): Promise<string | undefined> {
  const field = NAME_FIELDS[module];
  const { outcome } = await profile.client.execute(
    { method: 'POST', path: `/crm/v2/${module}`, body: { data: [{ [field]: value.trim() }], trigger: [] }, rows: [0] },
    'insert',
  );
  if (outcome.kind !== 'response') return undefined;
  const data = (outcome.body as { data?: { status?: string; details?: { id?: unknown } }[] })?.data;
  const first = Array.isArray(data) ? data[0] : undefined;
  return first?.status === 'success' && first.details?.id !== undefined ? String(first.details.id) : undefined;
}

