/**
 * The v2 wire's JSON shapes as zbridge reads and writes them (docs/PROTOCOL.md §9): metadata answers, record
 * bodies, one write request and what it produced. Shared by the v2 client (zoho/), the emulator (sandbox/) and
 * the translation core (mapping/). Pure types: no v1 notion lives here.
 */
import type { FailureReason } from '../errors.js';

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

/** One element of `GET /crm/v2/org/taxes` → `{"taxes":[…],"preference":{…}}`; `value` is the percentage. */
export interface V2TaxJson {
  id?: string;
  name: string;
  display_label?: string;
  value: number;
  sequence_number?: number;
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

/** One element of `GET /crm/v2/settings/layouts?module=M` → `{"layouts":[…]}` (only what getFields reads). */
export interface V2LayoutJson {
  id?: string;
  name?: string;
  visible?: boolean;
  status?: string;
  sections?: {
    name?: string;
    display_label?: string;
    api_name?: string;
    sequence_number?: number;
    fields?: (Partial<V2FieldJson> & { api_name: string; required?: boolean; sequence_number?: number })[];
  }[];
}

/* ------------------------------------------------------------------ records and write requests */

export type V2Operation = 'insert' | 'update' | 'upsert';

/** A plain v2 record body: api_name → JSON value. */
export type V2Record = Record<string, unknown>;

/** One v2 HTTP request of a plan. `rows` = indexes into V2Plan.rows, aligned with body.data. */
export interface V2Request {
  method: 'POST' | 'PUT';
  /** Path under the API domain, e.g. `/crm/v2/Leads`, `/crm/v2/Leads/upsert`, `/crm/v2/Leads/123`. */
  path: string;
  body: { data: V2Record[]; trigger: string[]; duplicate_check_fields?: string[]; lar_id?: string };
  rows: number[];
}

/* ------------------------------------------------------------------ outcomes */

/** What one V2Request produced: an HTTP answer (any status) or a transport failure. */
export type V2Outcome =
  | { kind: 'response'; status: number; body: unknown }
  | { kind: 'failure'; reason: FailureReason; inDoubt: boolean; message: string };

/** A record that already existed (duplicateCheck=1), as GET /crm/v2/{M}/{id} returned it. */
export interface ExistingRecord {
  id: string;
  Created_Time?: string;
  Modified_Time?: string;
  Created_By?: { name?: string; id?: string };
  Modified_By?: { name?: string; id?: string };
  [key: string]: unknown;
}
