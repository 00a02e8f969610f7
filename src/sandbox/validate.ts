/**
 * Field validation by v2 metadata (docs/PROTOCOL.md §9.3, §9.8): JSON types by json_type/data_type, lengths,
 * lookups and owners that must point at something, What_Id with its $se_module, line items. Unknown fields are
 * ignored, as v2 does; read-only fields too. Values are kept as received; lookups become `{name,id}`.
 */
import type { V2FieldJson } from '../v2/types.js';
import { recordError, type V2Error } from '../v2/envelopes.js';
import { v2TextRefusal } from '../v2/value-rules.js';
import type { SandboxMetadata } from './metadata.js';
import { LINE_ITEM_FIELDS } from './rules.js';
import type { RecordStore, StoredRecord } from './store.js';
import { displayName } from './render.js';

export interface ValidationContext {
  metadata: SandboxMetadata;
  store: RecordStore;
  rejectUnknownPicklistValues: boolean;
  /** Generates line-item ids. */
  newLineItemId: () => string;
}

export interface NormalizedRecord {
  values: Record<string, unknown>;
  /** Owner user id when the record set one. */
  ownerId?: string;
}

/** Keys v2 computes itself: never taken from a request. */
const SYSTEM_KEYS = new Set(['id', 'Created_Time', 'Modified_Time', 'Created_By', 'Modified_By', 'Owner', 'Full_Name']);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 date-time as v2 accepts it: seconds required, optional fraction (milliseconds), `Z` or ±hh:mm. */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The id a lookup value names: `{"id":"…"}` or a bare id string. */
export function lookupId(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isPlainObject(value) && typeof value.id === 'string') return value.id;
  return undefined;
}

function validDate(y: string, m: string, d: string): boolean {
  const mo = Number(m);
  const day = Number(d);
  if (mo < 1 || mo > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(Number(y), mo, 0)).getUTCDate();
}

function isReadOnly(field: V2FieldJson): boolean {
  return field.read_only === true || field.data_type === 'autonumber' || field.data_type === 'formula';
}

type Checked = { value: unknown } | { error: V2Error };

/**
 * Validate and normalise the fields of one record (not the mandatory set, not uniqueness).
 * `moduleApi` is the target module; its fields may be unknown to the snapshot, then keys pass through.
 */
export function normalizeRecord(
  ctx: ValidationContext,
  moduleApi: string,
  input: Record<string, unknown>,
): NormalizedRecord | { error: V2Error } {
  const fields = ctx.metadata.fields(moduleApi);
  const values: Record<string, unknown> = {};
  let ownerId: string | undefined;

  if ('Owner' in input && input.Owner !== null) {
    const id = lookupId(input.Owner);
    if (id === undefined || !ctx.metadata.user(id)) return { error: recordError.invalidValue('Owner') };
    ownerId = id;
  }

  if (Array.isArray(input.Participants) && input.Participants.length > 50) return { error: recordError.participantsLimit() };

  for (const [key, value] of Object.entries(input)) {
    if (SYSTEM_KEYS.has(key) || key.startsWith('$')) continue;
    if (!fields) {
      values[key] = value;
      continue;
    }
    const field = fields.get(key);
    if (!field || isReadOnly(field)) continue; // unknown and read-only fields are ignored, as v2 does
    if (value === null) {
      values[key] = null;
      continue;
    }
    const checked = checkValue(ctx, field, value, input);
    if ('error' in checked) return checked;
    values[key] = checked.value;
  }
  // What_Id names its module in $se_module, which is kept beside it.
  if (values.What_Id !== undefined && values.What_Id !== null) values.$se_module = input.$se_module;
  return { values, ownerId };
}

function checkValue(ctx: ValidationContext, field: V2FieldJson, value: unknown, input: Record<string, unknown>): Checked {
  const api = field.api_name;
  const dataType = field.data_type;

  if (LINE_ITEM_FIELDS.has(api) || dataType === 'lineitem') return checkLineItems(ctx, api, value);
  if (dataType === 'lookup') return checkLookup(ctx, field, value, input);
  if (dataType === 'ownerlookup' || dataType === 'userlookup') {
    const id = lookupId(value);
    const user = id === undefined ? undefined : ctx.metadata.user(id);
    if (!user) return { error: recordError.invalidValue(api) };
    return { value: { name: user.fullName, id: user.id } };
  }

  switch (field.json_type) {
    case 'integer':
      return Number.isInteger(value) ? { value } : { error: recordError.invalidType('integer', api) };
    case 'double':
      return typeof value === 'number' && Number.isFinite(value)
        ? { value }
        : { error: recordError.invalidType('double', api) };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { error: recordError.invalidType('boolean', api) };
    case 'jsonarray':
      if (!Array.isArray(value)) return { error: recordError.invalidType('jsonarray', api) };
      if (dataType === 'multiselectpicklist' && value.some((v) => typeof v !== 'string')) {
        return { error: recordError.invalidValue(api) };
      }
      return { value };
    case 'jsonobject':
      return isPlainObject(value) ? { value } : { error: recordError.invalidType('jsonobject', api) };
    case 'string':
      return checkString(ctx, field, value);
    default:
      return { value }; // no json_type (multiselectlookup …): stored as received
  }
}

function checkString(ctx: ValidationContext, field: V2FieldJson, value: unknown): Checked {
  const api = field.api_name;
  if (field.data_type === 'date') {
    const m = typeof value === 'string' ? DATE.exec(value) : null;
    return m && validDate(m[1], m[2], m[3]) ? { value } : { error: recordError.invalidType('date', api) };
  }
  if (field.data_type === 'datetime') {
    const m = typeof value === 'string' ? DATETIME.exec(value) : null;
    const ok =
      m && validDate(m[1], m[2], m[3]) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60 &&
      (m[7] === 'Z' || (Number(m[8]) <= 14 && Number(m[9]) < 60));
    return ok ? { value } : { error: recordError.invalidType('datetime', api) };
  }
  if (typeof value !== 'string') return { error: recordError.invalidType('text', api) };
  // The rules the bridge checks before sending too (one owner: src/v2/value-rules.ts).
  const refusal = v2TextRefusal({ dataType: field.data_type, jsonType: field.json_type, length: field.length }, value);
  if (refusal?.rule === 'maximum_length') return { error: recordError.tooLong(refusal.maximumLength, api) };
  if (refusal) return { error: recordError.invalidValue(api) };
  if (field.data_type === 'picklist' && ctx.rejectUnknownPicklistValues && value !== '') {
    const allowed = (field.pick_list_values ?? []).map((p) => p.actual_value);
    if (allowed.length > 0 && !allowed.includes(value)) return { error: recordError.invalidValue(api) };
  }
  return { value };
}

function checkLookup(ctx: ValidationContext, field: V2FieldJson, value: unknown, input: Record<string, unknown>): Checked {
  const api = field.api_name;
  const id = lookupId(value);
  if (id === undefined) return { error: recordError.invalidValue(api) };
  let target: StoredRecord | undefined;
  const lookupModule = (field.lookup as { module?: string } | undefined)?.module;
  if (lookupModule === 'se_module' || api === 'What_Id') {
    // What_Id needs "$se_module" naming an existing module, and the record must be in it.
    const seModule = typeof input.$se_module === 'string' ? ctx.metadata.module(input.$se_module) : undefined;
    if (!seModule) return { error: recordError.invalidValue(api) };
    target = ctx.store.get(seModule.api_name, id);
  } else if (lookupModule) {
    const module = ctx.metadata.module(lookupModule);
    target = ctx.store.get(module?.api_name ?? lookupModule, id);
  } else {
    target = ctx.store.find(id);
  }
  if (!target) return { error: recordError.invalidValue(api) };
  return { value: { name: displayName(ctx.metadata, target), id: target.id } };
}

/** Line items: an array of objects whose `product` (`{id}` or a bare id) is an existing Products record. */
function checkLineItems(ctx: ValidationContext, api: string, value: unknown): Checked {
  if (!Array.isArray(value)) return { error: recordError.invalidType('jsonarray', api) };
  const items: Record<string, unknown>[] = [];
  for (const item of value) {
    if (!isPlainObject(item)) return { error: recordError.invalidValue(api) };
    const productId = lookupId(item.product);
    if (productId === undefined || !ctx.store.get('Products', productId)) return { error: recordError.invalidValue(api) };
    for (const numeric of ['quantity', 'list_price', 'unit_price']) {
      if (item[numeric] !== undefined && item[numeric] !== null && typeof item[numeric] !== 'number') {
        return { error: recordError.invalidValue(api) };
      }
    }
    if (item.line_tax !== undefined && !Array.isArray(item.line_tax)) return { error: recordError.invalidValue(api) };
    items.push({ ...item, product: { id: productId }, id: ctx.newLineItemId() });
  }
  return { value: items };
}

/** True when the value counts as absent for the mandatory check. */
export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}
