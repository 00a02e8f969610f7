/**
 * The sandbox's read endpoints with v2's semantics (PROTOCOL-READS.md §15; V2:get-records, get-users, layouts):
 *
 * - `GET /crm/v2/{M}`: `page` (≥1), `per_page` (≤200, default 200), `sort_by` (any field api_name in v2.0, also
 *   `id`, `Created_Time`, `Modified_Time`), `sort_order` (default desc; alone = by id), `fields` (comma list,
 *   `id` always), `ids` (≤100, unknown ids left out), `If-Modified-Since` (records modified strictly after it;
 *   nothing → 304 without a body), an empty page → 204. Without sort_by and sort_order: newest first (id desc).
 * - `GET /crm/v2/{M}/{id}`: the full record — every field of the module, empty ones `null`, plus `$approved`,
 *   `$editable`, `$currency_symbol`, `$state`, `$process_flow`, `Full_Name` (and `$converted` in Leads), `Tag`.
 * - `GET /crm/v2/settings/layouts?module=`: one "Standard" layout synthesised from the field metadata, sections
 *   `{Singular} Information`, `Address Information`, `Description Information`, `Product Details`.
 * - `GET /crm/v2/users?type=`: the v2 user types, paged; no users → 204.
 */
import type { V2FieldJson } from '../v2/types.js';
import { topLevel, v2Error, type Reply } from '../v2/envelopes.js';
import type { SandboxMetadata, SandboxUser } from './metadata.js';
import { renderRecord } from './render.js';
import type { RecordStore, StoredRecord } from './store.js';

export const MAX_PER_PAGE = 200;
const MAX_IDS = 100;

export interface ReadRequest {
  metadata: SandboxMetadata;
  store: RecordStore;
  query: Record<string, unknown>;
  header: (name: string) => string | undefined;
  user: SandboxUser;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const invalid = (details: Record<string, unknown>): Reply => ({ status: 400, body: v2Error('INVALID_DATA', details, 'invalid data') });

/* ------------------------------------------------------------------------------------------ records */

/** A stored record as v2 answers a GET: every field of the module (null when empty) and the `$` keys. */
export function fullRecord(metadata: SandboxMetadata, store: RecordStore, record: StoredRecord, timeZone: string): Record<string, unknown> {
  const base = renderRecord(metadata, store, record, timeZone);
  const out: Record<string, unknown> = {};
  for (const f of metadata.fieldList(record.module)) out[f.api_name] = base[f.api_name] ?? null;
  for (const [k, v] of Object.entries(base)) if (!(k in out) || out[k] === null) out[k] = v;
  if ('Full_Name' in out) {
    const name = [base.First_Name, base.Last_Name].filter((p) => typeof p === 'string' && p !== '').join(' ');
    out.Full_Name = name === '' ? null : name;
  }
  if ('Tag' in out && out.Tag === null) out.Tag = [];
  out.$approved = true;
  out.$editable = true;
  out.$currency_symbol = '$';
  out.$state = 'save';
  out.$process_flow = false;
  if (record.module === 'Leads') out.$converted = false;
  return out;
}

/** Only the requested `fields` (and `id`) of a rendered record. */
function pick(record: Record<string, unknown>, fields: Set<string> | undefined): Record<string, unknown> {
  if (!fields) return record;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (fields.has(k) || k === 'id') out[k] = v;
  return out;
}

/** `GET /crm/v2/{M}/{id}`: the full record, or 204 when there is none. */
export function getRecord(req: ReadRequest, moduleApi: string, id: string): Reply {
  const r = req.store.get(moduleApi, id);
  if (!r) return { status: 204 };
  return { status: 200, body: { data: [fullRecord(req.metadata, req.store, r, req.user.timeZone)] } };
}

/** `GET /crm/v2/{M}` with paging, sorting, fields, ids and If-Modified-Since. */
export function listRecords(req: ReadRequest, moduleApi: string): Reply {
  const q = req.query;
  let records = req.store.list(moduleApi);

  const idsText = str(q.ids);
  if (idsText !== undefined) {
    const ids = idsText.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length > MAX_IDS) return { status: 400, body: v2Error('LIMIT_EXCEEDED', { limit: MAX_IDS, param_name: 'ids' }, 'limit exceeded') };
    const wanted = new Set(ids);
    records = records.filter((r) => wanted.has(r.id));
  }

  const since = req.header('if-modified-since');
  if (since !== undefined && since.trim() !== '') {
    const sinceMs = Date.parse(since.trim());
    if (Number.isNaN(sinceMs)) return invalid({ header_name: 'If-Modified-Since' });
    records = records.filter((r) => Math.floor(r.modifiedAt / 1000) * 1000 > sinceMs);
    if (records.length === 0) return { status: 304 };
  }

  const sortBy = str(q.sort_by);
  const sortOrderText = str(q.sort_order);
  if (sortOrderText !== undefined && sortOrderText !== 'asc' && sortOrderText !== 'desc') return invalid({ param_name: 'sort_order' });
  const fields = req.metadata.fields(moduleApi);
  if (sortBy !== undefined && sortBy !== 'id' && fields && !fields.has(sortBy)) return invalid({ param_name: 'sort_by' });
  const desc = (sortOrderText ?? 'desc') === 'desc';
  records = sortRecords(req, records, sortBy ?? 'id', desc);

  const fieldsText = str(q.fields);
  const wantedFields = fieldsText === undefined ? undefined : new Set(fieldsText.split(',').map((s) => s.trim()).filter(Boolean));
  return pageOf(req, records, (r) => pick(fullRecord(req.metadata, req.store, r, req.user.timeZone), wantedFields));
}

/** Sort key of one record: system times and ids by their numbers, other fields by their stored value. */
function sortRecords(req: ReadRequest, records: StoredRecord[], sortBy: string, desc: boolean): StoredRecord[] {
  const key = (r: StoredRecord): string | number | undefined => {
    switch (sortBy) {
      case 'id':
        return r.seq;
      case 'Created_Time':
        return r.createdAt;
      case 'Modified_Time':
        return r.modifiedAt;
      case 'Owner':
        return req.metadata.user(r.ownerId)?.fullName.toLowerCase();
      default: {
        const v = r.values[sortBy];
        if (typeof v === 'number') return v;
        if (typeof v === 'boolean') return v ? 1 : 0;
        if (typeof v === 'string') return v === '' ? undefined : v.toLowerCase();
        if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return ((v as { name: string }).name).toLowerCase();
        return undefined;
      }
    }
  };
  const keyed = records.map((r) => ({ r, k: key(r) }));
  keyed.sort((a, b) => {
    // Empty values last in either order; ties by age so pages are stable.
    if (a.k === undefined || b.k === undefined) return a.k === b.k ? (desc ? b.r.seq - a.r.seq : a.r.seq - b.r.seq) : a.k === undefined ? 1 : -1;
    const c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
    return (desc ? -c : c) || (desc ? b.r.seq - a.r.seq : a.r.seq - b.r.seq);
  });
  return keyed.map((x) => x.r);
}

/** `{"data":[…],"info":{per_page,count,page,more_records}}` of one page, or 204 when the page is empty. */
export function pageOf<T>(req: Pick<ReadRequest, 'query'>, records: T[], render: (r: T) => Record<string, unknown>): Reply {
  const q = req.query;
  const pageNo = Math.max(1, Number.parseInt(String(q.page ?? '1'), 10) || 1);
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number.parseInt(String(q.per_page ?? MAX_PER_PAGE), 10) || MAX_PER_PAGE));
  const slice = records.slice((pageNo - 1) * perPage, pageNo * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    body: {
      data: slice.map(render),
      info: { per_page: perPage, count: slice.length, page: pageNo, more_records: records.length > pageNo * perPage },
    },
  };
}

/* ------------------------------------------------------------------------------------------ layouts */

const ADDRESS = /^((Mailing|Other|Billing|Shipping)_)?(Street|City|State|Zip|Zip_Code|Code|Country)$/;
const LINE_ITEMS = new Set(['Product_Details', 'Quoted_Items', 'Ordered_Items', 'Purchase_Items', 'Invoiced_Items']);
const NOT_ON_LAYOUTS = new Set(['Full_Name', 'Tag']);
/** Fields a standard layout makes mandatory beyond system_mandatory (PROTOCOL §7: Leads Company). */
const LAYOUT_REQUIRED: Record<string, string[]> = { Leads: ['Company'] };

/** `GET /crm/v2/settings/layouts?module=M`: one active "Standard" layout built from the field metadata. */
export function layouts(metadata: SandboxMetadata, moduleName: string | undefined, strict: boolean): Reply {
  if (moduleName === undefined || moduleName === '') return topLevel.paramMissing('module');
  const m = metadata.module(moduleName, strict);
  if (!m) return topLevel.invalidModule();
  const fields = metadata.fieldList(m.api_name).filter((f) => !NOT_ON_LAYOUTS.has(f.api_name) && !f.api_name.startsWith('$'));
  const required = new Set(LAYOUT_REQUIRED[m.api_name] ?? []);
  const groups: [string, V2FieldJson[]][] = [
    [`${m.singular_label} Information`, fields.filter((f) => !ADDRESS.test(f.api_name) && f.api_name !== 'Description' && !LINE_ITEMS.has(f.api_name))],
    ['Address Information', fields.filter((f) => ADDRESS.test(f.api_name))],
    ['Product Details', fields.filter((f) => LINE_ITEMS.has(f.api_name))],
    ['Description Information', fields.filter((f) => f.api_name === 'Description')],
  ];
  const sections = groups
    .filter(([, list]) => list.length > 0)
    .map(([name, list], i) => ({
      display_label: name,
      sequence_number: i + 1,
      column_count: name === 'Description Information' ? 1 : 2,
      name,
      api_name: name.replace(/\s+/g, '_'),
      fields: list.map((f, j) => ({ ...f, required: f.system_mandatory === true || required.has(f.api_name), sequence_number: j + 1 })),
    }));
  return {
    status: 200,
    body: { layouts: [{ id: `${m.id ?? '0'}91`, name: 'Standard', visible: true, status: 'active', sections }] },
  };
}

/* -------------------------------------------------------------------------------------------- users */

const USER_FILTERS: Record<string, (u: SandboxUser, current: SandboxUser) => boolean> = {
  AllUsers: (u) => status(u) !== 'deleted',
  ActiveUsers: (u) => status(u) === 'active',
  DeactiveUsers: (u) => status(u) !== 'active' && status(u) !== 'deleted',
  ConfirmedUsers: (u) => confirmed(u) && status(u) !== 'deleted',
  NotConfirmedUsers: (u) => !confirmed(u) && status(u) !== 'deleted',
  DeletedUsers: (u) => status(u) === 'deleted',
  AdminUsers: (u) => admin(u) && status(u) !== 'deleted',
  ActiveConfirmedUsers: (u) => status(u) === 'active' && confirmed(u),
  ActiveConfirmedAdmins: (u) => status(u) === 'active' && confirmed(u) && admin(u),
  CurrentUser: (u, current) => u.id === current.id,
};

function status(u: SandboxUser): string {
  return typeof u.json.status === 'string' ? u.json.status : 'active';
}
function confirmed(u: SandboxUser): boolean {
  return u.json.confirm !== false;
}
function admin(u: SandboxUser): boolean {
  return (u.json.profile as { name?: unknown } | undefined)?.name === 'Administrator';
}

/** `GET /crm/v2/users?type=…&page&per_page` (type defaults to AllUsers); unknown type → 400; none → 204. */
export function users(req: Pick<ReadRequest, 'metadata' | 'query' | 'user'>): Reply {
  const type = str(req.query.type) ?? 'AllUsers';
  const filter = USER_FILTERS[type];
  if (!filter) return invalid({ param_name: 'type' });
  const chosen = req.metadata.users.filter((u) => filter(u, req.user));
  const q = req.query;
  const pageNo = Math.max(1, Number.parseInt(String(q.page ?? '1'), 10) || 1);
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number.parseInt(String(q.per_page ?? MAX_PER_PAGE), 10) || MAX_PER_PAGE));
  const slice = chosen.slice((pageNo - 1) * perPage, pageNo * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    body: {
      users: slice.map((u) => ({ ...u.json, id: u.id, email: u.email, full_name: u.fullName, time_zone: u.timeZone })),
      info: { per_page: perPage, count: slice.length, page: pageNo, more_records: chosen.length > pageNo * perPage },
    },
  };
}
