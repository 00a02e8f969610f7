/** The migration report as data: what report.json holds and what the HTML, CSV and porting-kit renderers draw from. */

export type FieldStatus =
  | 'mapped'
  | 'pseudo-field'
  | 'unmapped'
  | 'read-only-dropped'
  | 'computed-dropped'
  | 'conversion-failed'
  | 'empty'
  | 'overridden';

export interface FieldRow {
  /** v2 module api_name when known, else the v1 module as sent. */
  module: string;
  label: string;
  apiName?: string;
  status: FieldStatus;
  count: number;
  /** First non-empty value seen; absent when the report was made without examples (`--no-examples`). */
  example?: string;
}

export interface CodeRow {
  code: string;
  message: string;
  /** 'call' = whole-request error, 'row' = a row of a version=4 answer or a row failing locally. */
  level: 'call' | 'row';
  count: number;
}

/**
 * How bad a problem is, in the order "What to fix first" ranks them: data lost without the client knowing
 * (dropped labels, lookups sent without their value, writes in doubt), then calls or rows that failed (the
 * client was told), then warnings.
 */
export type ProblemClass = 'data-loss' | 'failed' | 'warning';

export type ProblemKind =
  | 'in-doubt'
  | 'unmapped-label'
  | 'unresolved-live'
  | 'failing-calls'
  | 'failing-rows'
  | 'unsupported-method'
  | 'dropped-read-only'
  | 'unresolved-offline'
  | 'warning'
  | 'bad-input';

/** Where a problem comes from in one integration: how often, and a few places to look. */
export interface ProblemSource {
  /** Integration id (the `#int-<id>` anchor and the `integrations/<id>/` folder). */
  integration: string;
  count: number;
  /** Up to 5 places: `file`, `file:line` (URL logs) or `file (request <id>)` (journals). */
  locations: string[];
}

export interface FixItem {
  class: ProblemClass;
  kind: ProblemKind;
  /** v2 module (or the v1 module as sent when unknown). */
  module?: string;
  title: string;
  action: string;
  count: number;
  /** What `count` counts; `share` is count / the report's total of that unit. */
  unit: 'rows' | 'calls' | 'inputs';
  /** 0..1; absent for `inputs`. */
  share?: number;
  /** Integrations this comes from, most affected first (at most 20). */
  sources: ProblemSource[];
}

export type IntegrationKind = 'journal' | 'url-log' | 'payload-folder';

export interface MethodUse {
  /** v1 module as sent and the v2 module it maps to (when known). */
  module: string;
  v2Module?: string;
  method: string;
  calls: number;
  failed: number;
  rows: number;
  /** Translated by the bridge (write or read) rather than answered 4600. */
  supported: boolean;
}

export interface RepresentativeRequest {
  /** `Leads-insert`, `Contacts-update` …: one per (v2 module, operation) the integration uses. */
  name: string;
  module: string;
  operation: string;
  method: string;
  path: string;
  /** The v2 body, as the bridge built it (values replaced by `{{api_name}}` placeholders without examples). */
  body: unknown;
  /** Where the call came from. */
  location: string;
}

export interface ConversionFailure {
  module: string;
  label: string;
  apiName?: string;
  dataType?: string;
  count: number;
  example?: string;
  /** What the value must look like (report/porting.ts). */
  rule: string;
}

export interface IntegrationRow {
  /** Stable id: folder name under `integrations/` and HTML anchor `int-<id>`. */
  id: string;
  kind: IntegrationKind;
  /** Human label: `fp:… · user agent · address`, the URL log's token fingerprint, or the payload folder. */
  label: string;
  tokenFingerprint?: string;
  userAgent?: string;
  address?: string;
  /** Files the calls came from (at most 20). */
  files: string[];
  calls: number;
  /** Of `calls`, the v1 read methods (getRecords, getRecordById, searchRecords, getFields …). */
  reads: number;
  failed: number;
  rows: number;
  failedRows: number;
  /** Share of all calls in the report (0..1). */
  share: number;
  firstSeen?: string;
  lastSeen?: string;
  modules: string[];
  methods: MethodUse[];
  /** Indexes into ReportData.fixFirst of the problems this integration has. */
  problems: number[];
  kit: PortingKit;
}

export interface PortingKit {
  /** v1 methods used → their v2 replacement. */
  methods: { module: string; method: string; v2: string; notes: string }[];
  /** v2 module → { v1 label → api_name } for every label that maps. */
  fieldMap: Record<string, Record<string, string>>;
  /** Labels that match no v2 field (their data is dropped), per v2 module. */
  unmappedLabels: Record<string, string[]>;
  requests: RepresentativeRequest[];
  conversionFailures: ConversionFailure[];
  scopes: string[];
}

export interface InDoubtRow {
  id: string;
  ts?: string;
  module: string;
  method: string;
  /**
   * `no-outcome`: request line without outcome; `outcome-in-doubt`: the outcome says a write may have been applied;
   * `created-despite-error`: the call answered an error although v2 created some of its rows (`createdIds`), so a
   * client retry of the whole call duplicates them.
   */
  reason: 'no-outcome' | 'outcome-in-doubt' | 'created-despite-error';
  integration?: string;
  tokenFingerprint?: string;
  /** Journal file the call is in. */
  file?: string;
  /**
   * Per row: the values to look the record up by hand — the duplicate-check field and the record name
   * (api_name → value). Absent when the journal holds no values (`journal.values` hashed/none) or the report
   * was made without examples.
   */
  keys?: { no: string; values: Record<string, string> }[];
  /** Why `keys` is absent, when it is. */
  keysNote?: string;
  createdIds?: string[];
}

export interface ReportData {
  generatedAt: string;
  inputs: string[];
  /** False when made with `--no-examples`: no value from the inputs is in the report. */
  examples: boolean;
  sources: {
    /** Calls read from payload files and URL logs (planned offline). */
    payloadCalls: number;
    urlLogCalls: number;
    /** Calls the proxy journaled (outcome lines plus requests without one). */
    journalCalls: number;
    journalEntries: number;
    files: number;
  };
  totals: {
    calls: number;
    failedCalls: number;
    rows: number;
    failedRows: number;
    inDoubt: number;
    credits: number;
    v2Calls: number;
    integrations: number;
  };
  fixFirst: FixItem[];
  calls: { module: string; method: string; calls: number; failed: number }[];
  fields: FieldRow[];
  conversionFailures: { module: string; label: string; count: number; example?: string; rule: string }[];
  codes: CodeRow[];
  warnings: { kind: string; count: number; example?: string }[];
  unsupportedMethods: { module: string; method: string; count: number; integrations: string[] }[];
  integrations: IntegrationRow[];
  timeline: { granularity: 'minute' | 'hour' | 'day'; buckets: { t: string; calls: number; failed: number }[] };
  inDoubt: { count: number; shown: InDoubtRow[] };
  latency: { count: number; p50?: number; p95?: number; max?: number };
  duplicates: { module: string; field: string; via: string; count: number }[];
  resolutions: { kind: string; module?: string; field?: string; resolved: number; unresolved: number; reasons: Record<string, number> }[];
  inputErrors: { file: string; message: string }[];
}
