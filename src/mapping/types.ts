/**
 * Types of the translation core (src/mapping): the Schema built from v2 metadata, the V2Plan a legacy call
 * becomes, and the v2 outcomes the plan's requests produced. Pure data: no HTTP, clock or files.
 */
import type { LegacyError } from '../legacy/errors.js';
import type { V2FieldJson, V2ModuleJson, V2Operation, V2Record, V2Request } from '../v2/types.js';

/** The v2 wire types, re-exported for the translation core's users. */
export type { V2FieldJson, V2ModuleJson, V2TaxJson, V2UserJson, V2Operation, V2Record, V2Request, V2Outcome, ExistingRecord } from '../v2/types.js';

/* ------------------------------------------------------------------ schema model */

export interface FieldMeta {
  apiName: string;
  /** v2 field id (digits), when the metadata has one: orders fields v1 had no fixed place for (≈ creation order). */
  id?: string;
  label: string;
  dataType: string;
  jsonType: string | null;
  length: number | null;
  readOnly: boolean;
  /** For lookups: target module api_name ("se_module" for What_Id). */
  lookupModule: string | null;
  pickListValues: string[];
  /** User-defined unique field. */
  unique: boolean;
  custom: boolean;
}

export interface ModuleMeta {
  apiName: string;
  /** v1-era name (`SalesOrders`, `CustomModule1`). */
  moduleName: string;
  singularLabel: string;
  pluralLabel: string;
  fields: FieldMeta[];
  fieldsByApiName: Map<string, FieldMeta>;
}

/* ------------------------------------------------------------------ planning */

export type WarningKind =
  | 'unknown-label'
  | 'read-only-dropped'
  | 'computed-dropped'
  | 'unsupported-field'
  | 'rows-truncated'
  | 'unresolved-owner'
  | 'unresolved-parent'
  | 'unresolved-lookup'
  | 'empty-value'
  /** A value the field cannot take but v1 did not fail the row for (a boolean given `maybe`): left out. */
  | 'value-dropped'
  /** A label that matches a field label only when case or spacing is ignored: dropped (v1 matched exactly). */
  | 'label-case'
  /** Line items of an update not merged with the record's current lines (offline, or the record was not found). */
  | 'line-items-not-merged'
  /** Offline (convert): a value v2 will refuse unless the org differs from the metadata (an unknown owner id). */
  | 'v2-will-reject'
  | 'other';

export interface MappingWarning {
  kind: WarningKind;
  /** Row `no` the warning is about, when it is about one. */
  row?: string;
  label?: string;
  message: string;
}

/** How one FL label was handled: the raw material of migration reports. */
export interface FieldTrace {
  label: string;
  /** v2 api_name it mapped to, when it mapped. */
  apiName?: string;
  outcome: 'mapped' | 'pseudo' | 'unknown' | 'read-only' | 'computed' | 'invalid' | 'empty' | 'overridden';
  /** Short example of the raw value (truncated). Never a secret: xmlData carries none. */
  example?: string;
}

export interface PlannedRow {
  /** Row `no` as sent. */
  no: string;
  /** Index of the row in the parsed payload. */
  index: number;
  /** The v2 record, absent when the row failed locally. */
  record?: V2Record;
  /** Local failure (conversion, missing Id …): the legacy error this row answers with. */
  error?: LegacyError;
  /** The label that caused `error`, when one did. */
  errorLabel?: string;
  /**
   * Why, when `error` is one of v2's value rules checked before sending (src/v2/value-rules.ts): value-free
   * (`not an e-mail address v2 accepts (one address, no spaces)`), for logs, journals and convert outputs.
   */
  errorReason?: string;
  /** Value of the module's duplicate-check field, for duplicateCheck=1 pre-checks. */
  duplicateCheckValue?: string;
  warnings: MappingWarning[];
  trace: FieldTrace[];
}

export interface V2Plan {
  operation: V2Operation;
  /** v2 module api_name. */
  module: string;
  /** What the legacy client called (for journals and reports). */
  legacyModule: string;
  legacyMethod: string;
  version4: boolean;
  duplicateCheck: 0 | 1 | 2;
  /** v2 api_name of the module's duplicate-check field (§9.7), when it has one. */
  duplicateCheckField?: string;
  trigger: string[];
  rows: PlannedRow[];
  /** Batches of at most 100 records; rows that failed locally are not in any request. */
  requests: V2Request[];
  warnings: MappingWarning[];
  /** Whole-request failure decided locally (nothing is sent when set). */
  error?: LegacyError;
  /** Why `error` was decided, for logs and journals (never sent to the client). */
  reason?: string;
}
