/**
 * Plain typed records of the v1 wire protocol. These (and nothing HTTP- or XML-specific) cross from
 * src/legacy into src/mapping and back.
 */
import type { LegacyActionResult } from './action-response.js';
import type { LegacyError } from './errors.js';
import type { LegacyReadResult } from './read-types.js';

/** v1 considered only the first 100 rows of an xmlData document (docs/PROTOCOL.md §1). */
export const MAX_ROWS_PER_CALL = 100;

export type LegacyFormat = 'xml' | 'json';

/** One HTTP request of an old integration, whatever shape it arrived in (docs/PROTOCOL.md §2). */
export interface LegacyCall {
  /** From the path's format segment; anything other than "json" is xml. */
  format: LegacyFormat;
  /** Module segment exactly as given (case preserved; v1 was case-sensitive). */
  module: string;
  /** Method segment exactly as given ("insertRecords", "getRecords", …). */
  method: string;
  /** Request path without host or query: echoed as the response `uri`. */
  path: string;
  /**
   * Every parameter after merging all sources, keyed by lower-cased name (`newformat`, `duplicatecheck`,
   * `wftrigger`, `xmldata` …). Values are raw strings after exactly one form-decoding pass.
   */
  params: Record<string, string>;
  /** The xmlData parameter (or XML body), undecoded beyond the single form-decoding pass. */
  xmlData?: string;
  /** The authtoken parameter. Secret: never log or journal it (use a fingerprint). */
  authtoken?: string;
  /**
   * The body provably ended before it was complete (a JSON object or multipart body without its end): its
   * Content-Length was short, so the rest of it may still be on the connection. The proxy answers with
   * `Connection: close` and drops the connection after the answer.
   */
  bodyCutShort?: boolean;
  /** File parts of a multipart body (uploadFile's `content`, uploadPhoto's), bytes not copied out of the body. */
  files?: LegacyFilePart[];
}

/** One file part of a multipart request. */
export interface LegacyFilePart {
  /** The form field name (`content`). */
  field: string;
  /** The part's `filename`. */
  fileName: string;
  /** The part's Content-Type. @default 'application/octet-stream' */
  contentType: string;
  /** A view into the request body (no copy). */
  bytes: Buffer;
}

/** One `<product no="N">` of a "Product Details" FL. */
export interface LegacyProductRow {
  no: string;
  fields: LegacyField[];
}

/** One `<FL val="Label">`, in document order. Values are never coerced: text stays text. */
export interface LegacyField {
  label: string;
  value: string | LegacyProductRow[];
  /** An `<option val="…">` (convertLead's options row), not an `<FL>`. */
  option?: true;
}

/** One `<row no="N">`. `no` is echoed verbatim in version=4 answers (missing = 1-based position). */
export interface LegacyRow {
  no: string;
  fields: LegacyField[];
}

export interface ParsedXmlData {
  /** The root element name as sent (not checked against the URL module). */
  root: string;
  /** At most 100 rows (v1 ignored the rest). */
  rows: LegacyRow[];
  /** Rows beyond the first 100, dropped. */
  droppedRows: number;
}

/** The 5 FL of a record summary, already formatted for v1 (times `yyyy-MM-dd HH:mm:ss`, user's zone). */
export interface LegacyRecordDetails {
  id: string;
  createdTime: string;
  modifiedTime: string;
  createdBy: string;
  modifiedBy: string;
}

export const LEGACY_MESSAGES = {
  added: 'Record(s) added successfully',
  updated: 'Record(s) updated successfully',
  exists: 'Record(s) already exists',
} as const;
export type LegacySuccessMessage = (typeof LEGACY_MESSAGES)[keyof typeof LEGACY_MESSAGES];

/** version=4 row codes: 2000 added, 2001 updated, 2002 already exists. */
export type LegacyRowSuccessCode = '2000' | '2001' | '2002';

export type LegacyRowResult =
  | { no: string; success: { code: LegacyRowSuccessCode; details: LegacyRecordDetails } }
  | { no: string; error: LegacyError };

/** What a legacy call answers, independent of XML or JSON rendering. */
export type LegacyResult =
  /** Default version: `<result><message>…</message><recorddetail>…</recorddetail>…</result>`. */
  | { kind: 'success'; message: LegacySuccessMessage; records: LegacyRecordDetails[] }
  /** version=4: `<result><row no="…"><success>|<error>…</row>…</result>`. */
  | { kind: 'rows'; rows: LegacyRowResult[] }
  /** Top-level `<error><code/><message/></error>`. */
  | { kind: 'error'; error: LegacyError }
  /** `<nodata><code/><message/></nodata>`. */
  | { kind: 'nodata'; error: LegacyError }
  /** deleteRecords, convertLead, related records, files: legacy/action-response.ts. */
  | LegacyActionResult
  /** Rows, field lists, modules, users of the read methods (legacy/read-types.ts). */
  | LegacyReadResult;
