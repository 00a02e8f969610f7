/**
 * The v1 read and metadata methods end to end (PROTOCOL-READS.md §2–§6, §8–§10): parameters → mapping/query →
 * v2 GETs through the profile's ZohoClient (OAuth, limiter, credits, retries — a read is always safe to repeat) →
 * mapping/rows → LegacyResult. v2 204/304 and empty windows → nodata 4422. Never throws: failures come back as the
 * legacy answer plus a category and a message for the journal.
 */
import { ZbridgeError } from '../errors.js';
import { legacyErrorOf } from '../mapping/results.js';
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import type { V1Row } from '../legacy/read-types.js';
import type { LegacyCall, LegacyResult } from '../legacy/types.js';
import type { ColumnOptions } from '../mapping/columns.js';
import {
  getFieldsAnswer,
  getModulesAnswer,
  getUsersAnswer,
  USER_TYPES,
  v1ModuleNameOf,
} from '../mapping/meta-answers.js';
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
  READ_METHODS,
  planSearch,
  SEARCH_CEILING,
  windowPages,
  type SearchPlan,
  type Window,
} from '../mapping/query.js';
import { selectColumns, toV1Row, type SelectedColumn } from '../mapping/rows.js';
import { relatedListFor } from '../mapping/actions.js';
import { ACTIVITY_CHILDREN, ACTIVITY_LIST_ORDER, isActivityOf, pseudoChild, pseudoChildRow, type PseudoChild } from '../mapping/related-rows.js';
import type { AttachmentIndex } from '../state/attachments.js';
import type { ModuleMeta, V2UserJson } from '../mapping/types.js';
import type { V2LayoutJson } from '../v2/types.js';
import type { ProfileRuntime } from '../upstream.js';
import type { V2CallRecord } from '../zoho/client.js';
import { v2CodeOf } from '../zoho/client.js';
import { asObject, dataRecords, moreRecords } from '../v2/answers.js';
import { layoutsOf, usersOf } from '../v2/settings.js';
import { RelatedListCache } from './related-lists.js';
import type { SchemaCache } from './schema-cache.js';

/** The v1 methods answered here (the list lives with the translation core). */
export { READ_METHODS };

/** Methods whose errors use the hand-built JSON style (§6.2). */
/** Methods whose every error, 4834 included, is in the hand-built JSON style (PROTOCOL-READS §6.2 [choice]). */
export const SEARCH_METHODS: ReadonlySet<string> = new Set(['searchRecords', 'getSearchRecords']);

export interface ReadOptions {
  /** Journal the v1 rows a read returned (record data). @default false: only counts and parameters. */
  journalRecords?: boolean;
  /** Print v2 nulls of standard numeric/boolean fields as `0`/`false` (§16 #9). @default false */
  legacyZeros?: boolean;
  /** Custom lookups as `{Label}_ID` + `{Label}` or by name only (§16 #7). @default 'label-id' */
  customLookups?: 'label-id' | 'name-only';
  /** Records scanned at most when a search or getMyRecords must filter locally. @default 2000 (v2's search ceiling) */
  scanLimit?: number;
}

export interface ReadAnswer {
  result: LegacyResult;
  /** Rows answered (0 for nodata and errors; users/modules/fields count their items). */
  rows: number;
  /** Decisions worth journaling: ignored labels, clamped windows, sort downgrades, scan ceilings. */
  notes: string[];
  v2Calls: V2CallRecord[];
  credits: number;
  /** The v1 rows, only with `journalRecords`. */
  records?: V1Row[];
  /** Set when the answer is an error. */
  category?: string;
  error?: string;
}

/** One read call in progress: what it sent and what it decided. */
class ReadContext {
  readonly notes: string[] = [];
  readonly v2Calls: V2CallRecord[] = [];
  credits = 0;
  constructor(readonly profile: ProfileRuntime) {}

  async get(path: string, query?: Record<string, string>, headers?: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const answer = await this.profile.client.get(path, query, headers);
    this.v2Calls.push(...answer.calls);
    this.credits += 1;
    return answer;
  }
}

/** A failure that ends the read with a legacy answer. */
class ReadStop extends Error {
  constructor(
    readonly legacy: LegacyError,
    readonly category: string,
    message: string,
    readonly criteria = false,
  ) {
    super(message);
  }
}

const badParameter = (name: string, message: string): ReadStop => new ReadStop(legacyErrors.badParameter(name), 'bad-request', message);
/** 4832 as searchRecords answered it for criteria it could not use (§6.2). */
const CRITERIA_ERROR: LegacyError = { code: '4832', message: 'API call cannot be completed as the Criteria parameter contains empty field name' };

export class ReadBridge {
  constructor(
    private readonly schemas: SchemaCache,
    private readonly options: ReadOptions = {},
    private readonly relatedLists: RelatedListCache = new RelatedListCache(),
    /** Filled from Attachments listings (downloadFile/deleteFile need each attachment's parent). */
    private readonly attachments?: AttachmentIndex,
  ) {}

  /** Answer one read call. Never throws. */
  async handle(call: LegacyCall, profile: ProfileRuntime): Promise<ReadAnswer> {
    const ctx = new ReadContext(profile);
    const finish = (result: LegacyResult, rows: number, records?: V1Row[]): ReadAnswer => ({
      result,
      rows,
      notes: ctx.notes,
      v2Calls: ctx.v2Calls,
      credits: ctx.credits,
      ...(records && this.options.journalRecords ? { records } : {}),
    });
    try {
      return await this.dispatch(call, ctx, finish);
    } catch (error) {
      const stop = error instanceof ReadStop ? error : undefined;
      const legacy = stop?.criteria ? CRITERIA_ERROR : (stop?.legacy ?? legacyErrorOf(error));
      const search = SEARCH_METHODS.has(call.method);
      return {
        ...finish(search ? { kind: 'search-error', error: legacy } : { kind: 'error', error: legacy }, 0),
        category: stop?.category ?? (error instanceof ZbridgeError ? error.side : 'bridge'),
        error: (error as Error).message,
      };
    }
  }

  private async dispatch(call: LegacyCall, ctx: ReadContext, finish: (r: LegacyResult, rows: number, records?: V1Row[]) => ReadAnswer): Promise<ReadAnswer> {
    const params = call.params;
    if (call.module === 'Info' || call.method === 'getModules') {
      if (call.module !== 'Info' || call.method !== 'getModules') throw new ReadStop(legacyErrors.generic(), 'unsupported-method', `${call.module}/${call.method}`);
      const modules = await ctx.profile.metadata.modules();
      const result = getModulesAnswer(modules, (params.type ?? '').toLowerCase() === 'api');
      return finish(result, result.kind === 'modules' ? result.modules.length : 0);
    }
    if (call.module === 'Users' || call.method === 'getUsers') {
      if (call.module !== 'Users' || call.method !== 'getUsers') throw new ReadStop(legacyErrors.generic(), 'unsupported-method', `${call.module}/${call.method}`);
      const result = await this.users(ctx, params);
      return finish(result, result.kind === 'users' ? result.users.length : 0);
    }

    // v1's pseudo-child modules (Attachments, ContactRoles, PotStageHistory) exist only as related lists (§11.1).
    const pseudo = call.method === 'getRelatedRecords' ? pseudoChild(call.module) : undefined;
    if (pseudo) {
      const rows = await this.pseudoRelated(ctx, pseudo, params);
      return rows.length === 0 ? finish({ kind: 'nodata', error: legacyErrors.noData() }, 0) : finish({ kind: 'records', module: call.module, rows }, rows.length, rows);
    }

    const schema = await this.schemas.forModule(ctx.profile, call.module);
    const module = schema?.resolveModule(call.module);
    if (!schema || !module) throw new ReadStop(legacyErrors.generic(), 'unknown-module', `unknown module ${call.module}`);
    const timeZone = await ctx.profile.timeZone();

    if (call.method === 'getFields') {
      const result = await this.fields(ctx, module, call.module, params);
      return finish(result, result.kind === 'fields' ? result.sections.reduce((n, s) => n + s.fields.length, 0) : 0);
    }

    const newFormat = parseNewFormat(params);
    if (isParamError(newFormat)) throw badParameter(newFormat.parameter, newFormat.message);
    const columnOptions: ColumnOptions & { mapping: ProfileRuntime['mappingOptions'] } = {
      labelOverrides: ctx.profile.mappingOptions.labelOverrides,
      customLookups: this.options.customLookups,
      mapping: ctx.profile.mappingOptions,
    };
    const requested = parseSelectColumns(params.selectcolumns);
    const selection = selectColumns(module, requested, columnOptions);
    if (selection.unknown.length) ctx.notes.push(`selectColumns: ignored unknown label(s) ${selection.unknown.join(', ')}`);
    const rowOptions = {
      newFormat,
      timeZone,
      legacyZeros: this.options.legacyZeros,
      v1ModuleName: (api: string) => {
        const m = schema.module(api);
        return m ? v1ModuleNameOf({ api_name: m.apiName, module_name: m.moduleName }) : undefined;
      },
    };
    const answer = (records: Record<string, unknown>[]): ReadAnswer => {
      if (records.length === 0) return finish({ kind: 'nodata', error: legacyErrors.noData() }, 0);
      const rows = records.map((r) => toV1Row(r, selection.columns, rowOptions));
      return finish({ kind: 'records', module: call.module, rows }, rows.length, rows);
    };
    const fieldsParam = (): string | undefined => (requested === 'all' ? undefined : v2Fields(selection.columns));

    switch (call.method) {
      case 'getRecords':
        return answer(await this.records(ctx, module, params, timeZone, fieldsParam()));
      case 'getMyRecords':
        return answer(await this.myRecords(ctx, module, params, timeZone, fieldsParam()));
      case 'getRecordById':
        return answer(await this.byId(ctx, module, params));
      case 'getRelatedRecords':
        return answer(await this.related(ctx, module, params));
      case 'getDeletedRecordIds': {
        const ids = await this.deletedIds(ctx, module, params, timeZone);
        // An empty window is nodata 4422 in both formats (§16 #18; TJ's `"DeletedIDs": true` is not emulated).
        return ids.length === 0 ? finish({ kind: 'nodata', error: legacyErrors.noData() }, 0) : finish({ kind: 'deleted-ids', ids }, ids.length);
      }
      case 'searchRecords':
      case 'getSearchRecords': {
        const text = call.method === 'searchRecords' ? params.criteria : (params.searchcondition ?? params.criteria);
        const name = call.method === 'searchRecords' ? 'criteria' : 'searchCondition';
        if (text === undefined || text.trim() === '') throw badParameter(name, `${name} is missing`);
        const tree = call.method === 'searchRecords' ? parseV1Criteria(text) : parseSearchCondition(text);
        if (isCriteriaError(tree)) throw new ReadStop(CRITERIA_ERROR, 'bad-criteria', tree.reason, true);
        const plan = planSearch(module, tree, { ...columnOptions, timeZone });
        if (isCriteriaError(plan)) throw new ReadStop(CRITERIA_ERROR, 'bad-criteria', plan.reason, true);
        return answer(await this.search(ctx, module, plan, params, timeZone));
      }
      case 'getSearchRecordsByPDC': {
        const column = params.searchcolumn;
        const value = params.searchvalue;
        if (column === undefined || column.trim() === '') throw badParameter('searchColumn', 'searchColumn is missing');
        if (value === undefined || value === '') throw badParameter('searchValue', 'searchValue is missing');
        const plan = planPdc(module, column.trim(), value, { ...columnOptions, timeZone });
        if (isParamError(plan)) throw badParameter(plan.parameter, plan.message);
        if (plan.kind === 'by-id') return answer(await this.byIds(ctx, module, [plan.id]));
        return answer(await this.search(ctx, module, plan.search, params, timeZone));
      }
      default:
        throw new ReadStop(legacyErrors.generic(), 'unsupported-method', `v1 method ${call.method} is not a read`);
    }
  }

  /* ------------------------------------------------------------------------------ related and deleted */

  /**
   * getRelatedRecords (§11.1): the URL module is the child; `parentModule` + `id` select the parent record, whose
   * related list holding the child module is found in v2's related-list metadata. Window as getRecords. Tasks,
   * Events and Calls without a list of their own come from v2's activity lists (activities()).
   */
  private async related(ctx: ReadContext, child: ModuleMeta, params: Record<string, string>): Promise<Record<string, unknown>[]> {
    const { parent, id } = await this.relatedParent(ctx, params);
    const lists = await this.relatedLists.listsOf(ctx.profile, parent);
    const window = this.window(params, ctx);
    const list = relatedListFor(lists, child);
    if (list) return this.paged(ctx, `/crm/v2/${parent.apiName}/${id}/${list.api_name}`, {}, window);
    const activityLists = ACTIVITY_CHILDREN.has(child.apiName) ? ACTIVITY_LIST_ORDER.filter((n) => lists.some((l) => l.api_name === n)) : [];
    if (activityLists.length === 0) throw badParameter('parentModule', `${parent.apiName} has no related list of ${child.apiName}`);
    return this.activities(ctx, `/crm/v2/${parent.apiName}/${id}`, activityLists, child.apiName, window);
  }

  /** `parentModule` (a module of the org) and `id` (numeric) of getRelatedRecords, else 4600 naming the parameter. */
  private async relatedParent(ctx: ReadContext, params: Record<string, string>): Promise<{ parent: ModuleMeta; id: string }> {
    const parentName = params.parentmodule?.trim();
    if (!parentName) throw badParameter('parentModule', 'parentModule is missing');
    const id = params.id?.trim();
    if (!id || !/^\d{1,25}$/.test(id)) throw badParameter('id', 'id is missing or not numeric');
    const parentSchema = await this.schemas.forModule(ctx.profile, parentName);
    const parent = parentSchema?.resolveModule(parentName);
    if (!parent) throw badParameter('parentModule', `unknown parentModule ${parentName}`);
    return { parent, id };
  }

  /**
   * Tasks, Events or Calls of a record (§11.1 [choice]): v2 lists them together in `Activities` (open) and
   * `Activities_History` (closed), each row naming its `Activity_Type`. Both are read in that order and filtered
   * to the child module; the v1 window applies to what remains. At most `scanLimit` rows are read (journaled).
   */
  private async activities(ctx: ReadContext, parentPath: string, lists: readonly string[], child: string, window: Window): Promise<Record<string, unknown>[]> {
    const limit = this.options.scanLimit ?? SEARCH_CEILING;
    const kept: Record<string, unknown>[] = [];
    let scanned = 0;
    scan: for (const name of lists) {
      for (let page = 1; ; page += 1) {
        if (scanned >= limit) {
          ctx.notes.push(`activities: stopped after ${limit} rows of ${lists.join(' + ')}`);
          break scan;
        }
        const res = await ctx.get(`${parentPath}/${name}`, { page: String(page), per_page: String(MAX_PER_PAGE) });
        const got = listOf(res, dataRecords);
        if (got === undefined) break;
        scanned += got.items.length;
        kept.push(...got.items.filter((r) => isActivityOf(r, child)));
        if (kept.length >= window.to) break scan;
        if (!got.more || got.items.length < MAX_PER_PAGE) break;
      }
    }
    return kept.slice(window.from - 1, window.to);
  }

  /**
   * getRelatedRecords of a pseudo-child (Attachments, ContactRoles, PotStageHistory; §11.1): the parent's v2 list
   * (`Attachments`, `Contact_Roles`, `Stage_History`), windowed, as the pseudo-child's v1 rows. ContactRoles and
   * PotStageHistory exist only under Potentials, as in v1. Listed attachments are remembered with their parent.
   */
  private async pseudoRelated(ctx: ReadContext, child: PseudoChild, params: Record<string, string>): Promise<V1Row[]> {
    const newFormat = parseNewFormat(params);
    if (isParamError(newFormat)) throw badParameter(newFormat.parameter, newFormat.message);
    const { parent, id } = await this.relatedParent(ctx, params);
    if (child.parents && !child.parents.includes(parent.apiName)) {
      throw badParameter('parentModule', `v1 served ${child.name} only under Potentials, not ${parent.apiName}`);
    }
    const lists = await this.relatedLists.listsOf(ctx.profile, parent);
    if (!lists.some((l) => l.api_name === child.list)) throw badParameter('parentModule', `${parent.apiName} has no ${child.list} related list`);
    if (params.selectcolumns !== undefined) ctx.notes.push(`selectColumns ignored for ${child.name}: every column is answered`);
    const records = await this.paged(ctx, `/crm/v2/${parent.apiName}/${id}/${child.list}`, {}, this.window(params, ctx));
    if (child.name === 'Attachments' && this.attachments) {
      for (const r of records) if (typeof r.id === 'string') await this.attachments.remember(ctx.profile.scope, r.id, { module: parent.apiName, recordId: id });
    }
    const timeZone = await ctx.profile.timeZone();
    return records.map((r) => pseudoChildRow(child, r, { newFormat, timeZone, legacyZeros: this.options.legacyZeros }));
  }

  /**
   * getDeletedRecordIds (§7.2): `GET /{M}/deleted?type=all` (recycle bin and purged: sync clients need both,
   * §16 #18), newest first, `lastModifiedTime` → If-Modified-Since.
   */
  private async deletedIds(ctx: ReadContext, module: ModuleMeta, params: Record<string, string>, timeZone: string | undefined): Promise<string[]> {
    const since = this.since(params, timeZone);
    const rows = await this.paged(ctx, `/crm/v2/${module.apiName}/deleted`, { type: 'all' }, this.window(params, ctx), since?.header);
    return rows.map((r) => (typeof r.id === 'string' ? r.id : '')).filter((x) => x !== '');
  }

  /** One v1 window of a v2 list endpoint: its one or two aligned pages (§4.3), 204/304 ending the list. */
  private async paged(ctx: ReadContext, path: string, query: Record<string, string>, window: Window, ifModifiedSince?: string): Promise<Record<string, unknown>[]> {
    const plan = windowPages(window);
    const got: Record<string, unknown>[] = [];
    for (const page of plan.pages) {
      const res = await ctx.get(path, { ...query, page: String(page), per_page: String(plan.perPage) }, ifModifiedSince ? { 'If-Modified-Since': ifModifiedSince } : undefined);
      const list = listOf(res, dataRecords);
      if (list === undefined) break;
      got.push(...list.items);
      if (!list.more || list.items.length < plan.perPage) break;
    }
    return got.slice(plan.skip, plan.skip + plan.take);
  }

  /* ------------------------------------------------------------------------------ getRecords */

  private window(params: Record<string, string>, ctx: ReadContext): Window {
    const w = parseWindow(params);
    if (isParamError(w)) throw badParameter(w.parameter, w.message);
    if (w.clamped) ctx.notes.push(`window clamped to ${w.from}-${w.to} (at most 200 rows)`);
    return w;
  }

  private since(params: Record<string, string>, timeZone: string | undefined): { header: string; sinceMs: number } | undefined {
    const text = params.lastmodifiedtime;
    if (text === undefined || text.trim() === '') return undefined;
    const since = ifModifiedSince(text.trim(), timeZone ?? 'UTC');
    if (isParamError(since)) throw badParameter(since.parameter, since.message);
    return since;
  }

  /** getRecords: the window's one or two aligned pages, sorted, with If-Modified-Since. */
  private async records(ctx: ReadContext, module: ModuleMeta, params: Record<string, string>, timeZone: string | undefined, fields?: string): Promise<Record<string, unknown>[]> {
    const window = this.window(params, ctx);
    const sort = parseSort(module, params, { labelOverrides: ctx.profile.mappingOptions.labelOverrides, mapping: ctx.profile.mappingOptions });
    if (isParamError(sort)) throw badParameter(sort.parameter, sort.message);
    if (sort.ignoredColumn) ctx.notes.push(`sortColumnString "${sort.ignoredColumn}" is no field: default order used`);
    const since = this.since(params, timeZone);
    const plan = windowPages(window);
    const got: Record<string, unknown>[] = [];
    let sortBy: string | undefined = sort.sortBy;
    for (const page of plan.pages) {
      const query: Record<string, string> = { page: String(page), per_page: String(plan.perPage), sort_order: sort.sortOrder };
      if (sortBy) query.sort_by = sortBy;
      if (fields) query.fields = fields;
      let res = await ctx.get(`/crm/v2/${module.apiName}`, query, since ? { 'If-Modified-Since': since.header } : undefined);
      if (res.status === 400 && sortBy && v2CodeOf(res.body) === 'INVALID_DATA') {
        // Later API versions sort only by id / Created_Time / Modified_Time: downgrade rather than fail (§4.3).
        ctx.notes.push(`v2 refused sort_by=${sortBy}: sorted by id instead`);
        sortBy = 'id';
        query.sort_by = 'id';
        res = await ctx.get(`/crm/v2/${module.apiName}`, query, since ? { 'If-Modified-Since': since.header } : undefined);
      }
      const list = listOf(res, dataRecords);
      if (list === undefined) break;
      got.push(...list.items);
      if (!list.more || list.items.length < plan.perPage) break;
    }
    return got.slice(plan.skip, plan.skip + plan.take);
  }

  /**
   * getMyRecords (§4.4): the module's pages in the asked order, kept when the owner is the token's user, until the
   * window is filled (at most `scanLimit` records scanned, journaled when reached). Sorting stays v2's, unlike the
   * search route, which has no sort and an index lag.
   */
  private async myRecords(ctx: ReadContext, module: ModuleMeta, params: Record<string, string>, timeZone: string | undefined, fields?: string): Promise<Record<string, unknown>[]> {
    const window = this.window(params, ctx);
    const sort = parseSort(module, params, { labelOverrides: ctx.profile.mappingOptions.labelOverrides, mapping: ctx.profile.mappingOptions });
    if (isParamError(sort)) throw badParameter(sort.parameter, sort.message);
    const since = this.since(params, timeZone);
    const me = await this.currentUserId(ctx);
    const query: Record<string, string> = { sort_by: sort.sortBy, sort_order: sort.sortOrder };
    if (fields) query.fields = fields.includes('Owner') ? fields : `${fields},Owner`;
    return this.scan(ctx, `/crm/v2/${module.apiName}`, query, window, (r) => asObject(r.Owner)?.id === me, since);
  }

  private async currentUserId(ctx: ReadContext): Promise<string> {
    const cached = await ctx.profile.metadata.currentUser().catch(() => undefined);
    if (cached?.id) return String(cached.id);
    const res = await ctx.get('/crm/v2/users', { type: 'CurrentUser' });
    const users = usersOf(res.body);
    if (!users?.[0]) throw new ReadStop(legacyErrors.internal(), 'upstream', 'v2 did not name the current user');
    return String(users[0].id);
  }

  /** Pages of 200 filtered locally until `window.to` rows match or the records (or the scan budget) run out. */
  private async scan(
    ctx: ReadContext,
    path: string,
    query: Record<string, string>,
    window: Window,
    keep: (r: Record<string, unknown>) => boolean,
    since?: { header: string; sinceMs: number },
  ): Promise<Record<string, unknown>[]> {
    const limit = this.options.scanLimit ?? SEARCH_CEILING;
    const matched: Record<string, unknown>[] = [];
    for (let page = 1; (page - 1) * MAX_PER_PAGE < limit; page += 1) {
      const res = await ctx.get(path, { ...query, page: String(page), per_page: String(MAX_PER_PAGE) }, since ? { 'If-Modified-Since': since.header } : undefined);
      if (res.status === 400 && (v2CodeOf(res.body) === 'INVALID_QUERY' || path.endsWith('/search'))) {
        throw new ReadStop(CRITERIA_ERROR, 'bad-criteria', `v2 refused the search: ${v2CodeOf(res.body) ?? res.status}`, true);
      }
      const list = listOf(res, dataRecords);
      if (list === undefined) return matched.slice(window.from - 1, window.to);
      matched.push(...list.items.filter(keep));
      if (matched.length >= window.to || !list.more) return matched.slice(window.from - 1, window.to);
    }
    ctx.notes.push(`stopped after ${limit} records (search ceiling): later matches are not served`);
    return matched.slice(window.from - 1, window.to);
  }

  /* ------------------------------------------------------------------------------ getRecordById */

  private async byId(ctx: ReadContext, module: ModuleMeta, params: Record<string, string>): Promise<Record<string, unknown>[]> {
    const list = params.idlist;
    let ids: string[];
    if (list !== undefined && list.trim() !== '') {
      ids = [...new Set(list.split(/[;,]/).map((s) => s.trim()).filter(Boolean))];
      if (ids.some((id) => !/^\d+$/.test(id))) throw badParameter('idlist', 'idlist holds a non-numeric id');
      if (ids.length > 100) {
        ctx.notes.push(`idlist: ${ids.length} ids, only the first 100 served`);
        ids = ids.slice(0, 100);
      }
    } else {
      const id = params.id?.trim();
      if (!id) throw badParameter('id', 'id is missing');
      if (!/^\d+$/.test(id)) throw badParameter('id', 'id is not numeric');
      ids = [id];
    }
    return this.byIds(ctx, module, ids);
  }

  /** Records in request order, unknown ids left out (§5.2). */
  private async byIds(ctx: ReadContext, module: ModuleMeta, ids: string[]): Promise<Record<string, unknown>[]> {
    if (ids.length === 1) {
      const res = await ctx.get(`/crm/v2/${module.apiName}/${ids[0]}`);
      if (res.status === 400 && v2CodeOf(res.body) === 'INVALID_DATA') return []; // "the id given seems to be invalid"
      return listOf(res, dataRecords)?.items.slice(0, 1) ?? [];
    }
    const res = await ctx.get(`/crm/v2/${module.apiName}`, { ids: ids.join(',') });
    let found: Record<string, unknown>[];
    if (res.status === 400) {
      ctx.notes.push('v2 refused ids=: one GET per id');
      found = [];
      for (const id of ids) found.push(...(await this.byIds(ctx, module, [id])));
    } else {
      found = listOf(res, dataRecords)?.items ?? [];
    }
    const byId = new Map(found.map((r) => [String(r.id), r]));
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  /* ------------------------------------------------------------------------------ search */

  /** searchRecords & co (§6.3): v2 search (or word search / scan) + exact post-filter on the filtered stream. */
  private async search(ctx: ReadContext, module: ModuleMeta, plan: SearchPlan, params: Record<string, string>, timeZone: string | undefined): Promise<Record<string, unknown>[]> {
    const window = this.window(params, ctx);
    const since = this.since(params, timeZone);
    // v2.0 search has no modified-since: filter on Modified_Time (§6.3).
    const keep = since
      ? (r: Record<string, unknown>) => plan.filter(r) && typeof r.Modified_Time === 'string' && Date.parse(r.Modified_Time) > since.sinceMs
      : plan.filter;
    if (plan.query) return this.scan(ctx, `/crm/v2/${module.apiName}/search`, plan.query, window, keep);
    ctx.notes.push('criteria not expressible in v2 search: module scanned');
    return this.scan(ctx, `/crm/v2/${module.apiName}`, { sort_by: 'id', sort_order: 'desc' }, window, keep);
  }

  /* ------------------------------------------------------------------------------ metadata */

  private async fields(ctx: ReadContext, module: ModuleMeta, v1Name: string, params: Record<string, string>): Promise<LegacyResult> {
    const typeText = params.type?.trim();
    const type = typeText === '1' ? 1 : typeText === '2' ? 2 : undefined;
    const fieldsJson = await ctx.profile.metadata.fields(module.apiName);
    let layouts: V2LayoutJson[] | undefined;
    const res = await ctx.get('/crm/v2/settings/layouts', { module: module.apiName });
    if (res.status === 200) layouts = layoutsOf(res.body);
    else ctx.notes.push(`layouts unavailable (HTTP ${res.status}): one section in field order`);
    const result = getFieldsAnswer(module, v1Name, fieldsJson, layouts, {
      type,
      labelOverrides: ctx.profile.mappingOptions.labelOverrides,
      customLookups: this.options.customLookups,
    });
    return result.kind === 'fields' && result.sections.length === 0 ? { kind: 'nodata', error: legacyErrors.noData() } : result;
  }

  private async users(ctx: ReadContext, params: Record<string, string>): Promise<LegacyResult> {
    const type = params.type?.trim() || 'AllUsers';
    if (!USER_TYPES.has(type)) throw badParameter('type', `getUsers type "${type}" is unknown`);
    const column = params.searchcolumn?.trim().toLowerCase();
    if (column !== undefined && column !== '' && column !== 'name' && column !== 'email') throw badParameter('searchColumn', `searchColumn "${column}" is neither name nor email`);
    const users: V2UserJson[] = [];
    for (let page = 1; page <= 50; page += 1) {
      const res = await ctx.get('/crm/v2/users', { type, page: String(page), per_page: String(MAX_PER_PAGE) });
      const list = listOf(res, usersOf);
      if (list === undefined) break;
      users.push(...list.items);
      if (!list.more) break;
    }
    const search = column && params.searchvalue !== undefined ? { column: column as 'name' | 'email', value: params.searchvalue } : undefined;
    return getUsersAnswer(users, search);
  }
}

/** The v2 `fields` parameter for narrowed columns. */
function v2Fields(columns: readonly SelectedColumn[]): string {
  const names = new Set<string>();
  for (const c of columns) {
    if (c.kind === 'self-id') continue;
    names.add(c.field.apiName);
    if (c.kind === 'se') names.add('$se_module');
  }
  return [...names].join(',') || 'id';
}

/**
 * A v2 list answer: items and `info.more_records`; undefined for 204 / 304 (nothing) and for 4xx answers that
 * mean "no such record" on reads. Other 4xx → ReadStop with the v1 equivalent.
 */
function listOf<T>(res: { status: number; body: unknown }, read: (body: unknown) => T[] | undefined): { items: T[]; more: boolean } | undefined {
  if (res.status === 204 || res.status === 304) return undefined;
  if (res.status >= 200 && res.status < 300) return { items: read(res.body) ?? [], more: moreRecords(res.body) };
  const code = v2CodeOf(res.body);
  if (code === 'NO_PERMISSION' || code === 'OAUTH_SCOPE_MISMATCH') throw new ReadStop(legacyErrors.noPermission('module'), 'upstream', `v2 ${res.status} ${code}`);
  if (code === 'INVALID_MODULE') throw new ReadStop(legacyErrors.generic(), 'unknown-module', `v2 ${res.status} ${code}`);
  throw new ReadStop(legacyErrors.internal(), 'upstream', `v2 answered HTTP ${res.status}${code ? ` ${code}` : ''}`);
}

