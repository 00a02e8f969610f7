/**
 * LegacyCall + parsed xmlData → V2Plan (docs/PROTOCOL.md §1, §7, §8). Pure and synchronous: whatever needs the
 * network (owner e-mails, Notes parents, lookups by name) is listed by resolutionRequests() and passed in,
 * resolved, as PlanContext.resolutions. Bad data never throws: it becomes V2Plan.error or a row error.
 */
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import { readWriteParams } from '../legacy/params.js';
import { MAX_ROWS_PER_CALL, type LegacyCall, type LegacyField, type LegacyProductRow, type LegacyRow, type ParsedXmlData } from '../legacy/types.js';
import { MAX_RECORDS_PER_WRITE } from '../v2/modules.js';
import { lineItemField, resolveLabel, resolveLineItemLabel, type FieldTarget, type MappingOptions } from './fields.js';
import { v1Label } from './modules.js';
import {
  APPROVAL_MODULES,
  duplicateCheckField,
  hasNoUpsert,
  INVENTORY_MODULES,
  mandatoryFields,
  type Schema,
} from './schema.js';
import { lineTaxForAmount, mergeLineItems, type OrgTax } from './line-items.js';
import type { FieldMeta, FieldTrace, MappingWarning, ModuleMeta, PlannedRow, V2Plan, V2Record, V2Request } from './types.js';
import { convertDecimal, convertValue, isEmailLike, isIdLike } from './values.js';

export type { MappingOptions } from './fields.js';

/** v1 read only the first 100 rows (§1); v2 caps `data` at 100 records too (src/v2/modules.ts MAX_RECORDS_PER_WRITE). */
export const MAX_ROWS = MAX_ROWS_PER_CALL;

/** What the caller must resolve asynchronously BEFORE planning (keeps planning pure and synchronous). */
export interface ResolutionRequests {
  /** E-mails or names from `{Module} Owner` / Handler that are not ids. */
  owners: string[];
  /** Notes `entityId` values. */
  noteParents: string[];
  /** Lookups given by name only (`Account Name` without `ACCOUNTID`; line-item `Product Name`). */
  lookupNames: { field: string; module: string; value: string }[];
  /** Ids of records being updated with line items: their current lines are merged with the sent ones. */
  currentRecords: string[];
  /** True when a line item carries a `Tax` amount: the org's taxes are needed. */
  taxes: boolean;
  /** True when an update empties the owner: the API user's id is needed. */
  apiUser: boolean;
  /** v2 module api_name of `currentRecords`. */
  module?: string;
}

export interface Resolutions {
  /** Owner value → user id (undefined: no such user). */
  owners?: Map<string, string | undefined>;
  /** Notes entityId → module api_name of that record (undefined: not found). */
  noteParents?: Map<string, string | undefined>;
  /**
   * lookupKey(module, value) → the one matching record id, or why there is none. `fail` (lookup policy
   * "error"): the row fails with 4832 naming the field instead of being sent without the lookup.
   */
  lookupNames?: Map<string, { id?: string; reason?: string; fail?: boolean }>;
  /** Record id → the record as GET returned it (undefined: not found). */
  currentRecords?: Map<string, V2Record | undefined>;
  /** The org's taxes (GET /crm/v2/org/taxes). */
  taxes?: OrgTax[];
  /** The API (authtoken's) user's id. */
  apiUserId?: string;
}

export interface PlanContext {
  schema: Schema;
  /** IANA zone of the API user: v1 datetimes are wall-clock times in it. */
  timeZone: string;
  options?: MappingOptions;
  resolutions?: Resolutions;
}

/** Key of Resolutions.lookupNames. */
export function lookupKey(module: string, value: string): string {
  return `${module}\u0000${value}`;
}

const EXAMPLE_MAX = 40;
const example = (v: string): string => (v.length > EXAMPLE_MAX ? `${v.slice(0, EXAMPLE_MAX)}…` : v);

/* ------------------------------------------------------------------ row analysis shared by both passes */

interface EffectiveField {
  field: LegacyField;
  target: FieldTarget;
  /** False for an earlier occurrence of a repeated label (the last one wins). */
  last: boolean;
}

function analyseRow(module: ModuleMeta, row: LegacyRow, options?: MappingOptions): EffectiveField[] {
  const lastIndex = new Map<string, number>();
  row.fields.forEach((f, i) => lastIndex.set(f.label, i));
  return row.fields.map((field, i) => ({
    field,
    target: resolveLabel(module, field.label, options),
    last: lastIndex.get(field.label) === i,
  }));
}

const textOf = (f: LegacyField): string => (typeof f.value === 'string' ? f.value.trim() : '');

/** api_names that a non-empty id pseudo-field sets in this row (they beat their name twins). */
function idTwins(fields: EffectiveField[]): Set<string> {
  const set = new Set<string>();
  for (const e of fields) {
    if (e.last && (e.target.kind === 'lookup-id' || e.target.kind === 'se-id') && textOf(e.field) !== '') {
      set.add(e.target.field.apiName);
    }
  }
  return set;
}

/**
 * Everything the rows need resolved before planCall (deduplicated, in first-seen order). `call` (method and
 * parameters) tells updates from inserts: updates with line items need the record's current lines.
 */
export function resolutionRequests(
  module: ModuleMeta,
  rows: LegacyRow[],
  _schema: Schema,
  options?: MappingOptions,
  call?: Pick<LegacyCall, 'method' | 'params'>,
): ResolutionRequests {
  const owners = new Set<string>();
  const noteParents = new Set<string>();
  const lookups = new Map<string, { field: string; module: string; value: string }>();
  const currentRecords = new Set<string>();
  let taxes = false;
  let apiUser = false;
  const items = lineItemField(module);
  const isUpdate = call?.method === 'updateRecords';
  const version4 = (call?.params.version ?? '').trim() === '4';
  const counted = isUpdate && !version4 ? rows.slice(0, 1) : rows.slice(0, MAX_ROWS);
  for (const row of counted) {
    const fields = analyseRow(module, row, options);
    const twins = idTwins(fields);
    let rowHasLines = false;
    let rowId: string | undefined;
    for (const e of fields) {
      if (!e.last) continue;
      const value = textOf(e.field);
      const t = e.target;
      if (t.kind === 'row-id') rowId = value;
      // The literal `null` (newFormat) names nothing to look up.
      if (value === 'null') {
        if (isUpdate && (t.kind === 'owner' || (t.kind === 'lookup-id' && t.field.apiName === 'Owner'))) apiUser = true;
        continue;
      }
      if (t.kind === 'owner' && isEmailLike(value) && !twins.has(t.field.apiName)) owners.add(value);
      else if (isUpdate && value === '' && (t.kind === 'owner' || (t.kind === 'lookup-id' && t.field.apiName === 'Owner'))) apiUser = true;
      else if (t.kind === 'note-parent' && value !== '') noteParents.add(value);
      else if (t.kind === 'lookup-name' && value !== '' && !twins.has(t.field.apiName) && isResolvableLookup(t.field)) {
        const target = t.field.lookupModule as string;
        lookups.set(lookupKey(target, value), { field: t.field.apiName, module: target, value });
      } else if (t.kind === 'line-items' && Array.isArray(e.field.value) && items) {
        rowHasLines = e.field.value.length > 0;
        for (const product of e.field.value) {
          const name = productNameNeedingLookup(product);
          if (name !== undefined) lookups.set(lookupKey('Products', name), { field: items.apiName, module: 'Products', value: name });
          if (product.fields.some((f) => resolveLineItemLabel(f.label).kind === 'tax' && !isZeroOrEmpty(textOf(f)))) taxes = true;
        }
      }
    }
    if (rowHasLines && isUpdate) {
      const id = version4 ? rowId : (call?.params.id ?? '').trim();
      if (id !== undefined && isIdLike(id)) currentRecords.add(id);
    }
  }
  return {
    owners: [...owners],
    noteParents: [...noteParents],
    lookupNames: [...lookups.values()],
    currentRecords: [...currentRecords],
    taxes,
    apiUser,
    module: module.apiName,
  };
}

/** A line-item Tax that asks for no tax: empty, `null`, or zero. */
const isZeroOrEmpty = (v: string): boolean => v === '' || v === 'null' || /^0+(\.0+)?$/.test(v);

const isResolvableLookup = (f: FieldMeta): boolean => !!f.lookupModule && f.lookupModule !== 'se_module';

/** A line item's `Product Name` when it has no usable `Product Id` (last label wins). */
function productNameNeedingLookup(product: LegacyProductRow): string | undefined {
  let id: string | undefined;
  let name: string | undefined;
  for (const f of product.fields) {
    const t = resolveLineItemLabel(f.label);
    if (t.kind === 'product-id') id = textOf(f);
    else if (t.kind === 'product-name') name = textOf(f);
  }
  if (id !== undefined && isIdLike(id)) return undefined;
  return name && name !== 'null' ? name : undefined;
}

/* ------------------------------------------------------------------ planning one row */

type Mode = 'insert' | 'upsert' | 'update' | 'update4';

interface RowContext {
  module: ModuleMeta;
  ctx: PlanContext;
  mode: Mode;
  version4: boolean;
  /** Send null for empty values (updates; newFormat=2 inserts). */
  emptyAsNull: boolean;
  /** newFormat=2: the literal text `null` is sent as JSON null; otherwise such a field is left out. */
  newFormat2: boolean;
  /** The record a default-version update names (`id` parameter). */
  updateId?: string;
}

interface RowPlan extends PlannedRow {
  /** The `Id` FL of the row, raw (version=4 updates). */
  rowId?: string;
}

/**
 * One row being planned: the record under construction (api_name → value, with priority: an id pseudo-field (2)
 * beats its name twin (1); equal priority: last wins), the label each api_name was sent as, warnings, trace, and
 * the deferred pseudo-fields (SEID/SEMODULE, entityId) that are resolved after every field was seen.
 */
class RowBuilder {
  readonly out: RowPlan;
  readonly record = new Map<string, { value: unknown; priority: number }>();
  readonly sentLabel = new Map<string, string>();
  seId: { value: string; label: string } | undefined;
  seModule: string | undefined;
  entityId: string | undefined;
  /** Product Details, planned after every field was seen (an update merges them; its `Id` may come later). */
  lines: { api: string; label: string; items: PlannedLine[] } | undefined;

  constructor(
    readonly row: LegacyRow,
    index: number,
    readonly rc: RowContext,
    /** api_names set by a non-empty id pseudo-field in this row. */
    readonly twins: ReadonlySet<string>,
  ) {
    this.out = { no: row.no, index, warnings: [], trace: [] };
  }

  warn(kind: MappingWarning['kind'], message: string, label?: string): void {
    this.out.warnings.push({ kind, row: this.row.no, ...(label !== undefined ? { label } : {}), message });
  }

  /** The row's first error wins. `reason`: value-free, for logs, journals and convert outputs. */
  fail(error: LegacyError, label: string, reason?: string): void {
    if (!this.out.error) {
      this.out.error = error;
      this.out.errorLabel = label;
      if (reason !== undefined) this.out.errorReason = reason;
    }
  }

  wrongValue(label: string, reason?: string): void {
    this.fail(legacyErrors.wrongValue(label), label, reason);
  }

  failMandatory(label: string): void {
    this.fail(this.rc.version4 ? legacyErrors.rowMandatoryMissing(label) : legacyErrors.mandatoryMissing(), label);
  }

  put(api: string, value: unknown, priority: number, label: string): void {
    const prev = this.record.get(api);
    if (prev && prev.priority > priority) return;
    this.record.set(api, { value, priority });
    this.sentLabel.set(api, label);
  }

  get isUpdate(): boolean {
    return this.rc.mode === 'update' || this.rc.mode === 'update4';
  }

  /** An emptied owner on update: back to the API user (v2 has no owner-less records). */
  resetOwner(label: string): void {
    const id = this.rc.ctx.resolutions?.apiUserId;
    if (id) this.put('Owner', { id }, 2, label);
    else this.warn('unresolved-owner', `${label} emptied: the API user is not known offline; owner left as it is`, label);
  }

  /** An empty value: `null` when empties are sent (updates, newFormat=2), else only remembered as sent. */
  empty(api: string, label: string, priority = 1): void {
    if (this.rc.emptyAsNull) this.put(api, null, priority, label);
    else this.sentLabel.set(api, this.sentLabel.get(api) ?? label);
  }
}

/** One FL of the row as a handler sees it. */
interface FieldInput {
  label: string;
  raw: LegacyField['value'];
  /** The trimmed text ('' for product rows, and for the literal `null` under newFormat=2). */
  value: string;
  /** The literal `null` under newFormat=2: send JSON null. */
  nullLiteral: boolean;
  /** Empty means JSON null here (updates, newFormat=2, the literal `null` under newFormat=2). */
  asNull: boolean;
  trace(outcome: FieldTrace['outcome'], apiName?: string): void;
}

type TargetOf<K extends FieldTarget['kind']> = Extract<FieldTarget, { kind: K }>;
type TargetHandlers = { [K in FieldTarget['kind']]: (b: RowBuilder, f: FieldInput, t: TargetOf<K>) => void };

/** One small function per target kind of a label (mapping/fields.ts FieldTarget). */
const TARGET_HANDLERS: TargetHandlers = {
  'row-id': (b, f) => {
    b.out.rowId = f.value;
    f.trace('pseudo', 'id');
  },
  'self-id': (_b, f) => f.trace('pseudo', 'id'),
  'read-only': (b, f, t) => {
    f.trace('read-only', t.apiName);
    b.warn('read-only-dropped', `${f.label} is read-only in v2: dropped`, f.label);
  },
  computed: (b, f, t) => {
    f.trace('computed', t.apiName);
    b.warn('computed-dropped', `${f.label} is computed by v2: dropped`, f.label);
  },
  unsupported: (b, f, t) => {
    f.trace('unknown');
    b.warn('unsupported-field', `${f.label}: ${t.reason}; dropped`, f.label);
  },
  unknown: (b, f, t) => {
    f.trace('unknown');
    if (t.caseOf !== undefined) {
      return b.warn(
        'label-case',
        `${f.label} matches the field label "${t.caseOf}" only when case or spacing is ignored: dropped, as v1 matched labels exactly (compat.labelMatching: case-insensitive accepts it)`,
        f.label,
      );
    }
    b.warn('unknown-label', `${f.label} is not a field of ${b.rc.module.apiName}: dropped`, f.label);
  },
  field: (b, f, t) => {
    const api = t.field.apiName;
    if (f.value === '' && t.field.dataType === 'boolean' && !f.nullLiteral) {
      // An empty check box is false (issue 16 item 2), on insert and update alike.
      f.trace('mapped', api);
      return b.put(api, false, 1, f.label);
    }
    if (f.value === '') {
      f.trace('empty', api);
      return f.asNull ? b.put(api, null, 1, f.label) : b.empty(api, f.label);
    }
    const c = convertValue(t.field, f.value, b.rc.ctx.timeZone);
    if (!c.ok && c.drop) {
      f.trace('invalid', api);
      return b.warn('value-dropped', `${f.label} "${example(f.value)}" is not a ${t.field.dataType} value: left out, the row is sent without it`, f.label);
    }
    if (!c.ok) {
      f.trace('invalid', api);
      return b.wrongValue(f.label, c.reason);
    }
    f.trace('mapped', api);
    b.put(api, c.value, 1, f.label);
  },
  'lookup-id': (b, f, t) => {
    const api = t.field.apiName;
    if (f.value === '') {
      f.trace('empty', api);
      if (api !== 'Owner') {
        if (f.asNull) b.put(api, null, 2, f.label);
        else b.empty(api, f.label, 2);
      } else if (b.isUpdate && f.asNull) b.resetOwner(f.label);
      return;
    }
    if (!isIdLike(f.value)) {
      f.trace('invalid', api);
      return b.wrongValue(f.label);
    }
    f.trace('pseudo', api);
    b.put(api, { id: f.value }, 2, f.label);
  },
  owner: (b, f, t) => {
    const api = t.field.apiName;
    if (f.value === '' || b.twins.has(api)) {
      f.trace(f.value === '' ? 'empty' : 'overridden', api);
      if (f.value === '' && b.isUpdate && f.asNull && !b.twins.has(api)) {
        if (api === 'Owner') b.resetOwner(f.label);
        else b.put(api, null, 1, f.label);
      }
      return;
    }
    if (!isIdLike(f.value) && !isEmailLike(f.value)) {
      // v1 docs (seeds 001/004): only an id or an e-mail selects a user; a name is ignored.
      f.trace('pseudo');
      return b.warn(
        'unresolved-owner',
        `${f.label} "${example(f.value)}" is neither a user id nor an e-mail: ignored as v1 did${api === 'Owner' ? ', the API user owns the record' : ''}`,
        f.label,
      );
    }
    const id = isIdLike(f.value) ? f.value : b.rc.ctx.resolutions?.owners?.get(f.value);
    if (id === undefined) {
      f.trace('pseudo');
      return b.warn(
        'unresolved-owner',
        `${f.label} "${example(f.value)}" is not a user id or the e-mail of a user: omitted, the API user owns the record`,
        f.label,
      );
    }
    f.trace('pseudo', api);
    b.put(api, { id }, 1, f.label);
  },
  'lookup-name': (b, f, t) => {
    const api = t.field.apiName;
    if (b.twins.has(api)) return f.trace('overridden', api);
    if (f.value === '') {
      f.trace('empty', api);
      return f.asNull ? b.put(api, null, 1, f.label) : b.empty(api, f.label);
    }
    const resolvable = isResolvableLookup(t.field);
    const resolved = resolvable ? b.rc.ctx.resolutions?.lookupNames?.get(lookupKey(t.field.lookupModule as string, f.value)) : undefined;
    if (!resolved?.id && resolved?.fail) {
      f.trace('invalid', api);
      return b.wrongValue(f.label);
    }
    if (!resolved?.id) {
      f.trace('pseudo');
      const why = resolved?.reason ?? (resolvable ? 'not resolved' : 'the target module is unknown');
      return b.warn('unresolved-lookup', `${f.label} "${example(f.value)}" given by name only (${why}): dropped`, f.label);
    }
    f.trace('pseudo', api);
    b.put(api, { id: resolved.id }, 1, f.label);
  },
  'se-id': (b, f) => {
    if (f.value === '') {
      f.trace('empty', 'What_Id');
      // Unlinking (a calendar sync's empty SEID/SEMODULE): What_Id null clears the link, like any emptied field.
      if (f.asNull) b.put('What_Id', null, 2, f.label);
      return;
    }
    if (!isIdLike(f.value)) {
      f.trace('invalid', 'What_Id');
      return b.wrongValue(f.label);
    }
    f.trace('pseudo', 'What_Id');
    b.seId = { value: f.value, label: f.label };
  },
  'se-module': (b, f) => {
    f.trace(f.value === '' ? 'empty' : 'pseudo', '$se_module');
    b.seModule = f.value;
    // SEMODULE emptied without a SEID: unlink too. Next to a non-empty SEID the link stays (applyWhatId warns).
    if (f.value === '' && f.asNull && !b.twins.has('What_Id')) b.put('What_Id', null, 1, f.label);
  },
  'note-parent': (b, f) => {
    f.trace('pseudo', 'Parent_Id');
    b.entityId = f.value;
  },
  'line-items': (b, f, t) => {
    const api = t.field.apiName;
    if (typeof f.raw === 'string') {
      if (f.value === '') {
        f.trace('empty', api);
        b.empty(api, f.label);
      } else {
        f.trace('invalid', api);
        b.wrongValue(f.label);
      }
      return;
    }
    if (f.nullLiteral) {
      f.trace('empty', api);
      return b.put(api, null, 1, f.label);
    }
    f.trace('mapped', api);
    b.lines = { api, label: f.label, items: planLineItems(f.raw, b.rc.ctx, (kind, message, l) => b.warn(kind, message, l), (l) => b.wrongValue(l)) };
    b.put(api, undefined, 1, f.label); // keeps the field's place in the body
  },
};

function applyField(b: RowBuilder, e: EffectiveField): void {
  const label = e.field.label;
  const raw = e.field.value;
  const value = textOf(e.field);
  const trace = (outcome: FieldTrace['outcome'], apiName?: string): void => {
    b.out.trace.push({
      label,
      ...(apiName !== undefined ? { apiName } : {}),
      outcome,
      ...(typeof raw === 'string' && raw !== '' ? { example: example(value) } : Array.isArray(raw) ? { example: `${raw.length} product(s)` } : {}),
    });
  };
  if (!e.last) return trace('overridden');
  // The literal `null` (getRecords output replayed, often as CDATA): newFormat=1 or absent leaves the field out,
  // newFormat=2 sends JSON null, i.e. handles it as an emptied value (seeds 001/003/004).
  const nullLiteral = typeof raw === 'string' && value === 'null' && e.target.kind !== 'row-id';
  if (nullLiteral && !b.rc.newFormat2) return trace('empty', 'field' in e.target ? e.target.field.apiName : undefined);
  const handler = TARGET_HANDLERS[e.target.kind] as (b: RowBuilder, f: FieldInput, t: FieldTarget) => void;
  handler(b, { label, raw, value: nullLiteral ? '' : value, nullLiteral, asNull: b.rc.emptyAsNull || nullLiteral, trace }, e.target);
}

/** Product Details once the row's record id is known: merged on update, per-line Tax → line_tax. */
function applyLineItems(b: RowBuilder): void {
  const lines = b.lines;
  if (!lines) return;
  const { mode, updateId, ctx } = b.rc;
  const recordId = mode === 'update' ? updateId : mode === 'update4' ? b.out.rowId : undefined;
  const items = finishLineItems(lines.api, lines.items, recordId, ctx, (kind, message, l) => b.warn(kind, message, l), (l) => b.wrongValue(l));
  if (items.length > 0) b.put(lines.api, items, 1, lines.label);
  else if (b.record.get(lines.api)?.value === undefined) b.record.delete(lines.api);
}

/** SEID + SEMODULE → What_Id and $se_module, once both are known. */
function applyWhatId(b: RowBuilder): void {
  const { seId, seModule } = b;
  if (!seId) return;
  const schema = b.rc.ctx.schema;
  const target = seModule ? (schema.resolveModule(seModule) ?? schema.module(seModule)) : undefined;
  if (target) {
    b.put('What_Id', { id: seId.value }, 2, seId.label);
    b.put('$se_module', target.apiName, 2, 'SEMODULE');
    return;
  }
  b.warn(
    'unresolved-lookup',
    seModule ? `SEMODULE "${example(seModule)}" is not a module: What_Id dropped` : `${seId.label} without SEMODULE: What_Id dropped`,
    seId.label,
  );
}

/** Notes `entityId` → Parent_Id and se_module, with the parent module resolved by the caller (or offline: none). */
function applyNoteParent(b: RowBuilder): void {
  const entityId = b.entityId;
  if (entityId === undefined || entityId === '') return;
  const noteParents = b.rc.ctx.resolutions?.noteParents;
  const parentModule = noteParents?.get(entityId);
  if (!isIdLike(entityId)) b.wrongValue('entityId');
  else if (parentModule) {
    b.put('Parent_Id', entityId, 2, 'entityId');
    b.put('se_module', parentModule, 2, 'entityId');
  } else if (noteParents === undefined) {
    // Offline (converter): nobody could look the parent up. As the converter documents, the unresolved field is
    // left out of the body (a bare Parent_Id without se_module is no valid v2 value); replay resolves it.
    b.warn('unresolved-parent', `entityId ${entityId}: parent module not resolved (offline); Parent_Id left out`, 'entityId');
  } else {
    b.warn('unresolved-parent', `entityId ${entityId}: no record with this id was found`, 'entityId');
  }
}

/** The v2 record of a row without errors, or the mandatory-field error of an insert that lacks one. */
function finishRecord(b: RowBuilder): void {
  const { module, mode, ctx } = b.rc;
  const body: V2Record = {};
  if (mode === 'update4' && b.out.rowId !== undefined && b.out.rowId !== '') body.id = b.out.rowId;
  for (const [api, { value }] of b.record) body[api] = value;
  if (mode === 'insert' || mode === 'upsert') {
    const missing = missingMandatory(module, body, ctx.resolutions?.noteParents === undefined);
    if (missing !== undefined) return b.failMandatory(b.sentLabel.get(missing) ?? v1Label(module, missing));
  }
  b.out.record = body;
}

function planRow(row: LegacyRow, index: number, rc: RowContext): RowPlan {
  const { module, ctx } = rc;
  const fields = analyseRow(module, row, ctx.options);
  const b = new RowBuilder(row, index, rc, idTwins(fields));
  if (row.fields.length === 0) {
    b.failMandatory(v1Label(module, mandatoryFields(module.apiName)[0]));
    return b.out;
  }
  for (const e of fields) applyField(b, e);
  applyLineItems(b);
  applyWhatId(b);
  applyNoteParent(b);
  if (!b.out.error) finishRecord(b);
  return b.out;
}

/** The first mandatory field (§9.7) that the record lacks, when it is a field of this org's module. */
function missingMandatory(module: ModuleMeta, body: V2Record, offline: boolean): string | undefined {
  for (const api of mandatoryFields(module.apiName)) {
    if (api === 'se_module' || (api === 'Parent_Id' && module.apiName === 'Notes')) {
      // Offline, an entityId's parent stays unresolved and is left out (warned): not a missing mandatory value.
      if (!offline && (body[api] === undefined || body[api] === null || body[api] === '')) return api;
      continue;
    }
    if (!module.fieldsByApiName.has(api)) continue;
    const v = body[api];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) return api;
  }
  return undefined;
}

/** One sent line: its v2 item and the v1 per-line Tax amount, when sent. */
interface PlannedLine {
  item: V2Record;
  tax?: string;
}

/**
 * `<product>` rows → v2 line items (§7). Computed columns are dropped with a warning; a column holding the literal
 * `null` counts as not sent (a line's column cannot be cleared).
 */
function planLineItems(
  products: LegacyProductRow[],
  ctx: PlanContext,
  warn: (kind: MappingWarning['kind'], message: string, label?: string) => void,
  wrongValue: (label: string) => void,
): PlannedLine[] {
  const items: PlannedLine[] = [];
  for (const product of products) {
    const item: V2Record = {};
    let tax: string | undefined;
    let productId: string | undefined;
    let productName: string | undefined;
    for (const f of product.fields) {
      const value = textOf(f) === 'null' ? '' : textOf(f);
      const t = resolveLineItemLabel(f.label);
      const label = `Product Details/${f.label}`;
      switch (t.kind) {
        case 'product-id':
          productId = value;
          break;
        case 'product-name':
          productName = value;
          break;
        case 'number': {
          if (value === '') break;
          const n = convertDecimal(value);
          if (n === undefined) wrongValue(f.label);
          else item[t.key] = n;
          break;
        }
        case 'discount': {
          if (value === '') break;
          if (/^\d+(\.\d+)?%$/.test(value)) item.Discount = value;
          else {
            const n = convertDecimal(value);
            if (n === undefined) wrongValue(f.label);
            else item.Discount = n;
          }
          break;
        }
        case 'text':
          if (value !== '') item[t.key] = value;
          break;
        case 'tax':
          tax = value;
          break;
        case 'computed':
          warn('computed-dropped', `${label} is computed by v2: dropped`, f.label);
          break;
        case 'unknown':
          warn('unknown-label', `${label} is not a line-item field: dropped`, f.label);
          break;
      }
    }
    let id = productId !== undefined && isIdLike(productId) ? productId : undefined;
    const byName = !id && productName ? ctx.resolutions?.lookupNames?.get(lookupKey('Products', productName)) : undefined;
    if (byName?.id) id = byName.id;
    if (!id && byName?.fail) {
      wrongValue('Product Name');
      continue;
    }
    if (!id) {
      warn('unresolved-lookup', `Product Details row ${product.no}: no valid Product Id and no unique Product Name: line item dropped`, 'Product Id');
      continue;
    }
    items.push({ item: { product: { id }, ...item }, ...(tax !== undefined ? { tax } : {}) });
  }
  return items;
}

/**
 * The line items to send (issue 16 item 9). An update merges the sent lines into the record's current lines by
 * product, so quantities and prices the client did not send never change; a per-line `Tax` amount becomes the
 * `line_tax` of the org tax that gives it, or the row fails with 4832 naming `Tax`.
 */
function finishLineItems(
  api: string,
  sent: PlannedLine[],
  recordId: string | undefined,
  ctx: PlanContext,
  warn: (kind: MappingWarning['kind'], message: string, label?: string) => void,
  wrongValue: (label: string) => void,
): V2Record[] {
  let lines = sent.map((l) => l.item);
  let taxOf = (i: number): string | undefined => sent[i]?.tax;
  if (recordId !== undefined && sent.length > 0) {
    const currentRecords = ctx.resolutions?.currentRecords;
    const current = currentRecords?.get(recordId);
    const currentLines = current === undefined ? undefined : Array.isArray(current[api]) ? (current[api] as V2Record[]) : [];
    if (currentLines) {
      const merged = mergeLineItems(lines, currentLines);
      lines = merged.lines;
      taxOf = (i) => (merged.sentIndex[i] === undefined ? undefined : sent[merged.sentIndex[i]!]?.tax);
    } else {
      warn(
        'line-items-not-merged',
        currentRecords === undefined
          ? 'Product Details: the record\'s current lines are not known offline; the sent lines replace them'
          : `Product Details: record ${recordId} was not found; the sent lines are sent as they are`,
        'Product Details',
      );
    }
  }
  return lines.map((line, i) => {
    const tax = taxOf(i);
    if (tax === undefined || tax === '') return line;
    // No tax asked and none on the line: nothing to say (an insert replaying getRecords' `Tax 0.0`).
    if (isZeroOrEmpty(tax) && !(Array.isArray(line.line_tax) && line.line_tax.length > 0)) return line;
    const amount = convertDecimal(tax);
    if (amount === undefined) {
      wrongValue('Tax');
      return line;
    }
    const taxes = ctx.resolutions?.taxes;
    if (ctx.resolutions === undefined && Number(amount) !== 0) {
      warn('unresolved-lookup', `Product Details/Tax ${tax}: the org's taxes are not known offline; line_tax left out`, 'Tax');
      return line;
    }
    const lineTax = lineTaxForAmount(line, Number(amount), taxes);
    if (lineTax === undefined) {
      wrongValue('Tax');
      return line;
    }
    return { ...line, line_tax: lineTax };
  });
}

/* ------------------------------------------------------------------ the call */

/** Never throws for bad data: a whole-request problem is V2Plan.error, a row problem that row's error. */
export function planCall(call: LegacyCall, parsed: ParsedXmlData, ctx: PlanContext): V2Plan {
  const params = call.params;
  const isUpdate = call.method === 'updateRecords';
  const checked = readWriteParams(call.method, params, { emptyIsAbsent: ctx.options?.emptyParameterIsAbsent });
  const wp = checked.ok ? checked.params : undefined;
  const version4 = wp?.version === 4;
  const duplicateCheck: 0 | 1 | 2 = isUpdate ? 0 : (wp?.duplicateCheck ?? 0);
  const module = ctx.schema.resolveModule(call.module);
  const plan: V2Plan = {
    operation: isUpdate ? 'update' : 'insert',
    module: module?.apiName ?? call.module,
    legacyModule: call.module,
    legacyMethod: call.method,
    version4,
    duplicateCheck,
    trigger: [],
    rows: [],
    requests: [],
    warnings: [],
  };
  const stop = (error: LegacyError): V2Plan => ({ ...plan, rows: [], requests: [], error });

  if (!module || (call.method !== 'insertRecords' && !isUpdate)) return stop(legacyErrors.generic());
  if (!checked.ok) {
    return { ...stop(checked.error), reason: `parameter ${checked.parameter}: "${example(checked.value)}" is not an accepted value` };
  }

  // trigger (§1): always sent; [] = no automation, as v1 ran none by default.
  const wf = checked.params.wfTrigger;
  const trigger = wf ? (ctx.options?.fullTriggerOnWorkflow ? ['workflow', 'approval', 'blueprint'] : ['workflow']) : [];
  if (checked.params.isApproval && APPROVAL_MODULES.has(module.apiName) && !trigger.includes('approval')) {
    trigger.splice(wf ? 1 : 0, 0, 'approval');
  }

  let rows = parsed.rows;
  const dropped = parsed.droppedRows + Math.max(0, rows.length - MAX_ROWS);
  if (dropped > 0) {
    plan.warnings.push({ kind: 'rows-truncated', message: `only the first ${MAX_ROWS} rows count: ${dropped} row(s) dropped` });
    rows = rows.slice(0, MAX_ROWS);
  }
  if (rows.length === 0) return stop(legacyErrors.badParameter('xmlData'));

  let mode: Mode;
  let updateId: string | undefined;
  if (isUpdate) {
    if (version4) mode = 'update4';
    else {
      mode = 'update';
      updateId = (params.id ?? '').trim();
      if (!isIdLike(updateId)) return stop(legacyErrors.badParameter('id'));
      if (rows.length > 1) {
        plan.warnings.push({ kind: 'other', message: `updateRecords with id: only the first row counts; ${rows.length - 1} row(s) ignored` });
        rows = rows.slice(0, 1);
      }
    }
  } else {
    if (!version4 && rows.length > 1 && INVENTORY_MODULES.has(module.apiName)) return stop(legacyErrors.badParameter('xmlData'));
    mode = duplicateCheck === 2 && !hasNoUpsert(module.apiName) && duplicateCheckField(module.apiName, module.moduleName) ? 'upsert' : 'insert';
    if (!version4 && rows.length > 1) {
      const i = trigger.indexOf('workflow');
      if (i >= 0) trigger.splice(i, 1);
    }
  }
  plan.operation = mode === 'insert' ? 'insert' : mode === 'upsert' ? 'upsert' : 'update';
  plan.trigger = trigger;
  const dupField = duplicateCheck > 0 ? duplicateCheckField(module.apiName, module.moduleName) : undefined;
  if (dupField && !hasNoUpsert(module.apiName)) plan.duplicateCheckField = dupField;

  const newFormat2 = checked.params.newFormat === 2;
  const rc: RowContext = { module, ctx, mode, version4, emptyAsNull: isUpdate || newFormat2, newFormat2, updateId };
  const planned = rows.map((row, i) => planRow(row, i, rc));

  for (const r of planned) {
    if (mode !== 'update4' || r.error) continue;
    if (r.rowId === undefined || r.rowId === '') {
      r.error = legacyErrors.rowInvalidId();
      r.errorLabel = 'Id';
      delete r.record;
    } else if (!isIdLike(r.rowId)) {
      return stop(legacyErrors.internal()); // a non-numeric v4 Id fails the whole request [obs]
    }
  }
  for (const r of planned) {
    if (plan.duplicateCheckField && duplicateCheck === 1 && r.record) {
      const v = r.record[plan.duplicateCheckField];
      if (typeof v === 'string' || typeof v === 'number') r.duplicateCheckValue = String(v);
    }
  }

  plan.rows = planned.map(({ rowId: _rowId, ...rest }) => rest);
  for (const r of plan.rows) plan.warnings.push(...r.warnings);

  // Default version: a local row failure fails the whole call and nothing is sent (no silent partial insert).
  if (!version4) {
    const failed = plan.rows.find((r) => r.error);
    if (failed?.error) return { ...plan, requests: [], error: toDefaultVersionError(failed.error), reason: `${rowFailure(failed)}; nothing was sent` };
  }

  const sendable = plan.rows.filter((r) => r.record);
  for (let start = 0; start < sendable.length; start += MAX_RECORDS_PER_WRITE) {
    const chunk = sendable.slice(start, start + MAX_RECORDS_PER_WRITE);
    const path =
      mode === 'upsert'
        ? `/crm/v2/${module.apiName}/upsert`
        : mode === 'update'
          ? `/crm/v2/${module.apiName}/${updateId}`
          : `/crm/v2/${module.apiName}`;
    const body: V2Request['body'] = { data: chunk.map((r) => r.record as V2Record), trigger: [...trigger] };
    if (mode === 'upsert' && plan.duplicateCheckField) body.duplicate_check_fields = [plan.duplicateCheckField];
    const larId = params.larid?.trim();
    if (larId) body.lar_id = larId;
    plan.requests.push({ method: mode === 'insert' || mode === 'upsert' ? 'POST' : 'PUT', path, body, rows: chunk.map((r) => r.index) });
  }
  return plan;
}

/**
 * Why a row failed locally, value-free (logs, journals): `row 2: Email: not an e-mail address v2 accepts (…)`,
 * else the row's legacy error with the label it names.
 */
export function rowFailure(row: PlannedRow): string {
  const what = row.errorReason ?? `${row.error?.code ?? ''} ${row.error?.message ?? ''}`.trim();
  return `row ${row.no}: ${row.errorReason !== undefined && row.errorLabel ? `${row.errorLabel}: ` : ''}${what}`;
}

/** Row error codes that a resolution may still lift: a mandatory field a lookup by name can fill (4401, 4891). */
const LIFTABLE_CODES = new Set(['4401', '4891']);

/**
 * What an offline plan (planned without resolutions, PlanContext.resolutions undefined) already refuses for
 * certain, before any name is resolved over v2 — where `lookupPolicy: create` writes a record:
 * - `refused`: the whole call — a parameter or request-level error, or (default version) a row whose error no
 *   resolution can lift (a value v2 refuses, a value that does not convert, a bad id). It answers with the first
 *   such row's error: nothing is resolved or sent for the call;
 * - `rows`: version=4 rows failing for certain (indexes into the parsed rows): their names are not resolved.
 * Only a missing mandatory field (4401/4891) may be filled by a lookup resolved later, so it never counts here.
 */
export function settledRefusal(offline: V2Plan): { refused?: V2Plan; rows: Set<number> } {
  const settled = offline.rows.filter((r) => r.error && !LIFTABLE_CODES.has(r.error.code));
  if (offline.error && !offline.rows.some((r) => r.error)) return { refused: offline, rows: new Set() };
  if (!offline.version4 && settled.length > 0) {
    const first = settled[0];
    return {
      refused: { ...offline, requests: [], error: toDefaultVersionError(first.error!), reason: `${rowFailure(first)}; nothing was sent` },
      rows: new Set(),
    };
  }
  // A version=4 request-level failure (a non-numeric Id) has no row error but the plan error: handled above.
  return { rows: new Set(settled.map((r) => r.index)) };
}

/** Row codes that exist only in version=4 answers, as their default-version top-level form. */
function toDefaultVersionError(error: LegacyError): LegacyError {
  if (error.code === '4891') return legacyErrors.mandatoryMissing();
  if (error.code === '4425') return legacyErrors.badParameter('id');
  return error;
}

