/**
 * Plain typed answers of the v1 read and metadata methods (PROTOCOL-READS.md §3, §6.2, §8–§10), independent of
 * XML or JSON. mapping/ builds them from v2 answers; legacy/read-response renders them byte for byte. Every value is
 * already v1 text: nothing here formats dates, numbers or labels.
 */
import type { LegacyError } from './errors.js';

/** One `<FL val="…">` of a record row. */
export interface V1Field {
  /** The v1 label or pseudo-field (`LEADID`, `SMOWNERID`, `Lead Owner`, `Last Name`). */
  label: string;
  /** v1 text (`null` for an empty field under newFormat=2), or the products of `Product Details`. */
  value: string | V1Product[];
  /** True for the id pseudo-fields v1 printed as raw text; every other value is CDATA (§3.1). */
  raw?: boolean;
}

/** One `<product no="N">` inside `Product Details` (§3.6). */
export interface V1Product {
  no: string;
  fields: V1Field[];
}

/** One `<row>`: `no` is given by position when rendered (restarts at 1 in every answer, §16 #1). */
export interface V1Row {
  fields: V1Field[];
}

/** One `<FL>` of a getFields `<section>` (§8.2), attribute values already as v1 printed them. */
export interface V1FieldDescription {
  req: boolean;
  /** v1 type name: `Text`, `Pick List`, `Lookup`, `OwnerLookup`, `Currency` … */
  type: string;
  isreadonly: boolean;
  maxlength: string;
  /** Currency fields: symbol + `0.00`. */
  fval?: string;
  /** The original (API) label. */
  label: string;
  /** The displayed label. */
  dv: string;
  customfield: boolean;
  /** Boolean fields only: the checkbox default. */
  enabled?: boolean;
  /** Picklist values (`<val>` children), in layout order. */
  values?: string[];
}

export interface V1Section {
  /** Internal (English) section name. */
  name: string;
  /** Displayed section name. */
  dv: string;
  fields: V1FieldDescription[];
}

/** One `<row>` of Info/getModules (§9). */
export interface V1ModuleRow {
  id: string;
  /** Plural label. */
  pl: string;
  /** Singular label. */
  sl: string;
  /** 1 = built-in, 4 = custom. */
  gt: string;
  /** The v1 module name (element text): `Potentials`, `CustomModule1`. */
  name: string;
}

/** One `<user>` of Users/getUsers (§10); unset attributes are the text `null`. */
export interface V1User {
  id: string;
  email: string;
  role: string;
  profile: string;
  status: string;
  confirm: string;
  zuid: string;
  timezone: string;
  language: string;
  mobile: string;
  phone: string;
  fax: string;
  website: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  /** Element text: the full name. */
  name: string;
}

/** What a read method answers besides the shared `error` / `nodata` kinds of LegacyResult. */
export type LegacyReadResult =
  /** `<response uri><result><{Module}><row no>…` (§3). `rows` is never empty: no rows is nodata. */
  | { kind: 'records'; module: string; rows: V1Row[] }
  /** getFields: `<{Module}><section>…` with no `<response>` wrapper (§8.2). */
  | { kind: 'fields'; module: string; sections: V1Section[] }
  /** Info/getModules (§9). */
  | { kind: 'modules'; modules: V1ModuleRow[] }
  /** Users/getUsers: `<users><user …>` with no wrapper; no users → `<users><nodata>` (§10). */
  | { kind: 'users'; users: V1User[] }
  /** searchRecords / getSearchRecords errors: hand-built JSON (`uri` first, numeric code), normal XML (§6.2). */
  | { kind: 'search-error'; error: LegacyError };

export const READ_RESULT_KINDS: ReadonlySet<string> = new Set(['records', 'fields', 'modules', 'users', 'search-error']);
