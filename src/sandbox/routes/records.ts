/** Records of a module: search, deleted list, writes (insert, update, upsert, Notes), list, get, delete, lead conversion. */
import { topLevel, type Reply } from '../../v2/envelopes.js';
import { convertLead, deleteRecords, deletedList } from '../lifecycle.js';
import { INVALID_JSON, type CallContext } from '../pipeline.js';
import { getRecord, listRecords } from '../reads.js';
import { commaList, idsParam, modifiedSince, pageOf, param, queryParam, readRequest, render, str, withModule, writeContext } from '../request.js';
import { CriteriaError, conditionCount, criteriaFields, matches, matchesEmail, matchesPhone, matchesWord, parseCriteria, type Criteria } from '../search.js';
import type { StoredRecord } from '../store.js';
import { extractData, insertNotes, insertRecords, updateRecords, upsertRecords } from '../writes.js';
import type { RouteSpec } from './types.js';

type WriteKind = 'insert' | 'update' | 'update-one' | 'upsert' | 'related-notes';

/** In registration order: the literal second segments (search, deleted, upsert) come before `:id`. */
export const recordRoutes: RouteSpec[] = [
  { method: 'get', pattern: '/crm/v2/:module/search', handler: (ctx) => withModule(ctx, (m) => search(ctx, m)) },
  {
    method: 'get',
    pattern: '/crm/v2/:module/deleted',
    handler: (ctx) => withModule(ctx, (m) => deletedList(writeContext(ctx), m, queryParam(ctx, 'type'), modifiedSince(ctx), pageOf(ctx))),
  },
  { method: 'delete', pattern: '/crm/v2/:module', handler: (ctx) => withModule(ctx, (m) => deleteRecords(writeContext(ctx), m, idsParam(ctx))) },
  { method: 'delete', pattern: '/crm/v2/:module/:id', handler: (ctx) => withModule(ctx, (m) => deleteRecords(writeContext(ctx), m, [param(ctx, 'id')])) },
  { method: 'post', pattern: '/crm/v2/:module/:id/actions/convert', handler: (ctx) => withModule(ctx, (m) => convert(ctx, m)) },
  { method: 'post', pattern: '/crm/v2/:module/upsert', handler: (ctx) => withModule(ctx, (m) => write(ctx, m, 'upsert')) },
  { method: 'post', pattern: '/crm/v2/:module/:id/Notes', handler: (ctx) => withModule(ctx, (m) => write(ctx, m, 'related-notes')) },
  { method: 'post', pattern: '/crm/v2/:module', handler: (ctx) => withModule(ctx, (m) => write(ctx, m, 'insert')) },
  { method: 'put', pattern: '/crm/v2/:module', handler: (ctx) => withModule(ctx, (m) => write(ctx, m, 'update')) },
  { method: 'get', pattern: '/crm/v2/:module', handler: (ctx) => withModule(ctx, (m) => listRecords(readRequest(ctx), m)) },
  { method: 'put', pattern: '/crm/v2/:module/:id', handler: (ctx) => withModule(ctx, (m) => write(ctx, m, 'update-one')) },
  { method: 'get', pattern: '/crm/v2/:module/:id', handler: (ctx) => withModule(ctx, (m) => getRecord(readRequest(ctx), m, param(ctx, 'id'))) },
];

function convert(ctx: CallContext, moduleApi: string): Reply {
  if (moduleApi !== 'Leads') return topLevel.invalidUrl();
  if (ctx.body === INVALID_JSON) return topLevel.bodyNotJson();
  return convertLead(writeContext(ctx), param(ctx, 'id'), ctx.body);
}

function write(ctx: CallContext, moduleApi: string, kind: WriteKind): Reply {
  if (ctx.body === INVALID_JSON) return topLevel.bodyNotJson();
  const data = extractData(ctx.body);
  if (!Array.isArray(data)) return data;
  const wctx = writeContext(ctx);
  switch (kind) {
    case 'insert':
      return moduleApi === 'Notes' ? insertNotes(wctx, data) : insertRecords(wctx, moduleApi, data);
    case 'update':
      return updateRecords(wctx, moduleApi, data);
    case 'update-one':
      return updateRecords(wctx, moduleApi, data, param(ctx, 'id'));
    case 'upsert':
      return upsertRecords(wctx, moduleApi, data, duplicateCheckFields(ctx));
    case 'related-notes':
      return insertNotes(wctx, data, { module: moduleApi, id: param(ctx, 'id') });
  }
}

/** Body array, or the comma-separated query parameter (seed 000, old SDKs). */
function duplicateCheckFields(ctx: CallContext): string[] | undefined {
  const body = ctx.body as { duplicate_check_fields?: unknown } | undefined;
  if (body && Array.isArray(body.duplicate_check_fields)) {
    const list = body.duplicate_check_fields.filter((f): f is string => typeof f === 'string' && f !== '');
    if (list.length > 0) return list;
  }
  const list = commaList(ctx.req.query.duplicate_check_fields);
  return list.length > 0 ? list : undefined;
}

/** `GET /crm/v2/{M}/search` by `criteria`, else `email`, `phone` or `word`; paged. */
function search(ctx: CallContext, moduleApi: string): Reply {
  const q = ctx.req.query;
  const found = indexed(ctx, (() => {
    const criteria = str(q.criteria);
    if (criteria !== undefined) return byCriteria(ctx, moduleApi, criteria);
    const records = ctx.state.store.list(moduleApi);
    const fields = ctx.state.metadata.fieldList(moduleApi);
    if (str(q.email) !== undefined) return records.filter((r) => matchesEmail(r, fields, str(q.email)!));
    if (str(q.phone) !== undefined) return records.filter((r) => matchesPhone(r, fields, str(q.phone)!));
    if (str(q.word) !== undefined) return records.filter((r) => matchesWord(r, str(q.word)!));
    return topLevel.paramMissing('criteria');
  })());
  return Array.isArray(found) ? pageOf(ctx)(found, (r) => render(ctx, r)) : found;
}

/** The search index's view: records created less than `searchLagMs` ago are not in it yet (PROTOCOL-READS §6.3). */
function indexed(ctx: CallContext, found: StoredRecord[] | Reply): StoredRecord[] | Reply {
  const lag = ctx.state.faults.searchLagMs;
  if (lag === 0 || !Array.isArray(found)) return found;
  const cutoff = ctx.state.now() - lag;
  return found.filter((r) => r.createdAt <= cutoff);
}

/** Records matching a v2 `criteria`; INVALID_QUERY for one that does not parse or names an unknown field. */
function byCriteria(ctx: CallContext, moduleApi: string, criteria: string): StoredRecord[] | Reply {
  const { state } = ctx;
  let tree: Criteria;
  try {
    tree = parseCriteria(criteria);
  } catch (error) {
    if (error instanceof CriteriaError) return topLevel.invalidQuery(error.details);
    throw error;
  }
  const known = state.metadata.fields(moduleApi);
  const unknown = known && criteriaFields(tree).find((f) => f !== 'id' && !known.has(f));
  if (unknown) return topLevel.invalidQuery({ reason: 'the field is not available for search', api_name: unknown });
  const ownerName = (id: string): string | undefined => state.metadata.user(id)?.fullName;
  // v2: `equals` is exact alone, looser among several conditions ("ABC" also finds "ABC Inc").
  const loose = conditionCount(tree) > 1 ? (state.options.looseEquals ?? 'word-prefix') : 'exact';
  return state.store.list(moduleApi).filter((r) => matches(r, tree, ownerName, loose));
}
