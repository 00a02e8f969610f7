/**
 * An archived v1 action call → the v2 requests it means, offline (`zbridge convert`; docs/PROTOCOL-READS.md §7,
 * §11–§13). The same planners as the proxy (mapping/actions.ts); what only the live org knows is decided here:
 * - related lists come from the metadata (`relatedLists`, the snapshot's derived lists);
 * - convertLead's `assignTo` e-mail needs the org's users: it is left out (the owner stays the lead's), noted;
 *   a user id is used as given;
 * - deleteFile needs the attachment's parent record (the proxy's attachment map): only with `parentId`;
 * - uploads of bytes are not in an archived call: only `attachmentUrl` uploads convert; uploadPhoto never does;
 * - downloads send nothing to replay: not converted.
 */
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import { ACTION_PARAMS, checkParams } from '../legacy/params.js';
import type { LegacyCall, LegacyRow } from '../legacy/types.js';
import { parseXmlData, type XmlDataLimits } from '../legacy/xmldata.js';
import type { RelatedListDef } from '../v2/related-lists.js';
import {
  ACTION_PATHS,
  convertBody,
  isRefusal,
  isRelatedUpdatePair,
  numericParam,
  PHOTO_MODULES,
  planDelete,
  planRelatedUpdate,
  relatedListFor,
  splitConvertRows,
  type ActionRefusal,
  type V2ActionRequest,
} from './actions.js';
import type { MappingOptions } from './fields.js';
import { planCall } from './plan.js';
import type { Schema } from './schema.js';
import type { ModuleMeta } from './types.js';

/** The v2 action a call means (journal `plan.operation`). */
export type ActionOperation = 'delete' | 'relate' | 'delink' | 'convert' | 'upload-file' | 'delete-file' | 'upload-photo' | 'delete-photo';

export interface ActionPlan {
  operation: ActionOperation;
  /** v2 module api_name of the URL module. */
  module: string;
  /** In order; `path` without the query, `query` apart (the converter joins them). */
  requests: V2ActionRequest[];
  /** Decisions worth knowing (dropped labels, an assignTo left out …). */
  notes: string[];
}

export interface ActionPlanContext {
  schema: Schema;
  /** The API user's IANA zone (the potential row's dates). */
  timeZone: string;
  options?: MappingOptions;
  /** The related lists of a parent module (v2 api_name). */
  relatedLists: (parent: string) => RelatedListDef[];
  xmlLimits?: XmlDataLimits;
}

const refuse = (parameter: string, detail: string, reason: ActionRefusal['reason'] = 'bad-parameter'): { refusal: ActionRefusal } => ({
  refusal: { reason, parameter, detail },
});
const unsupported = (detail: string): { refusal: ActionRefusal } => ({ refusal: { reason: 'unsupported-method', detail } });
/** A call the proxy translates live whose archived form holds nothing to convert (ActionRefusal.offline). */
const liveOnly = (detail: string): { refusal: ActionRefusal } => ({
  refusal: { reason: 'unsupported-method', detail: `${detail}; the proxy translates it live`, offline: true },
});

/** Plans one action call offline, or says why it cannot be (the v1 error the proxy would answer, or why offline cannot). */
export function planActionOffline(call: LegacyCall, ctx: ActionPlanContext): ActionPlan | { refusal: ActionRefusal } {
  const params = checkParams(ACTION_PARAMS, call.method, call.params, { emptyIsAbsent: ctx.options?.emptyParameterIsAbsent });
  if (!params.ok) return refuse(params.parameter, `${params.parameter} has none of its documented values`);
  const module = ctx.schema.resolveModule(call.module);
  if (!module) return { refusal: { reason: 'unknown-module', detail: `unknown module ${call.module}` } };
  const plan = (operation: ActionOperation, requests: V2ActionRequest[], notes: string[] = []): ActionPlan => ({ operation, module: module.apiName, requests, notes });
  const numeric = (name: string): string | { refusal: ActionRefusal } => numericParam(call, name);
  switch (call.method) {
    case 'deleteRecords': {
      const d = planDelete(call, module);
      return isRefusal(d) ? d : plan('delete', d.requests);
    }
    case 'updateRelatedRecords':
    case 'delink': {
      const parentId = numeric('id');
      if (isRefusal(parentId)) return parentId;
      const related = relatedModule(call, ctx.schema);
      if (isRefusal(related)) return related;
      const list = relatedListFor(ctx.relatedLists(module.apiName), related);
      if (!list) return refuse('relatedModule', `${module.apiName} has no related list of ${related.apiName}`);
      if (call.method === 'delink') {
        const relatedId = numeric('relatedId');
        if (isRefusal(relatedId)) return relatedId;
        return plan('delink', [{ method: 'DELETE', path: ACTION_PATHS.related(module.apiName, parentId, list.api_name, relatedId) }]);
      }
      if (!isRelatedUpdatePair(module, related)) return refuse('relatedModule', `v1 could not relate ${related.apiName} to ${module.apiName}`);
      const rows = xmlRows(call, ctx);
      if (isRefusal(rows)) return rows;
      const r = planRelatedUpdate(module, parentId, related, list, rows);
      if (isRefusal(r)) return r;
      return plan('relate', [r.request], r.ignored.length ? [`labels ignored: ${r.ignored.join(', ')}`] : []);
    }
    case 'convertLead':
      return convertOffline(call, module, ctx, plan);
    case 'uploadFile': {
      const id = numeric('id');
      if (isRefusal(id)) return id;
      const url = call.params.attachmenturl?.trim();
      if (!url) return liveOnly("uploadFile of a file: the file's bytes are not in the archived call (only attachmentUrl uploads convert)");
      return plan('upload-file', [{ method: 'POST', path: ACTION_PATHS.attachments(module.apiName, id), body: { attachmentUrl: url } }]);
    }
    case 'deleteFile': {
      const id = numeric('id');
      if (isRefusal(id)) return id;
      const parent = (call.params.parentid ?? call.params.recordid)?.trim();
      if (!parent || !/^\d{1,25}$/.test(parent)) {
        return refuse('id', "deleteFile offline needs the attachment's parent record (the proxy's attachment map): give parentId");
      }
      return plan('delete-file', [{ method: 'DELETE', path: ACTION_PATHS.attachments(module.apiName, parent, id) }]);
    }
    case 'deletePhoto': {
      const id = numeric('id');
      if (isRefusal(id)) return id;
      if (!PHOTO_MODULES.has(module.apiName)) return unsupported(`deletePhoto is not available for ${module.apiName}`);
      return plan('delete-photo', [{ method: 'DELETE', path: ACTION_PATHS.photo(module.apiName, id) }]);
    }
    case 'uploadPhoto':
      return liveOnly("uploadPhoto: the photo's bytes are not in the archived call");
    case 'downloadFile':
    case 'downloadPhoto':
      return liveOnly(`${call.method} is a download: it writes nothing, so there is nothing to convert`);
    default:
      return unsupported(`v1 method ${call.method} is not an action`);
  }
}

function relatedModule(call: LegacyCall, schema: Schema): ModuleMeta | { refusal: ActionRefusal } {
  const name = call.params.relatedmodule?.trim();
  if (!name) return refuse('relatedModule', 'relatedModule missing');
  return schema.resolveModule(name) ?? refuse('relatedModule', `unknown relatedModule ${name}`);
}

function xmlRows(call: LegacyCall, ctx: ActionPlanContext, options?: { options: boolean }): LegacyRow[] | { refusal: ActionRefusal } {
  try {
    return parseXmlData(call.xmlData, ctx.xmlLimits, options).rows;
  } catch (error) {
    const e = error as { reason?: ActionRefusal['reason']; parameter?: string; message?: string };
    return { refusal: { reason: e.reason ?? 'bad-parameter', parameter: e.parameter ?? 'xmlData', detail: e.message ?? String(error) } };
  }
}

function convertOffline(
  call: LegacyCall,
  module: ModuleMeta,
  ctx: ActionPlanContext,
  plan: (operation: ActionOperation, requests: V2ActionRequest[], notes?: string[]) => ActionPlan,
): ActionPlan | { refusal: ActionRefusal } {
  if (module.apiName !== 'Leads') return unsupported('convertLead on a module other than Leads');
  const leadId = numericParam(call, 'leadId');
  if (isRefusal(leadId)) return leadId;
  let rows: LegacyRow[] = [];
  if (call.xmlData !== undefined && call.xmlData.trim() !== '') {
    const parsed = xmlRows(call, ctx, { options: true });
    if (isRefusal(parsed)) return parsed;
    rows = parsed;
  }
  const split = splitConvertRows(rows, { emptyIsAbsent: ctx.options?.emptyParameterIsAbsent });
  if (isRefusal(split)) return split;
  const notes = split.dropped.map((label) => `${label} has no slot in the v2 convert body: dropped`);
  let deal: Record<string, unknown> | undefined;
  if (split.potential) {
    const planned = planPotential(call, split.potential, ctx);
    if ('error' in planned) return { refusal: { reason: 'bad-parameter', parameter: 'xmlData', legacy: planned.error, detail: planned.detail } };
    notes.push(...planned.notes);
    deal = planned.deal;
  }
  let assignTo: string | undefined;
  if (split.options.assignTo !== undefined) {
    if (/^\d+$/.test(split.options.assignTo)) assignTo = split.options.assignTo;
    else notes.push('assignTo is an e-mail: only the live org can resolve it to a user id; left out (the owner stays the lead\'s)');
  }
  return plan('convert', [{ method: 'POST', path: ACTION_PATHS.convert(leadId), body: convertBody(split, assignTo, deal) }], notes);
}

/**
 * convertLead's potential row → the `Deals` object of the convert body, planned by the insert planner as a
 * Potentials row (so values convert exactly as an insert's; `newFormat` as the call gives it). The proxy and the
 * converter both plan it here.
 */
export function planPotential(
  call: LegacyCall,
  potential: LegacyRow,
  ctx: { schema: Schema; timeZone: string; options?: MappingOptions },
): { deal: Record<string, unknown>; notes: string[] } | { error: LegacyError; detail: string } {
  const planned = planCall(
    { format: call.format, module: 'Potentials', method: 'insertRecords', path: call.path, params: { scope: 'crmapi', newformat: call.params.newformat ?? '1' } },
    { root: 'Potentials', rows: [potential], droppedRows: 0 },
    ctx,
  );
  const row = planned.rows[0];
  if (planned.error || row?.error || !row?.record) {
    const error = planned.error ?? row?.error ?? legacyErrors.badParameter('xmlData');
    return { error, detail: `potential row: ${error.message}` };
  }
  return { deal: row.record as Record<string, unknown>, notes: row.warnings.map((w) => `potential: ${w.message}`) };
}
