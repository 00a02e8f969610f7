/**
 * Insert, update, upsert and Notes: validate each record, apply it, and build the index-aligned `data[]`
 * answer with the status rules of docs/PROTOCOL.md §9.2 / §12. Records are processed in order, so a later record
 * of a batch sees the earlier ones (duplicates inside one batch are caught).
 */
import { MAX_RECORDS_PER_WRITE } from '../v2/modules.js';
import { recordError, successEntry, topLevel, type Reply, type V2Error } from '../v2/envelopes.js';
import type { SandboxMetadata, SandboxUser } from './metadata.js';
import { displayName, writeDetails } from './render.js';
import { duplicateCheckFieldOf, mandatoryFieldsOf, supportsUpsert } from './rules.js';
import type { RecordStore, StoredRecord } from './store.js';
import { isEmptyValue, lookupId, normalizeRecord, type NormalizedRecord, type ValidationContext } from './validate.js';

/** The options of SandboxOptions the write engine reads, resolved to their defaults. */
export interface WriteSettings {
  insertStatus: 'v2-doc' | 'seed' | 'always-201';
  mixedStatus: 207 | 202 | 200;
  upsertInsertedStatus: 200 | 201;
  allFailedShape: 'data' | 'top-level';
  enforceSystemDuplicates: boolean;
  duplicateDetailsWithModule: boolean;
  invalidIdDetails: 'api_name' | 'empty';
  lowerCaseDetailKeys: boolean;
  rejectUnknownPicklistValues: boolean;
  layoutMandatory: Record<string, string[]>;
}

export interface WriteContext {
  metadata: SandboxMetadata;
  store: RecordStore;
  settings: WriteSettings;
  user: SandboxUser;
  now: number;
}

type Entry = { ok: true; body: Record<string, unknown>; action: 'insert' | 'update' } | { ok: false; body: V2Error };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Top-level checks of `data` (§9.4): present, an array, 1..100 elements. Returns the array or an error reply. */
export function extractData(body: unknown): unknown[] | Reply {
  if (!isPlainObject(body) || !('data' in body) || body.data === null) return topLevel.dataMissing();
  if (!Array.isArray(body.data)) return topLevel.dataNotArray();
  if (body.data.length === 0) return topLevel.dataMissing();
  if (body.data.length > MAX_RECORDS_PER_WRITE) return topLevel.limitExceeded();
  return body.data;
}

function validation(ctx: WriteContext): ValidationContext {
  return {
    metadata: ctx.metadata,
    store: ctx.store,
    rejectUnknownPicklistValues: ctx.settings.rejectUnknownPicklistValues,
    newLineItemId: () => ctx.store.next().id,
  };
}

function mandatorySet(ctx: WriteContext, moduleApi: string): string[] {
  return [...mandatoryFieldsOf(moduleApi), ...(ctx.settings.layoutMandatory[moduleApi] ?? [])];
}

/** Comparable form of a value for duplicate checks and upsert matching. */
function comparable(v: unknown, caseInsensitive: boolean): string | undefined {
  if (isEmptyValue(v)) return undefined;
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else if (isPlainObject(v) && typeof v.id === 'string') s = v.id;
  else s = JSON.stringify(v);
  return caseInsensitive ? s.toLowerCase() : s;
}

/** Existing records (oldest first) whose `field` equals `value`, excluding `exceptId`. */
function findMatches(
  ctx: WriteContext,
  moduleApi: string,
  field: string,
  value: unknown,
  caseInsensitive: boolean,
  exceptId?: string,
): StoredRecord[] {
  const wanted = comparable(value, caseInsensitive);
  if (wanted === undefined) return [];
  return ctx.store
    .list(moduleApi)
    .filter((r) => r.id !== exceptId && comparable(r.values[field], caseInsensitive) === wanted);
}

/** User-defined unique fields of a module: api_name and whether they compare case-insensitively. */
function uniqueFields(ctx: WriteContext, moduleApi: string): { api: string; caseInsensitive: boolean }[] {
  return ctx.metadata
    .fieldList(moduleApi)
    .filter((f) => f.unique && Object.keys(f.unique).length > 0)
    .map((f) => ({ api: f.api_name, caseInsensitive: f.unique?.casesensitive === '0' }));
}

function checkUnique(
  ctx: WriteContext,
  moduleApi: string,
  values: Record<string, unknown>,
  exceptId: string | undefined,
  withSystemField: boolean,
): V2Error | undefined {
  const checks = uniqueFields(ctx, moduleApi);
  const system = duplicateCheckFieldOf(moduleApi);
  if (withSystemField && system && !checks.some((c) => c.api === system)) checks.unshift({ api: system, caseInsensitive: true });
  for (const { api, caseInsensitive } of checks) {
    const existing = findMatches(ctx, moduleApi, api, values[api], caseInsensitive, exceptId)[0];
    if (existing) {
      return recordError.duplicate(api, existing.id, ctx.settings.duplicateDetailsWithModule ? moduleApi : undefined);
    }
  }
  return undefined;
}

function missingMandatory(ctx: WriteContext, moduleApi: string, values: Record<string, unknown>, insert: boolean): V2Error | undefined {
  for (const api of mandatorySet(ctx, moduleApi)) {
    if (insert ? isEmptyValue(values[api]) : api in values && isEmptyValue(values[api])) return recordError.mandatory(api);
  }
  return undefined;
}

function details(ctx: WriteContext, record: StoredRecord): Record<string, unknown> {
  return writeDetails(ctx.metadata, record, ctx.user.timeZone, ctx.settings.lowerCaseDetailKeys);
}

function doInsert(ctx: WriteContext, moduleApi: string, n: NormalizedRecord): StoredRecord {
  const { id, seq } = ctx.store.next();
  const record: StoredRecord = {
    id,
    module: moduleApi,
    seq,
    createdAt: ctx.now,
    modifiedAt: ctx.now,
    createdBy: ctx.user.id,
    modifiedBy: ctx.user.id,
    ownerId: n.ownerId ?? ctx.user.id,
    values: n.values,
  };
  ctx.store.add(record);
  if (moduleApi === 'Deals') ctx.store.recordStage(record, ctx.user.id, ctx.now);
  return record;
}

function doUpdate(ctx: WriteContext, record: StoredRecord, n: NormalizedRecord): void {
  Object.assign(record.values, n.values);
  if (n.ownerId) record.ownerId = n.ownerId;
  record.modifiedAt = ctx.now;
  record.modifiedBy = ctx.user.id;
  if (record.module === 'Deals' && 'Stage' in n.values) ctx.store.recordStage(record, ctx.user.id, ctx.now);
  ctx.store.changed();
}

/**
 * Validate and create one record outside a batch (lead conversion creates Contacts, Accounts and Deals this way).
 * Returns the stored record, or the v2 error of the first problem.
 */
export function createRecord(
  ctx: WriteContext,
  moduleApi: string,
  input: Record<string, unknown>,
): { record: StoredRecord } | { error: V2Error } {
  const n = normalizeRecord(validation(ctx), moduleApi, input);
  if ('error' in n) return { error: n.error };
  const missing = missingMandatory(ctx, moduleApi, n.values, true);
  if (missing) return { error: missing };
  return { record: doInsert(ctx, moduleApi, n) };
}

function insertOne(ctx: WriteContext, moduleApi: string, input: Record<string, unknown>): Entry {
  const n = normalizeRecord(validation(ctx), moduleApi, input);
  if ('error' in n) return { ok: false, body: n.error };
  const missing = missingMandatory(ctx, moduleApi, n.values, true);
  if (missing) return { ok: false, body: missing };
  const dup = checkUnique(ctx, moduleApi, n.values, undefined, ctx.settings.enforceSystemDuplicates);
  if (dup) return { ok: false, body: dup };
  const record = doInsert(ctx, moduleApi, n);
  return { ok: true, action: 'insert', body: successEntry(details(ctx, record), 'insert') };
}

function updateOne(ctx: WriteContext, moduleApi: string, id: unknown, input: Record<string, unknown>): Entry {
  if (id === undefined || id === null || id === '') return { ok: false, body: recordError.mandatory('id') };
  const record = typeof id === 'string' ? ctx.store.get(moduleApi, id) : undefined;
  if (!record) return { ok: false, body: recordError.invalidId(ctx.settings.invalidIdDetails === 'api_name') };
  const n = normalizeRecord(validation(ctx), moduleApi, input);
  if ('error' in n) return { ok: false, body: n.error };
  const missing = missingMandatory(ctx, moduleApi, n.values, false);
  if (missing) return { ok: false, body: missing };
  const dup = checkUnique(ctx, moduleApi, n.values, record.id, false);
  if (dup) return { ok: false, body: dup };
  doUpdate(ctx, record, n);
  return { ok: true, action: 'update', body: successEntry(details(ctx, record), 'update') };
}

/** §9.7 check order: the given fields (else the system field), then the remaining user-defined unique fields. */
export function upsertCheckOrder(ctx: WriteContext, moduleApi: string, given: string[] | undefined): { api: string; caseInsensitive: boolean }[] {
  const unique = uniqueFields(ctx, moduleApi);
  const system = duplicateCheckFieldOf(moduleApi);
  const first = given ?? (system ? [system] : []);
  const order = first.map((api) => ({ api, caseInsensitive: unique.find((u) => u.api === api)?.caseInsensitive ?? true }));
  for (const u of unique) if (!order.some((o) => o.api === u.api)) order.push(u);
  return order;
}

function upsertOne(
  ctx: WriteContext,
  moduleApi: string,
  input: Record<string, unknown>,
  order: { api: string; caseInsensitive: boolean }[],
): Entry {
  const n = normalizeRecord(validation(ctx), moduleApi, input);
  if ('error' in n) return { ok: false, body: n.error };
  for (const { api, caseInsensitive } of order) {
    const match = findMatches(ctx, moduleApi, api, n.values[api], caseInsensitive)[0]; // oldest wins
    if (!match) continue;
    const missing = missingMandatory(ctx, moduleApi, n.values, false);
    if (missing) return { ok: false, body: missing };
    const dup = checkUnique(ctx, moduleApi, n.values, match.id, false);
    if (dup) return { ok: false, body: dup };
    doUpdate(ctx, match, n);
    return { ok: true, action: 'update', body: successEntry(details(ctx, match), 'update', { duplicateField: api }) };
  }
  const missing = missingMandatory(ctx, moduleApi, n.values, true);
  if (missing) return { ok: false, body: missing };
  const dup = checkUnique(ctx, moduleApi, n.values, undefined, false);
  if (dup) return { ok: false, body: dup };
  const record = doInsert(ctx, moduleApi, n);
  return { ok: true, action: 'insert', body: successEntry(details(ctx, record), 'insert', { duplicateField: null }) };
}

/** The HTTP answer for a batch of entries (§12 statuses). */
function batchReply(ctx: WriteContext, kind: 'insert' | 'update' | 'upsert', entries: Entry[]): Reply {
  const okCount = entries.filter((e) => e.ok).length;
  const data = entries.map((e) => e.body);
  if (okCount === 0) {
    return ctx.settings.allFailedShape === 'top-level' ? { status: 400, body: data[0] } : { status: 400, body: { data } };
  }
  if (okCount < entries.length) return { status: ctx.settings.mixedStatus, body: { data } };
  let status = 200;
  if (kind === 'insert') status = ctx.settings.insertStatus !== 'always-201' && entries.length > 1 ? 202 : 201;
  if (kind === 'upsert' && ctx.settings.upsertInsertedStatus === 201 && entries.every((e) => e.ok && e.action === 'insert')) {
    status = 201;
  }
  return { status, body: { data } };
}

function eachRecord(data: unknown[], fn: (input: Record<string, unknown>) => Entry): Entry[] {
  return data.map((input, index) =>
    isPlainObject(input) ? fn(input) : ({ ok: false, body: recordError.notAnObject(index) } as Entry),
  );
}

export function insertRecords(ctx: WriteContext, moduleApi: string, data: unknown[]): Reply {
  return batchReply(ctx, 'insert', eachRecord(data, (r) => insertOne(ctx, moduleApi, r)));
}

/** PUT /{M} (id in each record) or PUT /{M}/{id} (`urlId` for every record). */
export function updateRecords(ctx: WriteContext, moduleApi: string, data: unknown[], urlId?: string): Reply {
  return batchReply(ctx, 'update', eachRecord(data, (r) => updateOne(ctx, moduleApi, urlId ?? r.id, r)));
}

export function upsertRecords(ctx: WriteContext, moduleApi: string, data: unknown[], given: string[] | undefined): Reply {
  if (!supportsUpsert(moduleApi)) return topLevel.moduleNotSupported();
  // v2: only the module's system duplicate-check field and user-defined unique fields may be named.
  const allowed = new Set([duplicateCheckFieldOf(moduleApi), ...uniqueFields(ctx, moduleApi).map((u) => u.api)].filter(Boolean));
  const refused = given?.find((f) => !allowed.has(f));
  if (refused !== undefined) return topLevel.notDuplicateCheckField(refused);
  const order = upsertCheckOrder(ctx, moduleApi, given);
  return batchReply(ctx, 'upsert', eachRecord(data, (r) => upsertOne(ctx, moduleApi, r, order)));
}

/**
 * Notes: `Parent_Id` (string or `{id}`) and `se_module` (or `$se_module`) must name an existing record;
 * `parent` (from /{M}/{id}/Notes) overrides both.
 */
export function insertNotes(ctx: WriteContext, data: unknown[], parent?: { module: string; id: string }): Reply {
  const entries = eachRecord(data, (input) => {
    const seName = parent?.module ?? input.se_module ?? input.$se_module;
    const parentId = parent?.id ?? lookupId(input.Parent_Id);
    if (parent === undefined) {
      if (isEmptyValue(input.Parent_Id)) return { ok: false, body: recordError.mandatory('Parent_Id') };
      if (isEmptyValue(seName)) return { ok: false, body: recordError.mandatory('se_module') };
    }
    const seModule = typeof seName === 'string' ? ctx.metadata.module(seName) : undefined;
    if (!seModule) return { ok: false, body: recordError.invalidValue('se_module') };
    const parentRecord = parentId === undefined ? undefined : ctx.store.get(seModule.api_name, parentId);
    if (!parentRecord) {
      return {
        ok: false,
        body: parent ? recordError.invalidId(ctx.settings.invalidIdDetails === 'api_name') : recordError.invalidValue('Parent_Id'),
      };
    }
    const rest: Record<string, unknown> = { ...input };
    delete rest.Parent_Id;
    delete rest.se_module;
    delete rest.$se_module;
    const n = normalizeRecord(validation(ctx), 'Notes', rest);
    if ('error' in n) return { ok: false, body: n.error };
    if (isEmptyValue(n.values.Note_Content)) return { ok: false, body: recordError.mandatory('Note_Content') };
    if (n.values.Note_Content !== undefined && typeof n.values.Note_Content !== 'string') {
      return { ok: false, body: recordError.invalidType('text', 'Note_Content') };
    }
    n.values.Parent_Id = { name: displayName(ctx.metadata, parentRecord), id: parentRecord.id };
    n.values.$se_module = seModule.api_name;
    const record = doInsert(ctx, 'Notes', n);
    return { ok: true, action: 'insert', body: successEntry(details(ctx, record), 'insert') };
  });
  return batchReply(ctx, 'insert', entries);
}
