/**
 * The v1 record actions end to end (docs/PROTOCOL-READS.md §7, §11–§13): deleteRecords, updateRelatedRecords,
 * delink, convertLead and the file and photo methods. Each write journals its `request` line (with every v2 request
 * it will send) before the first v2 call, like inserts; each answer is the exact v1 one. Reads of the same family
 * (getDeletedRecordIds, getRelatedRecords) live with the other reads.
 */
import { parse as parseDisposition } from 'content-disposition';
import type { Readable } from 'node:stream';
import type { LegacyActionResult } from '../legacy/action-response.js';
import { ACTION_MESSAGES } from '../legacy/action-response.js';
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import type { LegacyCall, LegacyFilePart, LegacyResult } from '../legacy/types.js';
import { ACTION_PARAMS, checkParams } from '../legacy/params.js';
import { parseXmlData, type XmlDataLimits } from '../legacy/xmldata.js';
import type { JournalActionOperation, JournalCallSummary, JournalRequestEntry } from '../journal/types.js';
import { isRepeatable, summariseAction, unsentMark } from '../journal/writes.js';
import {
  ACTION_PATHS,
  convertAnswer,
  convertBody,
  deleteAnswer,
  deleteFailures,
  FILE_ERRORS,
  isPhotoType,
  isRefusal,
  isRelatedUpdatePair,
  MAX_FILE_BYTES,
  MAX_PHOTO_BYTES,
  numericParam,
  PHOTO_MODULES,
  planDelete,
  planRelatedUpdate,
  relatedUpdateAnswer,
  splitConvertRows,
  type ActionRefusal,
  type V2ActionRequest,
} from '../mapping/actions.js';
import { planPotential } from '../mapping/action-plan.js';
import { legacyErrorFor, recordDetailsFromV2 } from '../mapping/results.js';
import type { Schema } from '../mapping/schema.js';
import { CallRejected } from '../mapping/translate.js';
import type { ModuleMeta } from '../mapping/types.js';
import type { AttachmentIndex } from '../state/attachments.js';
import type { ProfileRuntime } from '../upstream.js';
import { asObject, asText, dataEntries, dataRecords, entryCode, entryDetails, entryId } from '../v2/answers.js';
import type { RelatedListDef } from '../v2/related-lists.js';
import { queryString, type V2SendOutcome } from '../zoho/client.js';
import { multipartField, multipartFile } from '../zoho/multipart.js';
import { toJournalCall, type CallState } from './outcome.js';
import type { RelatedListCache } from './related-lists.js';
import type { SchemaCache } from './schema-cache.js';

/** A download answered with the file's bytes instead of a v1 document. */
export interface LegacyDownload {
  stream: Readable;
  contentType: string;
  fileName?: string;
  length?: number;
}

export interface ActionAnswer {
  result: LegacyResult;
  /** downloadFile / downloadPhoto: the bytes to pipe to the client instead of `result`. */
  download?: LegacyDownload;
  /** Journal `category` and detail when the answer is an error. */
  failure?: { category: string; error: string };
  /** Decisions worth journaling (per-id delete failures, dropped labels, assignTo not found …). */
  notes: string[];
}

export interface ActionDeps {
  schemas: SchemaCache;
  relatedLists: RelatedListCache;
  attachments: AttachmentIndex;
  /** Writes the `request` line; throws when the journal cannot be written (the call then sends nothing). */
  journalRequest: (entry: JournalRequestEntry) => void;
  xmlLimits?: XmlDataLimits;
  /**
   * Forgets records about to be deleted or converted away (LookupCache.forget): neither a duplicate check nor a
   * lookup by name may answer with them from memory. Rejects when the shared store is unreachable (then nothing is sent).
   * @default nothing to forget
   */
  forget?: (scope: string, ids: readonly string[]) => Promise<void>;
}

type Operation = JournalActionOperation;

/** Runs one action call; never throws for upstream failures (they become the legacy error and a category). */
export class ActionBridge {
  constructor(private readonly deps: ActionDeps) {}

  async handle(call: LegacyCall, profile: ProfileRuntime, summary: JournalCallSummary, state: CallState): Promise<ActionAnswer> {
    const ctx: Ctx = { call, profile, summary, state, notes: [] };
    // Boolean and enumerated parameters first, the way the write side checks its own (legacy/params.ts).
    const params = checkParams(ACTION_PARAMS, call.method, call.params, { emptyIsAbsent: profile.mappingOptions.emptyParameterIsAbsent });
    if (!params.ok) throw rejected({ reason: 'bad-parameter', parameter: params.parameter, detail: `${params.parameter} has none of its documented values` });
    const module = await this.module(profile, call.module);
    switch (call.method) {
      case 'deleteRecords':
        return this.deleteRecords(ctx, module);
      case 'updateRelatedRecords':
        return this.updateRelated(ctx, module);
      case 'delink':
        return this.delink(ctx, module);
      case 'convertLead':
        return this.convertLead(ctx, module);
      case 'uploadFile':
      case 'uploadPhoto':
        return this.upload(ctx, module, call.method === 'uploadPhoto');
      case 'deleteFile':
        return this.deleteFile(ctx, module);
      case 'downloadFile':
        return this.downloadFile(ctx, module);
      case 'downloadPhoto':
        return this.downloadPhoto(ctx, module);
      case 'deletePhoto':
        return this.deletePhoto(ctx, module);
      default:
        throw new CallRejected({ reason: 'unsupported-method', category: 'unsupported-method', detail: `v1 method ${call.method} is not translated` });
    }
  }

  /* ---------------------------------------------------------------- deleteRecords */

  private async deleteRecords(ctx: Ctx, module: ModuleMeta): Promise<ActionAnswer> {
    const planned = planDelete(ctx.call, module);
    if (isRefusal(planned)) throw rejected(planned.refusal);
    // Forgotten before the delete is sent: a delete in doubt must not leave the memory pointing at a gone record.
    await this.deps.forget?.(ctx.profile.scope, planned.ids);
    this.journal(ctx, 'delete', module, planned.requests);
    const bodies: unknown[] = [];
    for (const [i, req] of planned.requests.entries()) {
      const outcome = await this.write(ctx, 'delete', i, req);
      if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
      if (outcome.status === 401 || outcome.status >= 500) return failed(ctx, legacyErrors.internal(), `DELETE answered HTTP ${outcome.status}`);
      bodies.push(outcome.body);
    }
    const { failed: perId, noPermission } = deleteFailures(bodies);
    // v1 answered success for any numeric id (§7.1); only a permission refusal is an error (§16 #22).
    if (noPermission) return failed(ctx, DELETE_NO_PERMISSION, 'v2 refused the delete: no permission');
    for (const f of perId) ctx.notes.push(`v2 did not delete ${f.id || '?'}: ${f.code}`);
    return answer(ctx, deleteAnswer(planned.idsText));
  }

  /* ---------------------------------------------------------------- related records */

  private async updateRelated(ctx: Ctx, parent: ModuleMeta): Promise<ActionAnswer> {
    const parentId = requireNumeric(ctx.call, 'id');
    const related = await this.relatedModule(ctx, 'relatedModule');
    if (!isRelatedUpdatePair(parent, related)) {
      throw rejected({ reason: 'bad-parameter', parameter: 'relatedModule', detail: `v1 could not relate ${related.apiName} to ${parent.apiName}` });
    }
    const list = await this.deps.relatedLists.find(ctx.profile, parent, related);
    let rows;
    try {
      rows = parseXmlData(ctx.call.xmlData, this.deps.xmlLimits).rows;
    } catch (error) {
      throw rejectedFrom(error, 'bad-xmldata');
    }
    const planned = planRelatedUpdate(parent, parentId, related, list, rows);
    if (isRefusal(planned)) throw rejected(planned.refusal);
    if (planned.ignored.length > 0) ctx.notes.push(`labels ignored: ${planned.ignored.join(', ')}`);
    // v2 does not say whether a relation was new: read the list first (§11.2).
    const before = await this.relatedIds(ctx, parent, parentId, list);
    this.journal(ctx, 'relate', parent, [planned.request]);
    const outcome = await this.write(ctx, 'relate', 0, planned.request);
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    if (outcome.status >= 500) return failed(ctx, legacyErrors.internal(), `PUT answered HTTP ${outcome.status}`);
    const mapped = relatedUpdateAnswer(outcome.body, planned.ids, before);
    if ('error' in mapped) return failed(ctx, mapped.error, mapped.detail, 'upstream');
    return answer(ctx, mapped);
  }

  private async delink(ctx: Ctx, parent: ModuleMeta): Promise<ActionAnswer> {
    const parentId = requireNumeric(ctx.call, 'id');
    const relatedId = requireNumeric(ctx.call, 'relatedId');
    const related = await this.relatedModule(ctx, 'relatedModule');
    const list = await this.deps.relatedLists.find(ctx.profile, parent, related);
    const req: V2ActionRequest = { method: 'DELETE', path: ACTION_PATHS.related(parent.apiName, parentId, list.api_name, relatedId) };
    this.journal(ctx, 'delink', parent, [req]);
    const outcome = await this.write(ctx, 'delink', 0, req);
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    const entry = dataEntries(outcome.body)[0];
    if (outcome.status >= 400 || entryCode(entry) !== 'SUCCESS') {
      return failed(ctx, legacyErrors.badParameter('relatedId'), `delink answered HTTP ${outcome.status} ${entryCode(entry)}`.trim(), 'upstream');
    }
    return answer(ctx, { kind: 'action-success', message: ACTION_MESSAGES.delinked });
  }

  /* ---------------------------------------------------------------- convertLead */

  private async convertLead(ctx: Ctx, module: ModuleMeta): Promise<ActionAnswer> {
    if (module.apiName !== 'Leads') throw new CallRejected({ reason: 'unsupported-method', category: 'unsupported-method', detail: 'convertLead on a module other than Leads' });
    const leadId = requireNumeric(ctx.call, 'leadId');
    let rows: ReturnType<typeof parseXmlData>['rows'] = [];
    if (ctx.call.xmlData !== undefined && ctx.call.xmlData.trim() !== '') {
      try {
        rows = parseXmlData(ctx.call.xmlData, this.deps.xmlLimits, { options: true }).rows;
      } catch (error) {
        throw rejectedFrom(error, 'bad-xmldata');
      }
    }
    const split = splitConvertRows(rows, { emptyIsAbsent: ctx.profile.mappingOptions.emptyParameterIsAbsent });
    if (isRefusal(split)) throw rejected(split.refusal);
    for (const label of split.dropped) ctx.notes.push(`${label} has no slot in the v2 convert body: dropped`);

    let deal: Record<string, unknown> | undefined;
    if (split.potential) {
      const schema = await this.deps.schemas.forModule(ctx.profile, 'Potentials');
      if (!schema) throw new CallRejected({ reason: 'unknown-module', category: 'unknown-module', detail: 'the org has no Deals module' });
      const planned = planPotential(ctx.call, split.potential, { schema, timeZone: (await ctx.profile.timeZone()) ?? 'UTC', options: ctx.profile.mappingOptions });
      if ('error' in planned) return failed(ctx, planned.error, planned.detail, 'plan');
      ctx.notes.push(...planned.notes);
      deal = planned.deal;
    } else if (split.options.createPotential) {
      ctx.notes.push('createPotential=true without potential fields: no Deal created');
    }

    let assignTo: string | undefined;
    if (split.options.assignTo !== undefined) {
      // An e-mail or a user id (§12: v2 wants the id): an unknown one leaves the owner unchanged, as v1 did.
      const wanted = split.options.assignTo.toLowerCase();
      const user = (await ctx.profile.metadata.users()).find((u) => (u.email ?? '').toLowerCase() === wanted || String(u.id) === wanted);
      if (user) assignTo = String(user.id);
      else ctx.notes.push('assignTo matches no user: owner unchanged');
    }
    const req: V2ActionRequest = { method: 'POST', path: ACTION_PATHS.convert(leadId), body: convertBody(split, assignTo, deal) };
    // A converted Lead leaves Leads: a duplicate check of its e-mail must not answer with it from memory.
    await this.deps.forget?.(ctx.profile.scope, [leadId]);
    this.journal(ctx, 'convert', module, [req]);
    const outcome = await this.write(ctx, 'convert', 0, req, 5);
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    if (outcome.status >= 500) return failed(ctx, legacyErrors.internal(), `convert answered HTTP ${outcome.status}`);
    const mapped = convertAnswer(outcome.status, outcome.body);
    if ('error' in mapped) return failed(ctx, mapped.error, mapped.detail, 'upstream');
    return answer(ctx, mapped);
  }

  /* ---------------------------------------------------------------- files and photos */

  private async upload(ctx: Ctx, module: ModuleMeta, photo: boolean): Promise<ActionAnswer> {
    const recordId = requireNumeric(ctx.call, 'id');
    const file: LegacyFilePart | undefined = ctx.call.files?.find((f) => f.field.toLowerCase() === 'content') ?? ctx.call.files?.[0];
    const url = photo ? undefined : ctx.call.params.attachmenturl?.trim() || undefined;
    if (!file && !url) throw rejected({ reason: 'bad-parameter', parameter: 'content', detail: `${ctx.call.method} without a file part` });
    if (photo && !PHOTO_MODULES.has(module.apiName)) {
      throw new CallRejected({ reason: 'unsupported-method', category: 'unsupported-method', detail: `uploadPhoto is not available for ${module.apiName}` });
    }
    if (file && file.bytes.length > (photo ? MAX_PHOTO_BYTES : MAX_FILE_BYTES)) {
      return failed(ctx, FILE_ERRORS.tooLarge(), `${file.bytes.length} bytes is over the v1 limit`, 'client');
    }
    if (photo && file && !isPhotoType(file.contentType, file.fileName)) return failed(ctx, FILE_ERRORS.badType(), `photo type ${file.contentType}`, 'client');
    const path = photo ? ACTION_PATHS.photo(module.apiName, recordId) : ACTION_PATHS.attachments(module.apiName, recordId);
    const operation: Operation = photo ? 'upload-photo' : 'upload-file';
    // A link upload journals its URL (replay can send it again); a file's bytes are never journaled.
    this.journal(ctx, operation, module, [{ method: 'POST', path, ...(file ? {} : { body: { attachmentUrl: url! } }) }], file ? [{ fileName: file.fileName, contentType: file.contentType, size: file.bytes.length }] : undefined);
    const multipart = file ? multipartFile('file', { bytes: file.bytes, fileName: file.fileName, contentType: file.contentType }) : multipartField('attachmentUrl', url!);
    const { outcome, calls } = await ctx.profile.client.send({ method: 'POST', path, multipart, write: true, repeatable: isRepeatable(operation) });
    this.track(ctx, calls, outcome);
    ctx.state.writes.push({ request: 0, ...summariseAction(operation, outcome), ...unsentMark(outcome, calls) });
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    const body = outcome.body;
    if (outcome.status >= 400) return failed(ctx, uploadError(body, recordId), `upload answered HTTP ${outcome.status} ${asText(asObject(body)?.code) || entryCode(dataEntries(body)[0])}`.trim(), 'upstream');
    if (photo) return answer(ctx, { kind: 'action-success', message: ACTION_MESSAGES.photoUploaded });
    const entry = dataEntries(body)[0];
    const attachmentId = entryId(entry);
    if (attachmentId) await this.deps.attachments.remember(ctx.profile.scope, attachmentId, { module: module.apiName, recordId });
    const timeZone = await ctx.profile.timeZone();
    return answer(ctx, { kind: 'file-attached', message: ACTION_MESSAGES.fileAttached, details: recordDetailsFromV2(entryDetails(entry), timeZone) });
  }

  /** Parent of an attachment: the index, else a search of the listed module's records is impossible in v2 — 4600 "id". */
  private async attachmentParent(ctx: Ctx, module: ModuleMeta, attachmentId: string): Promise<{ module: string; recordId: string } | undefined> {
    const known = await this.deps.attachments.lookup(ctx.profile.scope, attachmentId);
    if (known) return known;
    // A client may pass the parent explicitly (some wrappers send `parentId`/`recordId` beside `id`): list it once.
    const parentId = (ctx.call.params.parentid ?? ctx.call.params.recordid)?.trim();
    if (parentId && /^\d+$/.test(parentId)) {
      await this.learnAttachments(ctx, module, parentId);
      return await this.deps.attachments.lookup(ctx.profile.scope, attachmentId);
    }
    return undefined;
  }

  /** Reads a record's Attachments list and remembers each attachment's parent. */
  private async learnAttachments(ctx: Ctx, module: ModuleMeta, recordId: string): Promise<void> {
    const outcome = await this.send(ctx, { method: 'GET', path: ACTION_PATHS.attachments(module.apiName, recordId) }, { write: false, repeatable: true });
    if (outcome.kind !== 'response' || outcome.status !== 200) return;
    for (const r of dataRecords(outcome.body) ?? []) {
      if (typeof r.id === 'string') await this.deps.attachments.remember(ctx.profile.scope, r.id, { module: module.apiName, recordId });
    }
  }

  private async downloadFile(ctx: Ctx, module: ModuleMeta): Promise<ActionAnswer> {
    const attachmentId = requireNumeric(ctx.call, 'id');
    const parent = await this.attachmentParent(ctx, module, attachmentId);
    if (!parent) return failed(ctx, legacyErrors.badParameter('id'), 'attachment id not in the attachment map (upload or list it through the bridge first)', 'client');
    return this.download(ctx, ACTION_PATHS.attachments(parent.module, parent.recordId, attachmentId));
  }

  private async downloadPhoto(ctx: Ctx, module: ModuleMeta): Promise<ActionAnswer> {
    const recordId = requireNumeric(ctx.call, 'id');
    return this.download(ctx, ACTION_PATHS.photo(module.apiName, recordId));
  }

  private async download(ctx: Ctx, path: string): Promise<ActionAnswer> {
    const { outcome, calls } = await ctx.profile.client.send({ method: 'GET', path, write: false, repeatable: true, streamResponse: true });
    this.track(ctx, calls, outcome);
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    if (outcome.status === 204 || outcome.status === 404) return answer(ctx, { kind: 'nodata', error: legacyErrors.noData() });
    if (outcome.status !== 200 || !outcome.stream) return failed(ctx, legacyErrors.badParameter('id'), `download answered HTTP ${outcome.status}`, 'upstream');
    const headers = outcome.headers ?? {};
    const length = Number(headers['content-length']);
    return {
      result: { kind: 'action-success', message: '' },
      download: {
        stream: outcome.stream,
        contentType: headers['content-type'] ?? 'application/octet-stream',
        fileName: fileNameOf(headers['content-disposition']),
        length: Number.isFinite(length) ? length : undefined,
      },
      notes: ctx.notes,
    };
  }

  private async deleteFile(ctx: Ctx, module: ModuleMeta): Promise<ActionAnswer> {
    const attachmentId = requireNumeric(ctx.call, 'id');
    const parent = await this.attachmentParent(ctx, module, attachmentId);
    if (!parent) return failed(ctx, legacyErrors.badParameter('id'), 'attachment id not in the attachment map', 'client');
    const req: V2ActionRequest = { method: 'DELETE', path: ACTION_PATHS.attachments(parent.module, parent.recordId, attachmentId) };
    this.journal(ctx, 'delete-file', module, [req]);
    const outcome = await this.write(ctx, 'delete-file', 0, req);
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    if (outcome.status >= 400 && entryCode(dataEntries(outcome.body)[0]) !== 'SUCCESS') {
      return failed(ctx, legacyErrors.badParameter('id'), `deleteFile answered HTTP ${outcome.status}`, 'upstream');
    }
    await this.deps.attachments.forget(ctx.profile.scope, attachmentId);
    return answer(ctx, { kind: 'action-success', message: ACTION_MESSAGES.fileDeleted });
  }

  private async deletePhoto(ctx: Ctx, module: ModuleMeta): Promise<ActionAnswer> {
    const recordId = requireNumeric(ctx.call, 'id');
    const req: V2ActionRequest = { method: 'DELETE', path: ACTION_PATHS.photo(module.apiName, recordId) };
    this.journal(ctx, 'delete-photo', module, [req]);
    const outcome = await this.write(ctx, 'delete-photo', 0, req);
    if (outcome.kind === 'failure') return upstreamFailed(ctx, outcome);
    if (outcome.status >= 400) return failed(ctx, legacyErrors.badParameter('id'), `deletePhoto answered HTTP ${outcome.status}`, 'upstream');
    return answer(ctx, { kind: 'action-success', message: ACTION_MESSAGES.photoDeleted });
  }

  /* ---------------------------------------------------------------- helpers */

  private async module(profile: ProfileRuntime, name: string): Promise<ModuleMeta> {
    const schema: Schema | undefined = await this.deps.schemas.forModule(profile, name);
    const module = schema?.resolveModule(name);
    if (!module) throw new CallRejected({ reason: 'unknown-module', category: 'unknown-module', detail: `unknown module ${name}` });
    return module;
  }

  private async relatedModule(ctx: Ctx, param: string): Promise<ModuleMeta> {
    const name = ctx.call.params[param.toLowerCase()]?.trim();
    if (!name) throw rejected({ reason: 'bad-parameter', parameter: param, detail: `${param} missing` });
    const schema = await this.deps.schemas.forModule(ctx.profile, name);
    const module = schema?.resolveModule(name);
    if (!module) throw rejected({ reason: 'bad-parameter', parameter: param, detail: `unknown ${param} ${name}` });
    return module;
  }

  /** Ids currently in a related list (up to 2000), to tell added from updated relations. */
  private async relatedIds(ctx: Ctx, parent: ModuleMeta, parentId: string, list: RelatedListDef): Promise<Set<string>> {
    const ids = new Set<string>();
    for (let page = 1; page <= 10; page += 1) {
      const outcome = await this.send(ctx, { method: 'GET', path: ACTION_PATHS.related(parent.apiName, parentId, list.api_name), query: { page: String(page), per_page: '200' } }, { write: false, repeatable: true });
      if (outcome.kind !== 'response' || outcome.status !== 200) break;
      for (const r of dataRecords(outcome.body) ?? []) if (typeof r.id === 'string') ids.add(r.id);
      if (asObject(asObject(outcome.body)?.info)?.more_records !== true) break;
    }
    return ids;
  }

  /** One v2 write of the call: request `index` of its journaled plan; what it did goes to the outcome's `writes`. */
  private async write(ctx: Ctx, operation: Operation, index: number, req: V2ActionRequest, credits?: number): Promise<V2SendOutcome> {
    const { outcome, calls } = await this.sendWithCalls(ctx, req, { write: true, repeatable: isRepeatable(operation), credits });
    ctx.state.writes.push({ request: index, ...summariseAction(operation, outcome, recordsOf(req.body)), ...unsentMark(outcome, calls) });
    return outcome;
  }

  private async send(ctx: Ctx, req: V2ActionRequest, how: { write: boolean; repeatable: boolean; credits?: number }): Promise<V2SendOutcome> {
    return (await this.sendWithCalls(ctx, req, how)).outcome;
  }

  private async sendWithCalls(ctx: Ctx, req: V2ActionRequest, how: { write: boolean; repeatable: boolean; credits?: number }) {
    const { outcome, calls } = await ctx.profile.client.send({ method: req.method, path: req.path, query: req.query, json: req.body, ...how });
    this.track(ctx, calls, outcome);
    return { outcome, calls };
  }

  private track(ctx: Ctx, calls: Parameters<typeof toJournalCall>[0][], outcome: V2SendOutcome): void {
    ctx.state.upstream ||= calls.length > 0;
    ctx.state.v2Calls.push(...calls.map(toJournalCall));
    if (outcome.kind === 'response') ctx.state.credits += 1;
    if (outcome.kind === 'failure' && outcome.inDoubt) ctx.state.inDoubt = true;
  }

  /** The `request` line before the first v2 write (throws when the journal cannot take it: nothing is sent). */
  private journal(ctx: Ctx, operation: Operation, module: ModuleMeta, requests: V2ActionRequest[], files?: { fileName: string; contentType: string; size: number }[]): void {
    this.deps.journalRequest({
      ...ctx.summary,
      type: 'request',
      ...(ctx.call.xmlData !== undefined ? { xmlData: ctx.call.xmlData } : {}),
      plan: {
        operation,
        module: module.apiName,
        requests: requests.map((r) => ({ method: r.method, path: r.path + (r.query ? queryString(r.query) : ''), records: recordsOf(r.body) })),
        bodies: requests.map((r) => r.body ?? null),
        ...(files ? { files } : {}),
      },
    });
  }
}

interface Ctx {
  call: LegacyCall;
  profile: ProfileRuntime;
  summary: JournalCallSummary;
  state: CallState;
  notes: string[];
}

/** 401.3, PROTOCOL-READS §7.1 [choice]. */
const DELETE_NO_PERMISSION: LegacyError = { code: '401.3', message: 'No permission to delete a record' };

function answer(ctx: Ctx, result: LegacyResult): ActionAnswer {
  return { result, notes: ctx.notes };
}

function failed(ctx: Ctx, error: LegacyError, detail: string, category = 'upstream'): ActionAnswer {
  return { result: { kind: 'error', error }, failure: { category, error: detail }, notes: ctx.notes };
}

/** A v2 call that failed (network, 5xx, 429 after retries, local limits): its reason's v1 error. */
function upstreamFailed(ctx: Ctx, outcome: Extract<V2SendOutcome, { kind: 'failure' }>): ActionAnswer {
  return failed(ctx, legacyErrorFor(outcome.reason), outcome.message);
}

/** A numeric v1 parameter (record, attachment or lead id), else the 4600 rejection naming it (nothing is sent). */
function requireNumeric(call: LegacyCall, name: string): string {
  const value = numericParam(call, name);
  if (isRefusal(value)) throw rejected(value.refusal);
  return value;
}

function rejected(refusal: ActionRefusal): CallRejected {
  return new CallRejected({ reason: refusal.reason, parameter: refusal.parameter, category: 'bad-request', detail: refusal.detail });
}

function rejectedFrom(error: unknown, category: 'bad-xmldata'): CallRejected {
  const e = error as { reason?: string; parameter?: string; message?: string };
  return new CallRejected({ reason: (e.reason as ActionRefusal['reason']) ?? 'internal', parameter: e.parameter, category, detail: e.message ?? String(error) });
}

/** An upload refused by v2: too large → 4807, bad type → 4424, unknown record → 4600 "id". */
function uploadError(body: unknown, _recordId: string): LegacyError {
  const code = asText(asObject(body)?.code) || entryCode(dataEntries(body)[0]);
  if (/SIZE|TOO_LARGE/i.test(code)) return FILE_ERRORS.tooLarge();
  if (/FILE_FORMAT|FILE_TYPE/i.test(code)) return FILE_ERRORS.badType();
  return legacyErrors.badParameter('id');
}

function recordsOf(body: unknown): number {
  const data = asObject(body)?.data;
  return Array.isArray(data) ? data.length : 0;
}

/**
 * The file name of v2's download answer: `attachment;filename="a.pdf"` → `a.pdf`; RFC 6266's
 * `filename*=UTF-8''%E6%97%A5.txt` wins over its ASCII fallback (the `content-disposition` package decodes it).
 * A header that package refuses falls back to the plain `filename` value.
 */
function fileNameOf(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  try {
    return parseDisposition(disposition).parameters.filename;
  } catch {
    return /filename="?([^";]+)"?/i.exec(disposition)?.[1];
  }
}
