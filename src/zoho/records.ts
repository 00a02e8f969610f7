/** Reading v2 records: GET by id, search, criteria escaping, and finding the module of a Notes parent id. */
import { UpstreamError } from '../errors.js';
import type { V2Record } from '../v2/types.js';
import { dataArray, moreRecords, v2CodeOf } from '../v2/answers.js';
import type { ZohoClient } from './client.js';

/** GET /crm/v2/{M}/{id} → the record, or undefined when it does not exist (204, 400 INVALID_DATA, 404). */
export async function fetchRecord(client: ZohoClient, module: string, id: string): Promise<V2Record | undefined> {
  const { status, body } = await client.get(`/crm/v2/${encodeURIComponent(module)}/${encodeURIComponent(id)}`);
  const code = v2CodeOf(body);
  // 204: no such record; 400 INVALID_DATA: not an id of this module; 404: the module/URL does not exist.
  if (status === 204 || status === 404 || (status === 400 && code === 'INVALID_DATA')) return undefined;
  const data = dataArray(body) as V2Record[] | undefined;
  if (status >= 400 || !data) {
    throw new UpstreamError(`GET /crm/v2/${module}/{id}: HTTP ${status}${code ? ` ${code}` : ''}`, { status, v2Code: code });
  }
  return data[0];
}

export interface SearchQuery {
  email?: string;
  phone?: string;
  word?: string;
  criteria?: string;
}

/** GET /crm/v2/{M}/search → matching records ([] on 204). */
export async function searchRecords(client: ZohoClient, module: string, query: SearchQuery): Promise<V2Record[]> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params[k] = v;
  const { status, body } = await client.get(`/crm/v2/${encodeURIComponent(module)}/search`, params);
  if (status === 204) return [];
  const data = dataArray(body) as V2Record[] | undefined;
  if (status >= 400 || !data) {
    const code = v2CodeOf(body);
    throw new UpstreamError(`search ${module}: HTTP ${status}${code ? ` ${code}` : ''}`, { status, v2Code: code });
  }
  return data;
}

/** Records per search page: v2's maximum `per_page`. */
export const SEARCH_PAGE_SIZE = 200;
/**
 * v2's search ceiling: a search reaches at most this many records (page × per_page), whatever `more_records`
 * says beyond it.
 */
export const SEARCH_MAX_RECORDS = 2000;

export interface SearchPages {
  records: V2Record[];
  /** False when v2 still had `more_records` at the ceiling: the records are not all the matches. */
  complete: boolean;
  /** v2 calls made (credits: 1 each). */
  calls: number;
}

/**
 * GET /crm/v2/{M}/search page after page (`per_page` 200) until `info.more_records` is false or the search
 * ceiling (`maxRecords`, default SEARCH_MAX_RECORDS) is reached. A 204 ends the search. Throws UpstreamError
 * like searchRecords.
 */
export async function searchAllPages(
  client: ZohoClient,
  module: string,
  query: SearchQuery,
  maxRecords = SEARCH_MAX_RECORDS,
): Promise<SearchPages> {
  const out: SearchPages = { records: [], complete: true, calls: 0 };
  const lastPage = Math.max(1, Math.floor(maxRecords / SEARCH_PAGE_SIZE));
  for (let page = 1; ; page += 1) {
    const { records, more } = await searchPage(client, module, query, page);
    out.calls += 1;
    out.records.push(...records);
    if (!more || records.length === 0) return out;
    if (page >= lastPage) {
      out.complete = false;
      return out;
    }
  }
}

async function searchPage(client: ZohoClient, module: string, query: SearchQuery, page: number): Promise<{ records: V2Record[]; more: boolean }> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params[k] = v;
  params.page = String(page);
  params.per_page = String(SEARCH_PAGE_SIZE);
  const { status, body } = await client.get(`/crm/v2/${encodeURIComponent(module)}/search`, params);
  if (status === 204) return { records: [], more: false };
  const data = dataArray(body) as V2Record[] | undefined;
  if (status >= 400 || !data) {
    const code = v2CodeOf(body);
    throw new UpstreamError(`search ${module}: HTTP ${status}${code ? ` ${code}` : ''}`, { status, v2Code: code });
  }
  return { records: data, more: moreRecords(body) };
}

export { escapeCriteriaValue, criteriaEquals } from '../v2/criteria.js';

/** Modules probed, in order, for the parent of a Notes entityId (v1 never said which module it was). */
export const DEFAULT_NOTE_PARENT_MODULES = [
  'Leads', 'Contacts', 'Accounts', 'Deals', 'Campaigns', 'Cases', 'Solutions', 'Products', 'Vendors',
  'Price_Books', 'Quotes', 'Sales_Orders', 'Purchase_Orders', 'Invoices', 'Tasks', 'Events', 'Calls',
];

/**
 * Where remembered record id → module answers are shared by replicas (state/redis). Rejects when unreachable.
 */
export interface NoteParentStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, module: string): Promise<void>;
}

/** Finds the module of a record id by probing candidate modules; remembers answers and ids the bridge wrote. */
export class NoteParentResolver {
  private readonly known = new Map<string, string>();
  private readonly probing = new Map<string, Promise<string | undefined>>();
  private readonly candidates: string[];
  private readonly store: NoteParentStore | undefined;

  /**
   * @param options.candidates modules probed in order (config `metadata.noteParentModules`)
   * @param options.maxRemembered in-process answers kept, oldest dropped first. @default 100000
   * @param options.store shared store of answers (replicas); the in-process map stays in front of it
   */
  constructor(
    private readonly client: ZohoClient,
    options: { candidates?: string[]; maxRemembered?: number; store?: NoteParentStore } = {},
  ) {
    this.candidates = options.candidates ?? DEFAULT_NOTE_PARENT_MODULES;
    this.maxRemembered = options.maxRemembered ?? 100_000;
    this.store = options.store;
  }

  private readonly maxRemembered: number;

  /** Remember that `id` is a record of `module` (here, and in the shared store when there is one, best effort). */
  remember(id: string, module: string): void {
    if (this.known.size >= this.maxRemembered) this.known.delete(this.known.keys().next().value as string);
    this.known.set(id, module);
    this.store?.set(id, module).catch(() => undefined);
  }

  /** The module holding record `id`, or undefined when no candidate module has it. */
  resolve(id: string): Promise<string | undefined> {
    const hit = this.known.get(id);
    if (hit) return Promise.resolve(hit);
    if (!/^\d+$/.test(id)) return Promise.resolve(undefined);
    // Single-flight: rows of one call often share a parent id.
    let pending = this.probing.get(id);
    if (!pending) {
      pending = this.lookup(id).finally(() => this.probing.delete(id));
      this.probing.set(id, pending);
    }
    return pending;
  }

  private async lookup(id: string): Promise<string | undefined> {
    const shared = await this.store?.get(id);
    if (shared) {
      this.known.set(id, shared);
      return shared;
    }
    return this.probe(id);
  }

  private async probe(id: string): Promise<string | undefined> {
    for (const module of this.candidates) {
      let record: V2Record | undefined;
      try {
        record = await fetchRecord(this.client, module, id);
      } catch (error) {
        // A candidate module this org does not have (400 INVALID_MODULE …) is no answer; real failures are.
        if (error instanceof UpstreamError && error.status === 400) continue;
        throw error;
      }
      if (record) {
        this.remember(id, module);
        return module;
      }
    }
    return undefined;
  }
}
