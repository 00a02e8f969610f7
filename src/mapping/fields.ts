/**
 * Label → v2 target (docs/PROTOCOL.md §7). v1 names fields by display label; this decides, for one `<FL val>` of
 * one module, what it becomes in v2. Resolution order:
 *   1. pseudo-fields (SMOWNERID, `{Module} Owner`, `{MODULE}ID`, `Id`, ACCOUNTID…, SEID/SEMODULE, entityId,
 *      read-only system labels);
 *   2. per-module overrides from MappingOptions.labelOverrides (an operator's word beats every heuristic);
 *   3. the per-module lists of §7 (`Title|Designation`, `Potential Name` …) and labels §7 calls unsupported;
 *   4. an exact field_label of the metadata;
 *   5. the label given as an api_name exactly (an extension), or with spaces → `_`;
 *   6. with `labelMatching: 'case-insensitive'`: the label compared case- and whitespace-insensitively (by
 *      default such a label is unknown with `caseOf`, as v1 ignored labels that did not match exactly);
 *   7. otherwise unknown (dropped, warned, traced).
 * The field found is then classified by its metadata: read-only, computed, line items, owner-like, lookup, plain.
 */
import { isModuleOwnerLabel, isModulePrefixedLabel, MODULE_LABEL_LISTS, selfIdLabels, UNSUPPORTED_LABELS } from './modules.js';
import { LINE_ITEM_FIELDS } from '../v2/modules.js';
import type { FieldMeta, ModuleMeta } from './types.js';

/** The v1 row code of a version=4 update row with an unknown id: 4425 (observed, the default) or 401.2. */
export const UNKNOWN_ID_ROW_CODES = ['4425', '401.2'] as const;
export type UnknownIdRowCode = (typeof UNKNOWN_ID_ROW_CODES)[number];

export interface MappingOptions {
  /** v1 label → api_name overrides per v2 module api_name. Default: none. */
  labelOverrides?: Record<string, Record<string, string>>;
  /** wfTrigger=true → ["workflow","approval","blueprint"] (Zoho comparison page) instead of ["workflow"]. Default false. */
  fullTriggerOnWorkflow?: boolean;
  /** version=4 update row with unknown id: '4425' (default) or '401.2'. */
  unknownIdRowCode?: UnknownIdRowCode;
  /** A boolean/enumerated write parameter with an empty value counts as absent (true) or answers 4600 (false). @default true */
  emptyParameterIsAbsent?: boolean;
  /**
   * How an FL label is compared with the field labels of the metadata: `exact` (v1 ignored labels that did not
   * match exactly; such a label is dropped with a `label-case` warning) or `case-insensitive` (case and
   * whitespace ignored). @default DEFAULT_LABEL_MATCHING
   */
  labelMatching?: LabelMatching;
}

export type LabelMatching = 'exact' | 'case-insensitive';

/**
 * The default label comparison (issue 16 item 7): `exact`, as v1 matched labels. It became the default together with
 * the v1 read methods (getRecords, getFields), from which clients learn the exact labels; some send `last_name`-style
 * names until they have, and `case-insensitive` keeps those working.
 */
export const DEFAULT_LABEL_MATCHING: LabelMatching = 'exact';

export type FieldTarget =
  /** A plain field, coerced by data_type. */
  | { kind: 'field'; field: FieldMeta }
  /** Owner-like (ownerlookup/userlookup): an id, or an e-mail/name to resolve (`{Module} Owner`, Handler). */
  | { kind: 'owner'; field: FieldMeta }
  /** A lookup given by its name twin (`Account Name`): resolved by name, never created. */
  | { kind: 'lookup-name'; field: FieldMeta }
  /** A lookup given by id (ACCOUNTID, CONTACTID, SMOWNERID …): `{"id"}`, beats its name twin. */
  | { kind: 'lookup-id'; field: FieldMeta }
  /** `{MODULE}ID` of the module itself: ignored (the `id` param / `Id` FL decides). */
  | { kind: 'self-id' }
  /** `Id`, exact case: the record id of a version=4 update row. */
  | { kind: 'row-id' }
  /** SEID / RELATEDTOID → What_Id. */
  | { kind: 'se-id'; field: FieldMeta }
  /** SEMODULE → `$se_module`. */
  | { kind: 'se-module' }
  /** Notes entityId → Parent_Id + se_module. */
  | { kind: 'note-parent' }
  /** Product Details → line items of this subform field. */
  | { kind: 'line-items'; field: FieldMeta }
  | { kind: 'read-only'; apiName?: string }
  | { kind: 'computed'; apiName?: string }
  | { kind: 'unsupported'; reason: string }
  /** No field. `caseOf`: the field label it matches but for case or whitespace (dropped under exact matching). */
  | { kind: 'unknown'; caseOf?: string };

/** System labels v1 clients echo back from reads: never writable. */
const READ_ONLY_PSEUDO = new Set(['SMCREATORID', 'MODIFIEDBY', 'Created By', 'Modified By', 'Created Time', 'Modified Time']);

/** Lookup pseudo-ids → candidate v2 fields, first present wins (§7). */
const LOOKUP_ID_PSEUDO: Record<string, string[]> = {
  ACCOUNTID: ['Account_Name'],
  CONTACTID: ['Who_Id', 'Contact_Name'],
  POTENTIALID: ['Deal_Name'],
  VENDORID: ['Vendor_Name'],
  CAMPAIGNID: ['Campaign_Source'],
  PRODUCTID: ['Product_Name'],
  QUOTEID: ['Quote_Name'],
  SALESORDERID: ['Sales_Order'],
  PARENTACCOUNTID: ['Parent_Account'],
  WHOID: ['Related_To', 'Who_Id'],
};

/** Names of the inventory line-item subform across v2 versions (§7). */

/** Read-only by name whatever the metadata says (§7). */
const READ_ONLY_NAMES = new Set(['Full_Name', 'Created_Time', 'Modified_Time', 'Created_By', 'Modified_By', 'Last_Activity_Time', 'Tag']);

/** Data types the bridge cannot write from a v1 string. */
const UNWRITABLE_TYPES = new Set([
  'profileimage', 'fileupload', 'imageupload', 'event_reminder', 'ALARM', 'RRULE', 'consent_lookup', 'layout',
  'multiselectlookup', 'multiuserlookup',
]);

const fold = (s: string): string => s.replace(/\s+/g, '').toLowerCase();

interface LabelIndex {
  exact: Map<string, FieldMeta>;
  folded: Map<string, FieldMeta>;
  apiLower: Map<string, FieldMeta>;
  selfIds: Set<string>;
}

const indexes = new WeakMap<ModuleMeta, LabelIndex>();

function indexOf(module: ModuleMeta): LabelIndex {
  let idx = indexes.get(module);
  if (!idx) {
    idx = { exact: new Map(), folded: new Map(), apiLower: new Map(), selfIds: new Set(selfIdLabels(module)) };
    for (const f of module.fields) {
      if (!idx.exact.has(f.label)) idx.exact.set(f.label, f);
      if (!idx.folded.has(fold(f.label))) idx.folded.set(fold(f.label), f);
      idx.apiLower.set(f.apiName.toLowerCase(), f);
    }
    indexes.set(module, idx);
  }
  return idx;
}

/** The line-item subform field of an inventory module, whatever this org's v2 version calls it. */
export function lineItemField(module: ModuleMeta): FieldMeta | undefined {
  return module.fields.find((f) => LINE_ITEM_FIELDS.has(f.apiName));
}

function findField(module: ModuleMeta, label: string, options?: MappingOptions): FieldMeta | { caseOf: string } | undefined | 'unsupported' {
  const override = options?.labelOverrides?.[module.apiName]?.[label];
  if (override !== undefined) return module.fieldsByApiName.get(override);
  const listed = MODULE_LABEL_LISTS[module.apiName]?.[label];
  if (listed !== undefined && module.fieldsByApiName.has(listed)) return module.fieldsByApiName.get(listed);
  if (UNSUPPORTED_LABELS[module.apiName]?.[label]) return 'unsupported';
  const idx = indexOf(module);
  if (label === 'Product Details') {
    const items = lineItemField(module);
    if (items) return items;
  }
  // Custom modules: `CustomModuleN Name` (or `{Singular} Name`) → Name.
  if (module.fieldsByApiName.has('Name') && isModulePrefixedLabel(module, label, 'Name')) {
    return module.fieldsByApiName.get('Name');
  }
  const underscored = label.trim().replace(/\s+/g, '_');
  // An exact v2 api_name (`First_Name`) is accepted as an extension; §7 step 4: the label with spaces → `_` names
  // the api_name (`Skype ID` → Skype_ID). Both case-sensitively.
  const exact = idx.exact.get(label) ?? module.fieldsByApiName.get(label) ?? module.fieldsByApiName.get(underscored);
  if (exact) return exact;
  const loose = idx.folded.get(fold(label)) ?? idx.apiLower.get(underscored.toLowerCase());
  if (!loose) return undefined;
  return (options?.labelMatching ?? DEFAULT_LABEL_MATCHING) === 'case-insensitive' ? loose : { caseOf: loose.label };
}

/** Memo of resolveLabel per module and options object: every row of a call repeats the same labels. */
const labelMemo = new WeakMap<ModuleMeta, WeakMap<MappingOptions, Map<string, FieldTarget>>>();
const NO_OPTIONS: MappingOptions = {};
/** Labels remembered per module and options; beyond this, labels (junk from a client) are resolved uncached. */
const LABEL_MEMO_SIZE = 2000;

/** What one FL label of `module` maps to. Pure; memoised per ModuleMeta (targets are never mutated). */
export function resolveLabel(module: ModuleMeta, label: string, options?: MappingOptions): FieldTarget {
  let byOptions = labelMemo.get(module);
  if (!byOptions) labelMemo.set(module, (byOptions = new WeakMap()));
  const key = options ?? NO_OPTIONS;
  let memo = byOptions.get(key);
  if (!memo) byOptions.set(key, (memo = new Map()));
  let target = memo.get(label);
  if (target === undefined) {
    target = resolveLabelUncached(module, label, options);
    if (memo.size < LABEL_MEMO_SIZE) memo.set(label, target);
  }
  return target;
}

function resolveLabelUncached(module: ModuleMeta, label: string, options?: MappingOptions): FieldTarget {
  // 1. pseudo-fields
  if (label === 'Id') return { kind: 'row-id' };
  const idx = indexOf(module);
  if (idx.selfIds.has(label)) return { kind: 'self-id' };
  if (READ_ONLY_PSEUDO.has(label)) return { kind: 'read-only' };
  if (label === 'SMOWNERID') {
    const owner = module.fieldsByApiName.get('Owner');
    return owner ? { kind: 'lookup-id', field: owner } : { kind: 'unsupported', reason: `${module.apiName} has no Owner field` };
  }
  if (isModuleOwnerLabel(module, label) && !options?.labelOverrides?.[module.apiName]?.[label]) {
    const owner = module.fieldsByApiName.get('Owner');
    return owner ? { kind: 'owner', field: owner } : { kind: 'unsupported', reason: `${module.apiName} has no Owner field` };
  }
  if (label === 'SEID' || label === 'RELATEDTOID') {
    const what = module.fieldsByApiName.get('What_Id');
    return what ? { kind: 'se-id', field: what } : { kind: 'unsupported', reason: `${module.apiName} has no What_Id field` };
  }
  if (label === 'SEMODULE') {
    return module.fieldsByApiName.has('What_Id') ? { kind: 'se-module' } : { kind: 'unsupported', reason: `${module.apiName} has no What_Id field` };
  }
  if (label === 'entityId' && module.apiName === 'Notes') return { kind: 'note-parent' };
  const candidates = LOOKUP_ID_PSEUDO[label];
  if (candidates) {
    for (const api of candidates) {
      const field = module.fieldsByApiName.get(api);
      if (field) return { kind: 'lookup-id', field };
    }
    return { kind: 'unsupported', reason: `${label} has no v2 field in ${module.apiName}` };
  }
  // 2.–6. the field
  const found = findField(module, label, options);
  if (found === 'unsupported') return { kind: 'unsupported', reason: UNSUPPORTED_LABELS[module.apiName][label] };
  if (!found) return { kind: 'unknown' };
  if ('caseOf' in found) return { kind: 'unknown', caseOf: found.caseOf };
  return classifyField(found);
}

/** What a field of the metadata accepts from v1. */
export function classifyField(field: FieldMeta): FieldTarget {
  if (field.dataType === 'formula' || field.dataType === 'autonumber') return { kind: 'computed', apiName: field.apiName };
  if (field.readOnly || READ_ONLY_NAMES.has(field.apiName) || field.apiName.startsWith('$')) {
    return { kind: 'read-only', apiName: field.apiName };
  }
  if (field.dataType === 'subform' || field.dataType === 'lineitem') {
    return LINE_ITEM_FIELDS.has(field.apiName)
      ? { kind: 'line-items', field }
      : { kind: 'unsupported', reason: `${field.apiName} (${field.dataType}) has no v1 form` };
  }
  if (UNWRITABLE_TYPES.has(field.dataType)) {
    return { kind: 'unsupported', reason: `${field.apiName} has data_type ${field.dataType}` };
  }
  if (field.dataType === 'ownerlookup' || field.dataType === 'userlookup') return { kind: 'owner', field };
  if (field.dataType === 'lookup') {
    return { kind: 'lookup-name', field };
  }
  return { kind: 'field', field };
}

/* ------------------------------------------------------------------ line items (§7 Product Details) */

export type LineItemTarget =
  | { kind: 'product-id' }
  | { kind: 'product-name' }
  | { kind: 'number'; key: string }
  | { kind: 'discount' }
  | { kind: 'text'; key: string }
  /** The per-line tax amount: matched to an org tax (`line_tax`). */
  | { kind: 'tax' }
  | { kind: 'computed' }
  | { kind: 'unknown' };

const LINE_ITEM_LABELS: Record<string, LineItemTarget> = {
  'Product Id': { kind: 'product-id' },
  'Product ID': { kind: 'product-id' },
  'Product Name': { kind: 'product-name' },
  Quantity: { kind: 'number', key: 'quantity' },
  'List Price': { kind: 'number', key: 'list_price' },
  'Unit Price': { kind: 'number', key: 'unit_price' },
  Discount: { kind: 'discount' },
  'Product Description': { kind: 'text', key: 'product_description' },
  Total: { kind: 'computed' },
  'Total After Discount': { kind: 'computed' },
  'Net Total': { kind: 'computed' },
  'Quantity in Stock': { kind: 'computed' },
  Tax: { kind: 'tax' },
};

export function resolveLineItemLabel(label: string): LineItemTarget {
  return LINE_ITEM_LABELS[label] ?? { kind: 'unknown' };
}
