/**
 * A v1 read call → the v2 GET requests it means, offline (for `zbridge convert` and reports): the same
 * mapping/query decisions the proxy takes, without sending anything. Searches and getMyRecords list their first
 * page only (later pages depend on the answers: the proxy keeps paging until the window is filled).
 */
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import type { LegacyCall } from '../legacy/types.js';
import type { ColumnOptions } from './columns.js';
import type { MappingOptions } from './fields.js';
import {
  ifModifiedSince,
  isCriteriaError,
  isParamError,
  MAX_PER_PAGE,
  parseNewFormat,
  parseSearchCondition,
  parseSelectColumns,
  parseSort,
  parseV1Criteria,
  parseWindow,
  planPdc,
  planSearch,
  READ_METHODS,
  v2FieldsParam,
  windowPages,
  type ParamError,
  type SearchPlan,
} from './query.js';
import { selectColumns } from './rows.js';
import { relatedListFor } from './actions.js';
import { ACTIVITY_CHILDREN, ACTIVITY_LIST_ORDER, pseudoChild } from './related-rows.js';
import type { RelatedListDef } from '../v2/related-lists.js';
import type { Schema } from './schema.js';

/** One v2 GET of a read. */
export interface V2ReadRequest {
  method: 'GET';
  /** Path under the API domain (`/crm/v2/Leads`, `/crm/v2/Leads/search`, `/crm/v2/settings/layouts`). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Why this request, when it is not obvious (first page of a search, post-filter …). */
  note?: string;
}

export interface ReadPlan {
  requests: V2ReadRequest[];
  /** Decisions: ignored labels, clamped windows, local filtering. */
  notes: string[];
  /** The legacy error the call answers without any v2 request. */
  error?: LegacyError;
}

export interface ReadPlanContext {
  schema: Schema;
  /** The API user's zone for lastModifiedTime. @default 'UTC' */
  timeZone?: string;
  options?: MappingOptions;
  customLookups?: ColumnOptions['customLookups'];
  /** The related lists of a parent module (v2 api_name), for getRelatedRecords. @default none: 4600 "parentModule" */
  relatedLists?: (parent: string) => RelatedListDef[];
}

const CRITERIA_ERROR: LegacyError = { code: '4832', message: 'API call cannot be completed as the Criteria parameter contains empty field name' };

/** True for the v1 methods planned here. */
export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method);
}

/** The v2 GETs of one read call. Never throws. */
export function planReadCall(call: LegacyCall, ctx: ReadPlanContext): ReadPlan {
  const notes: string[] = [];
  const fail = (e: ParamError): ReadPlan => ({ requests: [], notes, error: legacyErrors.badParameter(e.parameter) });
  const p = call.params;
  if (call.method === 'getModules') return call.module === 'Info' ? { requests: [{ method: 'GET', path: '/crm/v2/settings/modules' }], notes } : { requests: [], notes, error: legacyErrors.generic() };
  if (call.method === 'getUsers') {
    if (call.module !== 'Users') return { requests: [], notes, error: legacyErrors.generic() };
    return { requests: [{ method: 'GET', path: '/crm/v2/users', query: { type: p.type?.trim() || 'AllUsers', page: '1', per_page: String(MAX_PER_PAGE) } }], notes };
  }
  if (call.method === 'getRelatedRecords') return planRelated(call, ctx, notes);
  const module = ctx.schema.resolveModule(call.module);
  if (!module) return { requests: [], notes, error: legacyErrors.generic() };
  const base = `/crm/v2/${module.apiName}`;
  if (call.method === 'getFields') {
    return { requests: [{ method: 'GET', path: '/crm/v2/settings/layouts', query: { module: module.apiName } }, { method: 'GET', path: '/crm/v2/settings/fields', query: { module: module.apiName } }], notes };
  }
  const newFormat = parseNewFormat(p);
  if (isParamError(newFormat)) return fail(newFormat);
  const cols: ColumnOptions & { mapping?: MappingOptions } = { labelOverrides: ctx.options?.labelOverrides, customLookups: ctx.customLookups, mapping: ctx.options };
  const requested = parseSelectColumns(p.selectcolumns);
  const selection = selectColumns(module, requested, cols);
  if (selection.unknown.length) notes.push(`selectColumns: ignored unknown label(s) ${selection.unknown.join(', ')}`);
  const fields = v2FieldsParam(selection.columns, requested === 'all');
  const since = p.lastmodifiedtime?.trim() ? ifModifiedSince(p.lastmodifiedtime.trim(), ctx.timeZone ?? 'UTC') : undefined;
  if (isParamError(since)) return fail(since);
  const headers = since ? { 'If-Modified-Since': since.header } : undefined;
  const window = parseWindow(p);
  const searchFirstPage = (plan: SearchPlan): ReadPlan => {
    if (isParamError(window)) return fail(window);
    const query: Record<string, string> = plan.query
      ? { ...plan.query, page: '1', per_page: String(MAX_PER_PAGE) }
      : { page: '1', per_page: String(MAX_PER_PAGE), sort_by: 'id', sort_order: 'desc' };
    if (since) notes.push('lastModifiedTime: Modified_Time filtered locally (v2 search has no modified-since)');
    return {
      requests: [{ method: 'GET', path: plan.query ? `${base}/search` : base, query, note: `first page; exact match filtered locally, pages of 200 until row ${window.to}` }],
      notes,
    };
  };

  switch (call.method) {
    case 'getRecords':
    case 'getMyRecords': {
      if (isParamError(window)) return fail(window);
      if (window.clamped) notes.push(`window clamped to ${window.from}-${window.to}`);
      const sort = parseSort(module, p, cols);
      if (isParamError(sort)) return fail(sort);
      if (sort.ignoredColumn) notes.push(`sortColumnString "${sort.ignoredColumn}" is no field: default order`);
      if (call.method === 'getMyRecords') {
        notes.push("kept only when Owner is the token's user (pages of 200 until the window is filled)");
        return { requests: [{ method: 'GET', path: base, query: { sort_by: sort.sortBy, sort_order: sort.sortOrder, page: '1', per_page: String(MAX_PER_PAGE), ...(fields ? { fields } : {}) }, headers }], notes };
      }
      const pages = windowPages(window);
      return {
        requests: pages.pages.map((page) => ({
          method: 'GET' as const,
          path: base,
          query: { page: String(page), per_page: String(pages.perPage), sort_by: sort.sortBy, sort_order: sort.sortOrder, ...(fields ? { fields } : {}) },
          ...(headers ? { headers } : {}),
        })),
        notes,
      };
    }
    case 'getRecordById': {
      const list = p.idlist?.trim();
      if (list) {
        const ids = [...new Set(list.split(/[;,]/).map((s) => s.trim()).filter(Boolean))];
        if (ids.some((id) => !/^\d+$/.test(id))) return { requests: [], notes, error: legacyErrors.badParameter('idlist') };
        return { requests: [{ method: 'GET', path: base, query: { ids: ids.slice(0, 100).join(',') } }], notes };
      }
      const id = p.id?.trim();
      if (!id || !/^\d+$/.test(id)) return { requests: [], notes, error: legacyErrors.badParameter('id') };
      return { requests: [{ method: 'GET', path: `${base}/${id}` }], notes };
    }
    case 'searchRecords':
    case 'getSearchRecords': {
      const name = call.method === 'searchRecords' ? 'criteria' : 'searchcondition';
      const text = p[name] ?? p.criteria;
      if (!text?.trim()) return { requests: [], notes, error: legacyErrors.badParameter(call.method === 'searchRecords' ? 'criteria' : 'searchCondition') };
      const tree = call.method === 'searchRecords' ? parseV1Criteria(text) : parseSearchCondition(text);
      if (isCriteriaError(tree)) return { requests: [], notes: [...notes, tree.reason], error: CRITERIA_ERROR };
      const plan = planSearch(module, tree, { ...cols, timeZone: ctx.timeZone });
      if (isCriteriaError(plan)) return { requests: [], notes: [...notes, plan.reason], error: CRITERIA_ERROR };
      return searchFirstPage(plan);
    }
    case 'getSearchRecordsByPDC': {
      if (!p.searchcolumn?.trim()) return { requests: [], notes, error: legacyErrors.badParameter('searchColumn') };
      if (p.searchvalue === undefined || p.searchvalue === '') return { requests: [], notes, error: legacyErrors.badParameter('searchValue') };
      const plan = planPdc(module, p.searchcolumn.trim(), p.searchvalue, { ...cols, timeZone: ctx.timeZone });
      if (isParamError(plan)) return fail(plan);
      if (plan.kind === 'by-id') return { requests: [{ method: 'GET', path: `${base}/${plan.id}` }], notes };
      return searchFirstPage(plan.search);
    }
    case 'getDeletedRecordIds': {
      if (isParamError(window)) return fail(window);
      const pages = windowPages(window);
      return {
        requests: pages.pages.map((page) => ({ method: 'GET' as const, path: `${base}/deleted`, query: { type: 'all', page: String(page), per_page: String(pages.perPage) }, ...(headers ? { headers } : {}) })),
        notes,
      };
    }
    default:
      return { requests: [], notes, error: legacyErrors.generic() };
  }
}

/**
 * getRelatedRecords offline (PROTOCOL-READS §11.1): the parent's related list holding the child (a pseudo-child's
 * own list; Tasks/Events/Calls without a list of their own: the activity lists, filtered locally), windowed.
 */
function planRelated(call: LegacyCall, ctx: ReadPlanContext, notes: string[]): ReadPlan {
  const p = call.params;
  const bad = (name: string): ReadPlan => ({ requests: [], notes, error: legacyErrors.badParameter(name) });
  const newFormat = parseNewFormat(p);
  if (isParamError(newFormat)) return bad(newFormat.parameter);
  const parent = p.parentmodule?.trim() ? ctx.schema.resolveModule(p.parentmodule.trim()) : undefined;
  if (!parent) return bad('parentModule');
  const id = p.id?.trim();
  if (!id || !/^\d{1,25}$/.test(id)) return bad('id');
  const window = parseWindow(p);
  if (isParamError(window)) return bad(window.parameter);
  const lists = ctx.relatedLists?.(parent.apiName) ?? [];
  const pseudo = pseudoChild(call.module);
  let names: string[];
  if (pseudo) {
    if ((pseudo.parents && !pseudo.parents.includes(parent.apiName)) || !lists.some((l) => l.api_name === pseudo.list)) return bad('parentModule');
    names = [pseudo.list];
  } else {
    const child = ctx.schema.resolveModule(call.module);
    if (!child) return { requests: [], notes, error: legacyErrors.generic() };
    const list = relatedListFor(lists, child);
    if (list) names = [list.api_name];
    else if (ACTIVITY_CHILDREN.has(child.apiName)) {
      names = ACTIVITY_LIST_ORDER.filter((n) => lists.some((l) => l.api_name === n));
      if (names.length === 0) return bad('parentModule');
      notes.push(`${child.apiName} rows of ${names.join(' + ')} (Activity_Type), pages of 200 until row ${window.to}`);
      return { requests: names.map((n) => ({ method: 'GET' as const, path: `/crm/v2/${parent.apiName}/${id}/${n}`, query: { page: '1', per_page: String(MAX_PER_PAGE) }, note: 'first page' })), notes };
    } else return bad('parentModule');
  }
  const pages = windowPages(window);
  return {
    requests: pages.pages.map((page) => ({ method: 'GET' as const, path: `/crm/v2/${parent.apiName}/${id}/${names[0]}`, query: { page: String(page), per_page: String(pages.perPage) } })),
    notes,
  };
}
