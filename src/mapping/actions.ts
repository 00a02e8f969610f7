/**
 * The v1 record actions beyond insert/update, translated both ways (docs/PROTOCOL-READS.md §7, §11–§13): v1
 * parameters and xmlData → the v2 requests they mean, and v2 answers → the v1 answer. Pure: no HTTP, no clock.
 *
 * deleteRecords       id | idlist                → DELETE /{M}?ids=…&wf_trigger=false (≤100 per call)
 * updateRelatedRecords relatedModule, id, xmlData → PUT /{Parent}/{id}/{list}  {"data":[{id, junction fields}]}
 * delink              id, relatedModule, relatedId → DELETE /{Parent}/{id}/{list}/{relatedId}
 * convertLead         leadId, xmlData (options row, potential row) → POST /Leads/{id}/actions/convert
 * uploadFile / deleteFile / downloadFile / uploadPhoto / deletePhoto / downloadPhoto → Attachments and photo
 */
import type { FailureReason } from '../errors.js';
import type { LegacyError } from '../legacy/errors.js';
import { legacyErrors } from '../legacy/errors.js';
import { readV1Boolean } from '../legacy/params.js';
import type { LegacyActionResult } from '../legacy/action-response.js';
import type { LegacyCall, LegacyField, LegacyRow } from '../legacy/types.js';
import { asObject, asText, dataArray, dataEntries, entryCode, entryId, v2CodeOf } from '../v2/answers.js';
import type { RelatedListDef } from '../v2/related-lists.js';
import { selfIdLabels } from './modules.js';
import type { ModuleMeta } from './types.js';

/** v1 methods translated here (docs/PROTOCOL-READS.md §7, §11–§13). */
export const ACTION_METHODS: ReadonlySet<string> = new Set([
  'deleteRecords',
  'updateRelatedRecords',
  'delink',
  'convertLead',
  'uploadFile',
  'downloadFile',
  'deleteFile',
  'uploadPhoto',
  'downloadPhoto',
  'deletePhoto',
]);

/** v2's cap on ids per DELETE and records per related-list PUT. */
export const MAX_IDS_PER_CALL = 100;
/** v1's attachment limit (D:uploadfile): 20 MB. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** v1's photo limit (D:uploadphoto): 2 MB. */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
/** Modules v1's uploadPhoto accepted. */
export const PHOTO_MODULES: ReadonlySet<string> = new Set(['Leads', 'Contacts']);

/** A local refusal: nothing is sent. */
export interface ActionRefusal {
  reason: FailureReason;
  parameter?: string;
  /** Set when v1 answered something more specific than the reason's generic error (4807, 4424 …). */
  legacy?: LegacyError;
  detail: string;
  /**
   * The proxy translates the call live; only its archived form cannot be converted offline (a download, or an
   * upload whose bytes are not archived). Convert and report count it as translated, not unsupported.
   */
  offline?: true;
}

export const isRefusal = (x: unknown): x is { refusal: ActionRefusal } => typeof x === 'object' && x !== null && 'refusal' in x;

const refuse = (parameter: string, detail: string): { refusal: ActionRefusal } => ({
  refusal: { reason: 'bad-parameter', parameter, detail },
});

const NUMERIC_ID = /^\d{1,25}$/;

/** One v2 request of an action, as journaled before it is sent. */
export interface V2ActionRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
}

/** The v2 paths of the actions (PROTOCOL-READS §11–§13), spelled once for the proxy and the converter. */
export const ACTION_PATHS = {
  /** A related list of a parent record, or one relation in it (`…/{list}/{childId}`). */
  related: (parent: string, parentId: string, list: string, childId?: string): string =>
    `/crm/v2/${parent}/${parentId}/${list}${childId === undefined ? '' : `/${childId}`}`,
  /** A lead's conversion. */
  convert: (leadId: string): string => `/crm/v2/Leads/${leadId}/actions/convert`,
  /** A record's attachments, or one of them. */
  attachments: (module: string, recordId: string, attachmentId?: string): string =>
    `/crm/v2/${module}/${recordId}/Attachments${attachmentId === undefined ? '' : `/${attachmentId}`}`,
  /** A record's photo. */
  photo: (module: string, recordId: string): string => `/crm/v2/${module}/${recordId}/photo`,
};

/* ------------------------------------------------------------------ deleteRecords */

/**
 * `id` (one record) or `idlist` (`a;b;c`, as TJ and MC send it): each a numeric id, else 4600 naming the
 * parameter and nothing is sent. v1 answered success for any numeric id (§7.1), so unknown ids are not an error.
 */
export function planDelete(call: LegacyCall, module: ModuleMeta): { idsText: string; ids: string[]; requests: V2ActionRequest[] } | { refusal: ActionRefusal } {
  const id = call.params.id?.trim();
  const idlist = call.params.idlist?.trim();
  let ids: string[];
  let idsText: string;
  if (id !== undefined && id !== '') {
    if (!NUMERIC_ID.test(id)) return refuse('id', `deleteRecords id is not numeric`);
    ids = [id];
    idsText = id;
  } else if (idlist !== undefined && idlist !== '') {
    ids = idlist.split(/[;,]/).map((s) => s.trim()).filter((s) => s !== '');
    if (ids.length === 0 || ids.some((x) => !NUMERIC_ID.test(x))) return refuse('idlist', 'deleteRecords idlist holds a non-numeric id');
    idsText = idlist;
  } else {
    return refuse('id', 'deleteRecords without id or idlist');
  }
  const unique = [...new Set(ids)];
  const requests: V2ActionRequest[] = [];
  for (let i = 0; i < unique.length; i += MAX_IDS_PER_CALL) {
    // v2 runs delete workflows by default; v1 ran none (§7.1, §16 #23).
    requests.push({ method: 'DELETE', path: `/crm/v2/${module.apiName}`, query: { ids: unique.slice(i, i + MAX_IDS_PER_CALL).join(','), wf_trigger: 'false' } });
  }
  return { idsText, ids: unique, requests };
}

/** Per-id failures of v2 DELETE answers (journaled; v1 still answered success, §16 #22), and whether any was a permission refusal. */
export function deleteFailures(bodies: unknown[]): { failed: { id: string; code: string }[]; noPermission: boolean } {
  const failed: { id: string; code: string }[] = [];
  let noPermission = false;
  for (const body of bodies) {
    const top = v2CodeOf(body);
    if (top === 'NO_PERMISSION' || top === 'AUTHORIZATION_FAILED') noPermission = true;
    for (const entry of dataEntries(body)) {
      const code = entryCode(entry);
      if (code === 'SUCCESS') continue;
      if (code === 'NO_PERMISSION' || code === 'AUTHORIZATION_FAILED') noPermission = true;
      failed.push({ id: entryId(entry), code });
    }
  }
  return { failed, noPermission };
}

/** The v1 answer of a delete (§7.1): code 5000 with the ids as the client gave them. */
export function deleteAnswer(idsText: string): LegacyActionResult {
  return { kind: 'deleted', ids: idsText };
}

/* ------------------------------------------------------------------ related records */

/** v1 junction field names (lower-case internal names) → v2 api_names (§11.2). */
const JUNCTION_FIELDS: Record<string, string> = { member_status: 'Member_Status', list_price: 'list_price', contact_role: 'Contact_Role' };

/**
 * The pairs v1's updateRelatedRecords supported (D:updaterelatedrecords): Campaigns ↔ Leads, Contacts; Products ↔
 * Leads, Accounts, Contacts, Potentials, PriceBooks — either side in the URL (v2 api_names).
 */
const RELATED_UPDATE_PAIRS: [string, string][] = [
  ['Campaigns', 'Leads'],
  ['Campaigns', 'Contacts'],
  ['Products', 'Leads'],
  ['Products', 'Accounts'],
  ['Products', 'Contacts'],
  ['Products', 'Deals'],
  ['Products', 'Price_Books'],
];

/** True when v1's updateRelatedRecords supported relating `related` records to a `parent` record. */
export function isRelatedUpdatePair(parent: ModuleMeta, related: ModuleMeta): boolean {
  return RELATED_UPDATE_PAIRS.some(([a, b]) => (a === parent.apiName && b === related.apiName) || (b === parent.apiName && a === related.apiName));
}

/** The related list of `parent` holding `child` records, from v2 related-list metadata. */
export function relatedListFor(lists: readonly RelatedListDef[], child: ModuleMeta): RelatedListDef | undefined {
  return lists.find((l) => l.module === child.apiName) ?? lists.find((l) => l.api_name === child.apiName);
}

/**
 * updateRelatedRecords rows → `{"data":[{"id","Member_Status"…}]}`. Each row names the related record by the
 * related module's id pseudo-field (`CONTACTID`, `LEADID` …, or `Id`); junction fields by their v1 internal
 * names. At most 100 rows (§11.2).
 */
export function planRelatedUpdate(
  parent: ModuleMeta,
  parentId: string,
  related: ModuleMeta,
  list: RelatedListDef,
  rows: LegacyRow[],
): { ids: string[]; request: V2ActionRequest; ignored: string[] } | { refusal: ActionRefusal } {
  if (rows.length > MAX_IDS_PER_CALL) return refuse('xmlData', `more than ${MAX_IDS_PER_CALL} rows`);
  const idLabels = new Set([...selfIdLabels(related), 'Id', 'ID', 'id']);
  const data: Record<string, unknown>[] = [];
  const ids: string[] = [];
  const ignored = new Set<string>();
  for (const row of rows) {
    let id: string | undefined;
    const record: Record<string, unknown> = {};
    for (const f of row.fields) {
      if (typeof f.value !== 'string') {
        ignored.add(f.label);
        continue;
      }
      if (idLabels.has(f.label)) id = f.value.trim();
      else if (JUNCTION_FIELDS[f.label.toLowerCase()] && (list.junctionFields ?? [JUNCTION_FIELDS[f.label.toLowerCase()]]).includes(JUNCTION_FIELDS[f.label.toLowerCase()])) {
        record[JUNCTION_FIELDS[f.label.toLowerCase()]] = f.value;
      } else ignored.add(f.label);
    }
    if (id === undefined || !NUMERIC_ID.test(id)) return refuse('xmlData', `row ${row.no} names no ${related.apiName} record id`);
    ids.push(id);
    data.push({ id, ...record });
  }
  if (data.length === 0) return refuse('xmlData', 'no rows');
  return {
    ids,
    request: { method: 'PUT', path: ACTION_PATHS.related(parent.apiName, parentId, list.api_name), body: { data } },
    ignored: [...ignored],
  };
}

/** v2 PUT answers + the ids that were related before → added vs updated ids (§11.2: v2 does not say which). */
export function relatedUpdateAnswer(body: unknown, ids: string[], before: ReadonlySet<string>): LegacyActionResult | { error: LegacyError; detail: string } {
  const entries = dataEntries(body);
  const added: string[] = [];
  const updated: string[] = [];
  const failed: string[] = [];
  ids.forEach((id, i) => {
    const code = entryCode(entries[i]);
    if (code === 'SUCCESS') (before.has(id) ? updated : added).push(id);
    else failed.push(`${id}: ${code || 'no answer'}`);
  });
  if (added.length === 0 && updated.length === 0) {
    const top = v2CodeOf(body);
    if (top === 'NO_PERMISSION' || top === 'AUTHORIZATION_FAILED') return { error: legacyErrors.noPermission('update'), detail: top };
    return { error: legacyErrors.badParameter('xmlData'), detail: failed.join('; ') || (top ?? 'no relation updated') };
  }
  return { kind: 'related-updated', addedIds: added, updatedIds: updated };
}

/* ------------------------------------------------------------------ convertLead */

/** The options of convertLead's first row (§12), booleans as v1 spelled them. */
export interface ConvertOptions {
  createPotential: boolean;
  assignTo?: string;
  notifyLeadOwner: boolean;
  notifyNewEntityOwner: boolean;
}

/** Labels of convertLead's potential row that name a Deals field by another label (§12: `Potential Stage` → `Stage`). */
const CONVERT_LABEL_ALIASES: Record<string, string> = { 'Potential Stage': 'Stage' };

/** Labels of the potential row that belong to the convert body, not to the Deal (§12). */
const CONVERT_SPECIAL = new Set(['ACCOUNTID', 'CONTACTID', 'OVERWRITE', 'Contact Role']);

/** An `assignTo` v2 can be given: an e-mail (resolved through the users list) or a user id. */
const ASSIGN_TO = /^(?:[^\s@]+@[^\s@]+|\d{1,25})$/;

/**
 * Splits convertLead's xmlData: the options row (`<option val>`), the potential row's special FLs
 * (ACCOUNTID, CONTACTID, OVERWRITE; `Contact Role` has no v2 slot and is dropped) and the potential's fields,
 * which the caller plans as a Potentials insert.
 *
 * Checked like the write side's parameters (legacy/params.ts): the boolean options `createPotential`,
 * `notifyLeadOwner`, `notifyNewEntityOwner` and the row-2 FL `OVERWRITE` take `true`/`false` in any case;
 * `assignTo` an e-mail or a user id; `ACCOUNTID`/`CONTACTID` numeric ids. Anything else answers 4600 naming the
 * option (v1's exact answer is not recorded: naming the option tells the client which value is wrong
 * [choice]). An empty value counts as absent unless `emptyIsAbsent` is false. Unknown options are ignored.
 */
export function splitConvertRows(rows: LegacyRow[], options: { emptyIsAbsent?: boolean } = {}): {
  options: ConvertOptions;
  accountId?: string;
  contactId?: string;
  overwrite: boolean;
  potential?: LegacyRow;
  dropped: string[];
} | { refusal: ActionRefusal } {
  const emptyIsAbsent = options.emptyIsAbsent ?? true;
  const opts: ConvertOptions = { createPotential: false, notifyLeadOwner: false, notifyNewEntityOwner: false };
  const first = rows[0];
  const optionFields = first ? first.fields.filter((f) => f.option) : [];
  for (const f of optionFields) {
    const value = typeof f.value === 'string' ? f.value.trim() : '';
    const name = f.label;
    if (name !== 'assignTo' && name !== 'createPotential' && name !== 'notifyLeadOwner' && name !== 'notifyNewEntityOwner') continue;
    if (value === '' && emptyIsAbsent) continue;
    if (name === 'assignTo') {
      if (!ASSIGN_TO.test(value)) return refuse('assignTo', 'convertLead option assignTo is neither an e-mail nor a user id');
      opts.assignTo = value;
      continue;
    }
    const flag = readV1Boolean(value);
    if (flag === undefined) return refuse(name, `convertLead option ${name} is not true or false`);
    opts[name] = flag;
  }
  // The potential row: the second row, or a first row that carries FLs (some clients send one row).
  const potentialRow = rows.length > 1 ? rows[1] : first && first.fields.some((f) => !f.option) ? first : undefined;
  let accountId: string | undefined;
  let contactId: string | undefined;
  let overwrite = false;
  const dropped: string[] = [];
  const fields: LegacyField[] = [];
  for (const f of potentialRow?.fields ?? []) {
    if (f.option) continue;
    const value = typeof f.value === 'string' ? f.value.trim() : '';
    if (f.label === 'ACCOUNTID') {
      if (value !== '' && !NUMERIC_ID.test(value)) return refuse('xmlData', 'ACCOUNTID is not numeric');
      if (value !== '') accountId = value;
    } else if (f.label === 'CONTACTID') {
      if (value !== '' && !NUMERIC_ID.test(value)) return refuse('xmlData', 'CONTACTID is not numeric');
      if (value !== '') contactId = value;
    } else if (f.label === 'OVERWRITE') {
      if (value === '' && emptyIsAbsent) continue;
      const flag = readV1Boolean(value);
      if (flag === undefined) return refuse('OVERWRITE', 'convertLead OVERWRITE is not true or false');
      overwrite = flag;
    } else if (CONVERT_SPECIAL.has(f.label)) {
      dropped.push(f.label);
    } else fields.push(CONVERT_LABEL_ALIASES[f.label] ? { ...f, label: CONVERT_LABEL_ALIASES[f.label] } : f);
  }
  const potential = opts.createPotential && fields.length > 0 ? { no: potentialRow!.no, fields } : undefined;
  return { options: opts, accountId, contactId, overwrite, potential, dropped };
}

/** The convert body (§12) from the split rows, the resolved owner and the planned Deal record. */
export function convertBody(
  split: { options: ConvertOptions; accountId?: string; contactId?: string; overwrite: boolean },
  assignToUserId: string | undefined,
  deal: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    overwrite: split.overwrite,
    notify_lead_owner: split.options.notifyLeadOwner,
    notify_new_entity_owner: split.options.notifyNewEntityOwner,
  };
  if (split.accountId !== undefined) entry.Accounts = split.accountId;
  if (split.contactId !== undefined) entry.Contacts = split.contactId;
  if (assignToUserId !== undefined) entry.assign_to = assignToUserId;
  if (deal !== undefined) entry.Deals = deal;
  return { data: [entry] };
}

/** The v2 convert answer → the unwrapped v1 `<success>` (§12), or why it failed. */
export function convertAnswer(status: number, body: unknown): LegacyActionResult | { error: LegacyError; detail: string } {
  const entry = asObject(dataArray(body)?.[0]) ?? {};
  // v2 answers ids as strings; some versions wrap them as {"id"} objects.
  const idOf = (v: unknown): string | undefined => asText(v) || asText(asObject(v)?.id) || undefined;
  const contactId = idOf(entry.Contacts);
  if (status < 300 && contactId !== undefined) {
    return { kind: 'converted', contactId, potentialId: idOf(entry.Deals), accountId: idOf(entry.Accounts) };
  }
  const code = v2CodeOf(body) ?? entryCode(entry);
  if (code === 'NO_PERMISSION' || code === 'AUTHORIZATION_FAILED') return { error: CONVERT_NO_PERMISSION, detail: code };
  // An unknown, deleted or already converted lead: the same 4600 "leadId" (§12 [choice]).
  return { error: legacyErrors.badParameter('leadId'), detail: `${status} ${code ?? ''}`.trim() };
}

/** 4487, D:convertlead. */
export const CONVERT_NO_PERMISSION: LegacyError = { code: '4487', message: 'No permission to convert lead.' };

/* ------------------------------------------------------------------ files and photos */

/** v1's file errors (docs/PROTOCOL.md §5 table). */
export const FILE_ERRORS = {
  tooLarge: (): LegacyError => ({ code: '4807', message: 'Exceeded file size limit' }),
  badType: (): LegacyError => ({ code: '4424', message: 'Invalid File Type' }),
};

/** Methods whose body carries a file: a body over the proxy's limit is their file being too big. */
const FILE_METHODS = new Set(['uploadfile', 'uploadphoto']);

/**
 * The v1 error for a request body over the proxy's body limit (`limits.maxBodyBytes`; 21 MB for uploads), which
 * the proxy answers without reading the call: the method's own error — uploadFile / uploadPhoto (any case) 4807
 * `Exceeded file size limit` (docs/PROTOCOL.md §5: what v1 answered a file over its limit); every other method 4600
 * naming `xmlData`, the parameter that makes a v1 body big.
 */
export function oversizeBodyError(method: string): LegacyError {
  return FILE_METHODS.has(method.toLowerCase()) ? FILE_ERRORS.tooLarge() : legacyErrors.badParameter('xmlData');
}

/** A numeric `id` parameter (record or attachment id), else the 4600 refusal. */
export function numericParam(call: LegacyCall, name: string): string | { refusal: ActionRefusal } {
  const v = call.params[name.toLowerCase()]?.trim();
  if (v === undefined || v === '' || !NUMERIC_ID.test(v)) return refuse(name, `${name} is missing or not numeric`);
  return v;
}

/** Image types v2 accepts for a record photo (PNG, JPEG, GIF, BMP). */
export function isPhotoType(contentType: string, fileName: string): boolean {
  return /^image\/(png|jpe?g|gif|bmp)$/i.test(contentType) || /\.(png|jpe?g|gif|bmp)$/i.test(fileName);
}
