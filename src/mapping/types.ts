/**
 * Types of the translation core (src/mapping): the Schema built from v2 metadata, the V2Plan a legacy call
 * becomes, and the v2 outcomes the plan's requests produced. Pure data: no HTTP, clock or files.
 */
import type { LegacyError } from '../legacy/errors.js';

/* ------------------------------------------------------------------ raw v2 metadata (wire shapes) */

/** One element of `GET /crm/v2/settings/modules` → `{"modules":[…]}` (only the keys the bridge reads are typed). */
export interface V2ModuleJson {
  api_name: string;
  module_name: string;
  singular_label: string;
  plural_label: string;
  api_supported?: boolean;
  generated_type?: string;
  display_field?: string;
  id?: string;
  [key: string]: unknown;
}

/** One element of `GET /crm/v2/settings/fields?module=M` → `{"fields":[…]}`. */
export interface V2FieldJson {
  api_name: string;
  field_label: string;
  display_label?: string;
  data_type: string;
  json_type?: string | null;
  length?: number | null;
  read_only?: boolean;
  field_read_only?: boolean;
  system_mandatory?: boolean;
  custom_field?: boolean;
  /** `{}` or `{"module":"Accounts","api_name":…,"display_label":…,"id":…}`; `module` is a string in v2.0. */
  lookup?: { module?: string; api_name?: string; display_label?: string; id?: string } | Record<string, never>;
  pick_list_values?: { display_value: string; actual_value: string }[];
  /** `{}` or `{"casesensitive":"0"}`: non-empty = user-defined unique field. */
  unique?: Record<string, string>;
  decimal_place?: number | null;
  [key: string]: unknown;
}

/** One element of `GET /crm/v2/users?type=…` → `{"users":[…]}`. */
export interface V2UserJson {
  id: string;
  full_name: string;
  email: string;
  time_zone?: string;
  status?: string;
  [key: string]: unknown;
}

/* ------------------------------------------------------------------ schema model */

export interface FieldMeta {
  apiName: string;
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

export type V2Operation = 'insert' | 'update' | 'upsert';

/** A plain v2 record body: api_name → JSON value. */
export type V2Record = Record<string, unknown>;

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
  /** Value of the module's duplicate-check field, for duplicateCheck=1 pre-checks. */
  duplicateCheckValue?: string;
  warnings: MappingWarning[];
  trace: FieldTrace[];
}

/** One v2 HTTP request of a plan. `rows` = indexes into V2Plan.rows, aligned with body.data. */
export interface V2Request {
  method: 'POST' | 'PUT';
  /** Path under the API domain, e.g. `/crm/v2/Leads`, `/crm/v2/Leads/upsert`, `/crm/v2/Leads/123`. */
  path: string;
  body: { data: V2Record[]; trigger: string[]; duplicate_check_fields?: string[]; lar_id?: string };
  rows: number[];
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

/* ------------------------------------------------------------------ outcomes */

/** What one V2Request produced: an HTTP answer (any status) or a transport failure. */
export type V2Outcome =
  | { kind: 'response'; status: number; body: unknown }
  | { kind: 'failure'; error: LegacyError; inDoubt: boolean; message: string };

/** A record that already existed (duplicateCheck=1), as GET /crm/v2/{M}/{id} returned it. */
export interface ExistingRecord {
  id: string;
  Created_Time?: string;
  Modified_Time?: string;
  Created_By?: { name?: string; id?: string };
  Modified_By?: { name?: string; id?: string };
  [key: string]: unknown;
}
