/**
 * v1 read parameters → the v2 GET requests they mean (PROTOCOL-READS.md §2, §4.3, §5, §6). Pure: windows → aligned
 * pages, selectColumns → columns and `fields`, sortColumnString → `sort_by`, lastModifiedTime → If-Modified-Since,
 * v1 criteria / searchCondition / PDC columns → v2 search plus the exact local post-filter v2's loose `equals` needs.
 * Errors are returned as data naming the v1 parameter (4600) or as criteria errors (4832); nothing here throws.
 */
import { moduleColumns, type ColumnOptions, type V1Column } from './columns.js';
import type { MappingOptions } from './fields.js';
import { findColumn } from './rows.js';
import { formatIsoInZone, legacyDateTimeToIso } from './time.js';
import type { ModuleMeta } from './types.js';
import { formatV1Value } from './v1-values.js';

/** The v1 read and metadata methods zbridge answers (PROTOCOL-READS §1). */
export const READ_METHODS: ReadonlySet<string> = new Set([
  'getRecords',
  'getMyRecords',
  'getRecordById',
  'searchRecords',
  'getSearchRecords',
  'getSearchRecordsByPDC',
  'getFields',
  'getModules',
  'getUsers',
  // The read half of the record actions (docs/PROTOCOL-READS.md §7.2, §11.1).
  'getDeletedRecordIds',
  'getRelatedRecords',
]);

/** Most rows one v1 window serves (§2.2). */
export const MAX_WINDOW = 200;
/** v2's largest page. */
export const MAX_PER_PAGE = 200;
/** v2 search serves at most this many results (§6.3). */
export const SEARCH_CEILING = 2000;
/** Conditions served in one v1 criteria (v2 allows 10; v1 documented 5, §16 #25). */
export const MAX_CONDITIONS = 10;

export type ParamError = { error: 'parameter'; parameter: string; message: string };
const paramError = (parameter: string, message: string): ParamError => ({ error: 'parameter', parameter, message });
export const isParamError = (x: unknown): x is ParamError => typeof x === 'object' && x !== null && (x as ParamError).error === 'parameter';

/** Parameters with an empty value count as absent (§4.1). */
function param(params: Record<string, string>, name: string): string | undefined {
  const v = params[name.toLowerCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/* ------------------------------------------------------------------------------------------ windows */

/** A 1-based inclusive v1 window, at most MAX_WINDOW rows. */
export interface Window {
  from: number;
  to: number;
  /** True when the asked window was longer than MAX_WINDOW and was cut (journaled). */
  clamped: boolean;
}

/**
 * `fromIndex`/`toIndex` (§2.2): defaults 1 and 20 (toIndex defaults to from+19 when only fromIndex is given — the
 * 20-row page); non-numeric, zero, negative or toIndex < fromIndex → 4600 naming the parameter; longer than 200
 * rows → clamped to fromIndex..fromIndex+199 (§16 #4).
 */
export function parseWindow(params: Record<string, string>): Window | ParamError {
  const fromText = param(params, 'fromIndex');
  const toText = param(params, 'toIndex');
  if (fromText !== undefined && !/^\d{1,9}$/.test(fromText)) return paramError('fromIndex', `fromIndex "${fromText}" is not a positive integer`);
  if (toText !== undefined && !/^\d{1,9}$/.test(toText)) return paramError('toIndex', `toIndex "${toText}" is not a positive integer`);
  const from = fromText === undefined ? 1 : Number(fromText);
  if (from < 1) return paramError('fromIndex', 'fromIndex must be at least 1');
  const to = toText === undefined ? from + 19 : Number(toText);
  if (to < 1 || to < from) return paramError('toIndex', `toIndex ${to} is before fromIndex ${from}`);
  if (to - from + 1 > MAX_WINDOW) return { from, to: from + MAX_WINDOW - 1, clamped: true };
  return { from, to, clamped: false };
}

/** The v2 pages that cover a window: `per_page`, the page numbers (one or two) and the slice of their rows. */
export interface PagePlan {
  perPage: number;
  pages: number[];
  /** Rows to skip at the start of the first page. */
  skip: number;
  /** Rows of the window. */
  take: number;
}

/**
 * Window → aligned v2 pages (§4.3): the smallest per_page k in n..200 whose page holds the whole window (one
 * call; aligned windows such as 1–20, 1–200, 201–400 get k = n), else two pages of 200.
 */
export function windowPages(window: Pick<Window, 'from' | 'to'>): PagePlan {
  const f0 = window.from - 1;
  const t0 = window.to - 1;
  const n = t0 - f0 + 1;
  for (let k = n; k <= MAX_PER_PAGE; k += 1) {
    if (Math.floor(f0 / k) === Math.floor(t0 / k)) return { perPage: k, pages: [Math.floor(f0 / k) + 1], skip: f0 % k, take: n };
  }
  const first = Math.floor(f0 / MAX_PER_PAGE) + 1;
  return { perPage: MAX_PER_PAGE, pages: [first, first + 1], skip: f0 % MAX_PER_PAGE, take: n };
}

/* ------------------------------------------------------------------------------- simple parameters */

/** `newFormat`: absent or 1 → 1, 2 → 2, anything else → 4600 "newFormat". */
export function parseNewFormat(params: Record<string, string>): 1 | 2 | ParamError {
  const v = param(params, 'newFormat');
  if (v === undefined || v === '1') return 1;
  if (v === '2') return 2;
  return paramError('newFormat', `newFormat "${v}" is neither 1 nor 2`);
}

/**
 * `selectColumns` (§2.1): `Module(Label,Label)` (module prefix matched loosely) or `All`; empty or without
 * parentheses → All. Labels are trimmed; empty ones dropped.
 */
export function parseSelectColumns(text: string | undefined): 'all' | string[] {
  if (text === undefined) return 'all';
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return 'all';
  const labels = text
    .slice(open + 1, close)
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return labels.length === 0 ? 'all' : labels;
}

export interface SortPlan {
  /** v2 `sort_by` api_name. */
  sortBy: string;
  sortOrder: 'asc' | 'desc';
  /** A sortColumnString that matched no field: the default sort is used and this is journaled (§16 #6). */
  ignoredColumn?: string;
}

/**
 * sortColumnString / sortOrderString (§4.1–§4.3): a label (or the module id pseudo-field, or `id`) → its api_name;
 * order `asc` when a column is given, else id desc (§16 #2). An invalid sortOrderString → 4600.
 */
export function parseSort(module: ModuleMeta, params: Record<string, string>, options: ColumnOptions & { mapping?: MappingOptions } = {}): SortPlan | ParamError {
  const column = param(params, 'sortColumnString');
  const orderText = param(params, 'sortOrderString');
  let order: 'asc' | 'desc' | undefined;
  if (orderText !== undefined) {
    const lower = orderText.toLowerCase();
    if (lower !== 'asc' && lower !== 'desc') return paramError('sortOrderString', `sortOrderString "${orderText}" is neither asc nor desc`);
    order = lower;
  }
  if (column === undefined) return { sortBy: 'id', sortOrder: order ?? 'desc' };
  if (column.toLowerCase() === 'id') return { sortBy: 'id', sortOrder: order ?? 'asc' };
  const columns = moduleColumns(module, options);
  const found = findColumn(module, columns, column, options.mapping);
  if (!found) return { sortBy: 'id', sortOrder: order ?? 'desc', ignoredColumn: column };
  return { sortBy: found.kind === 'self-id' ? 'id' : found.field.apiName, sortOrder: order ?? 'asc' };
}

/**
 * lastModifiedTime (`yyyy-MM-dd HH:mm:ss`, the profile's zone) → the If-Modified-Since value, one second earlier
 * (duplicates, never gaps: §4.3, §16 #3). Unparseable → 4600 "lastModifiedTime".
 */
export function ifModifiedSince(text: string, timeZone: string): { header: string; sinceMs: number } | ParamError {
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(text) ? legacyDateTimeToIso(text, timeZone) : undefined;
  const epoch = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(epoch)) return paramError('lastModifiedTime', `lastModifiedTime "${text}" is not yyyy-MM-dd HH:mm:ss`);
  return { header: formatIsoInZone(epoch - 1000, timeZone), sinceMs: epoch - 1000 };
}

/** The v2 `fields` list for a narrowed selection (api names behind the columns), or undefined for All. */
export function v2FieldsParam(columns: readonly V1Column[], all: boolean): string | undefined {
  if (all) return undefined;
  const names = new Set<string>(['id']);
  for (const c of columns) {
    if (c.kind === 'self-id') continue;
    names.add(c.field.apiName);
    if (c.kind === 'se') names.add('$se_module');
  }
  return [...names].join(',');
}

/* ---------------------------------------------------------------------------------------- criteria */

export type MatchOp = 'equals' | 'starts' | 'contains' | 'ends';

/** One v1 condition, with its label still v1. */
export interface V1Condition {
  kind: 'cond';
  label: string;
  op: MatchOp;
  value: string;
}
export type V1Criteria = V1Condition | { kind: 'and' | 'or'; parts: V1Criteria[] };

/** Criteria the bridge cannot serve: 4832 (§6.2), with the reason for the journal. */
export type CriteriaError = { error: 'criteria'; reason: string };
const criteriaError = (reason: string): CriteriaError => ({ error: 'criteria', reason });
export const isCriteriaError = (x: unknown): x is CriteriaError => typeof x === 'object' && x !== null && (x as CriteriaError).error === 'criteria';

const MAX_DEPTH = 32;

/** `x*` starts with, `*x*` contains, `*x` ends with, else equals (§6.1, §16 #24). */
function wildcard(raw: string): { op: MatchOp; value: string } {
  const lead = raw.startsWith('*');
  const trail = raw.endsWith('*') && raw.length > 1;
  const value = raw.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (lead && trail) return { op: 'contains', value };
  if (lead) return { op: 'ends', value };
  if (trail) return { op: 'starts', value };
  return { op: 'equals', value: raw };
}

/**
 * searchRecords `criteria` (§6.1): `(label:value)`, groups joined by AND/OR (any case, AND binds tighter),
 * redundant parentheses and empty groups `()` tolerated, the condition split at its first `:`. Linear in the
 * text; nesting deeper than 32 is refused.
 */
export function parseV1Criteria(text: string): V1Criteria | CriteriaError {
  return parseGrouped(text, (body) => {
    const colon = body.indexOf(':');
    if (colon <= 0) return criteriaError(`condition "${body}" has no label`);
    const label = body.slice(0, colon).trim();
    if (label === '') return criteriaError('empty field name');
    return { kind: 'cond', label, ...wildcard(body.slice(colon + 1).trim()) };
  });
}

/** getSearchRecords `searchCondition` (§6.4): `(label|operator|value)`, operators of the old search UI. */
export function parseSearchCondition(text: string): V1Criteria | CriteriaError {
  return parseGrouped(text, (body) => {
    const parts = body.split('|');
    if (parts.length < 3) return criteriaError(`condition "${body}" is not label|operator|value`);
    const label = parts[0].trim();
    const operator = parts[1].trim().toLowerCase();
    const raw = parts.slice(2).join('|').trim();
    if (label === '') return criteriaError('empty field name');
    const ops: Record<string, MatchOp> = { '=': 'equals', is: 'equals', contains: 'contains', 'starts with': 'starts', 'ends with': 'ends' };
    const op = ops[operator];
    if (!op) return criteriaError(`operator "${parts[1].trim()}" is not served`);
    const wild = wildcard(raw);
    return op === 'equals' ? { kind: 'cond', label, ...wild } : { kind: 'cond', label, op, value: raw.replace(/^\*|\*$/g, '') };
  });
}

function parseGrouped(text: string, condition: (body: string) => V1Condition | CriteriaError): V1Criteria | CriteriaError {
  const src = text.trim();
  let pos = 0;
  let count = 0;
  const skip = (): void => {
    while (pos < src.length && /\s/.test(src[pos])) pos += 1;
  };
  /** A group; null = an empty group `()`. */
  const group = (depth: number): V1Criteria | null | CriteriaError => {
    if (depth > MAX_DEPTH) return criteriaError('criteria nested too deeply');
    skip();
    if (src[pos] !== '(') return criteriaError(`expected "(" at ${pos}`);
    pos += 1;
    skip();
    if (src[pos] === ')') {
      pos += 1;
      return null;
    }
    if (src[pos] !== '(') {
      const end = src.indexOf(')', pos);
      if (end < 0) return criteriaError('unclosed condition');
      const cond = condition(src.slice(pos, end));
      if (isCriteriaError(cond)) return cond;
      if (++count > MAX_CONDITIONS) return criteriaError(`more than ${MAX_CONDITIONS} conditions`);
      pos = end + 1;
      return cond;
    }
    const ors: V1Criteria[] = [];
    let ands: V1Criteria[] = [];
    const first = group(depth + 1);
    if (isCriteriaError(first)) return first;
    if (first) ands.push(first);
    for (;;) {
      skip();
      if (src[pos] === ')') {
        pos += 1;
        break;
      }
      const op = /^(and|or)/i.exec(src.slice(pos, pos + 3));
      if (!op) return criteriaError(`expected AND or OR at ${pos}`);
      pos += op[0].length;
      const next = group(depth + 1);
      if (isCriteriaError(next)) return next;
      if (op[0].toLowerCase() === 'or') {
        if (ands.length) ors.push(ands.length === 1 ? ands[0] : { kind: 'and', parts: ands });
        ands = [];
      }
      if (next) ands.push(next);
    }
    if (ands.length) ors.push(ands.length === 1 ? ands[0] : { kind: 'and', parts: ands });
    if (ors.length === 0) return null;
    return ors.length === 1 ? ors[0] : { kind: 'or', parts: ors };
  };
  const tree = group(0);
  if (isCriteriaError(tree)) return tree;
  skip();
  if (pos !== src.length) return criteriaError('text after the criteria');
  if (tree === null) return criteriaError('no condition');
  return tree;
}

/** A v1 condition bound to the v2 field it names. */
interface BoundCondition {
  kind: 'cond';
  /** v2 api_name, `id` for the module id pseudo-field. */
  apiName: string;
  /** Compare ids (SMOWNERID, ACCOUNTID …) or the printed value / name. */
  by: 'id' | 'text';
  column?: V1Column;
  op: MatchOp;
  value: string;
}
type BoundCriteria = BoundCondition | { kind: 'and' | 'or'; parts: BoundCriteria[] };

/** How a search is sent to v2 and filtered back. */
export interface SearchPlan {
  /** v2 query: `criteria=` (or `word=` for contains-only searches); `undefined` = list the module (scan). */
  query?: Record<string, string>;
  /** The exact v1 match, applied to every v2 record returned (v2 `equals` is loose, §6.3). */
  filter: (record: Record<string, unknown>) => boolean;
}

/**
 * Bind labels to fields and build the v2 search (§6.3): equals → `equals`, `x*` → `starts_with`, contains / ends
 * with → dropped from the v2 criteria (broader) and left to the post-filter; when nothing is left to send, a
 * single contains condition becomes `word=` and anything else a scan of the module. Unknown label → 4832.
 */
export function planSearch(
  module: ModuleMeta,
  criteria: V1Criteria,
  options: ColumnOptions & { mapping?: MappingOptions; timeZone?: string } = {},
): SearchPlan | CriteriaError {
  const columns = moduleColumns(module, options);
  const bind = (c: V1Criteria): BoundCriteria | CriteriaError => {
    if (c.kind !== 'cond') {
      const parts: BoundCriteria[] = [];
      for (const p of c.parts) {
        const b = bind(p);
        if (isCriteriaError(b)) return b;
        parts.push(b);
      }
      return { kind: c.kind, parts };
    }
    const column = findColumn(module, columns, c.label, options.mapping);
    if (!column) return criteriaError(`"${c.label}" is no field of ${module.apiName}`);
    if (column.kind === 'self-id') return { kind: 'cond', apiName: 'id', by: 'id', op: c.op, value: c.value };
    const byId = (column.kind === 'pair' && column.idLabel === c.label) || (column.kind === 'se' && column.idLabel === c.label);
    return { kind: 'cond', apiName: column.field.apiName, by: byId ? 'id' : 'text', column, op: c.op, value: c.value };
  };
  const bound = bind(criteria);
  if (isCriteriaError(bound)) return bound;
  const v2 = toV2Criteria(bound);
  const filter = (record: Record<string, unknown>): boolean => matchBound(record, bound, options.timeZone);
  if (v2 !== undefined) return { query: { criteria: v2 }, filter };
  if (bound.kind === 'cond' && bound.op === 'contains' && bound.value.trim() !== '') return { query: { word: bound.value }, filter };
  return { filter };
}

/** v2 criteria value escaping: `\`, `(`, `)` and `,` get a backslash (V2:search-records). */
export function escapeV2Criteria(value: string): string {
  return value.replace(/[\\(),]/g, (c) => `\\${c}`);
}

/** The v2 criteria of a bound tree, or undefined when it restricts nothing v2 can express. */
function toV2Criteria(c: BoundCriteria): string | undefined {
  if (c.kind === 'cond') {
    if (c.op !== 'equals' && c.op !== 'starts') return undefined;
    if (c.value === '') return undefined;
    return `(${c.apiName}:${c.op === 'equals' ? 'equals' : 'starts_with'}:${escapeV2Criteria(c.value)})`;
  }
  const parts = c.parts.map(toV2Criteria);
  if (c.kind === 'or') {
    if (parts.some((p) => p === undefined)) return undefined; // one unrestricted branch: the whole OR is
    return parts.length === 1 ? parts[0] : `(${parts.join('or')})`;
  }
  const kept = parts.filter((p): p is string => p !== undefined);
  if (kept.length === 0) return undefined;
  return kept.length === 1 ? kept[0] : `(${kept.join('and')})`;
}

function matchBound(record: Record<string, unknown>, c: BoundCriteria, timeZone: string | undefined): boolean {
  if (c.kind !== 'cond') {
    return c.kind === 'and' ? c.parts.every((p) => matchBound(record, p, timeZone)) : c.parts.some((p) => matchBound(record, p, timeZone));
  }
  const wanted = c.value.toLowerCase();
  return candidates(record, c, timeZone).some((text) => {
    const t = text.toLowerCase();
    switch (c.op) {
      case 'equals':
        return t === wanted;
      case 'starts':
        return t.startsWith(wanted);
      case 'ends':
        return t.endsWith(wanted);
      case 'contains':
        return t.includes(wanted);
    }
  });
}

/** The texts a record's field is compared as: the v1-printed value, or a lookup's id / name. */
function candidates(record: Record<string, unknown>, c: BoundCondition, timeZone: string | undefined): string[] {
  if (c.apiName === 'id') return typeof record.id === 'string' ? [record.id] : [];
  const value = record[c.apiName];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as { id?: unknown; name?: unknown };
    const key = c.by === 'id' ? o.id : o.name;
    return typeof key === 'string' ? [key] : [];
  }
  if (c.by === 'id') return typeof value === 'string' ? [value] : [];
  if (!c.column || c.column.kind === 'self-id') return [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  const text = formatV1Value(c.column.field, value, { timeZone });
  return text === undefined ? [] : [text];
}

/* ----------------------------------------------------------------------------- getSearchRecordsByPDC */

/** Per-module lower-case PDC columns (§6.5) → the v1 label they search. Own-id columns map to the record id. */
const PDC_COLUMNS: Record<string, Record<string, string>> = {
  Leads: { email: 'Email', campaignid: 'CAMPAIGNID', leadid: 'LEADID' },
  Accounts: { accountid: 'ACCOUNTID', accountname: 'Account Name' },
  Contacts: { contactid: 'CONTACTID', accountid: 'ACCOUNTID', vendorid: 'VENDORID', campaignid: 'CAMPAIGNID', email: 'Email' },
  Deals: { potentialid: 'POTENTIALID', accountid: 'ACCOUNTID', campaignid: 'CAMPAIGNID', contactid: 'CONTACTID', potentialname: 'Potential Name' },
  Campaigns: { campaignid: 'CAMPAIGNID', campaignname: 'Campaign Name' },
  Cases: { caseid: 'CASEID', productid: 'PRODUCTID', accountid: 'ACCOUNTID', potentialid: 'POTENTIALID' },
  Solutions: { solutionid: 'SOLUTIONID', productid: 'PRODUCTID' },
  Products: { productid: 'PRODUCTID', vendorid: 'VENDORID', productname: 'Product Name' },
  Quotes: { quoteid: 'QUOTEID', potentialid: 'POTENTIALID', accountid: 'ACCOUNTID', contactid: 'CONTACTID' },
  Vendors: { vendorid: 'VENDORID', vendorname: 'Vendor Name' },
  Tasks: { taskid: 'ACTIVITYID' },
  Events: { eventid: 'ACTIVITYID' },
  Notes: { notesid: 'ACTIVITYID' },
  Sales_Orders: { salesorderid: 'SALESORDERID', potentialid: 'POTENTIALID', accountid: 'ACCOUNTID', contactid: 'CONTACTID', quoteid: 'QUOTEID' },
  Purchase_Orders: { purchaseorderid: 'PURCHASEORDERID', contactid: 'CONTACTID', vendorid: 'VENDORID' },
  Invoices: { invoiceid: 'INVOICEID', accountid: 'ACCOUNTID', salesorderid: 'SALESORDERID', contactid: 'CONTACTID' },
};

export type PdcPlan =
  /** The own-id column: one GET of the record. */
  | { kind: 'by-id'; id: string }
  /** Anything else: a search with an exact post-filter. */
  | { kind: 'search'; search: SearchPlan };

/**
 * getSearchRecordsByPDC (§6.5): `searchColumn` (case-insensitive, the module's fixed list, custom lookup columns
 * by label too) + `searchValue` → a GET by id or an equals search. Unknown column → 4600 "searchColumn".
 */
export function planPdc(
  module: ModuleMeta,
  searchColumn: string,
  searchValue: string,
  options: ColumnOptions & { mapping?: MappingOptions; timeZone?: string } = {},
): PdcPlan | ParamError {
  const label = PDC_COLUMNS[module.apiName]?.[searchColumn.toLowerCase()] ?? searchColumn;
  const columns = moduleColumns(module, options);
  const column = findColumn(module, columns, label, options.mapping);
  if (!column) return paramError('searchColumn', `searchColumn "${searchColumn}" is no column of ${module.apiName}`);
  if (column.kind === 'self-id') {
    if (!/^\d+$/.test(searchValue)) return paramError('searchValue', 'the id searched for is not numeric');
    return { kind: 'by-id', id: searchValue };
  }
  const search = planSearch(module, { kind: 'cond', label, op: 'equals', value: searchValue }, options);
  if (isCriteriaError(search)) return paramError('searchColumn', search.reason);
  return { kind: 'search', search };
}
