/** The migration report as data: what report.json holds and what the HTML and CSV renderers draw from. */

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
  example?: string;
}

export interface CodeRow {
  code: string;
  message: string;
  /** 'call' = whole-request error, 'row' = a row of a version=4 answer or a row failing locally. */
  level: 'call' | 'row';
  count: number;
}

export interface FixItem {
  severity: 'high' | 'medium' | 'low';
  kind: 'failing-calls' | 'in-doubt' | 'unsupported-method' | 'unmapped-label' | 'unresolved' | 'bad-input';
  title: string;
  action: string;
  count: number;
}

export interface IntegrationRow {
  tokenFingerprint?: string;
  userAgent?: string;
  address?: string;
  calls: number;
  failed: number;
  firstSeen?: string;
  lastSeen?: string;
  modules: string[];
}

export interface InDoubtRow {
  id: string;
  ts?: string;
  module: string;
  method: string;
  reason: 'no-outcome' | 'outcome-in-doubt';
  tokenFingerprint?: string;
  createdIds?: string[];
}

export interface ReportData {
  generatedAt: string;
  inputs: string[];
  sources: { payloadCalls: number; journalEntries: number };
  totals: {
    calls: number;
    failedCalls: number;
    rows: number;
    failedRows: number;
    inDoubt: number;
    credits: number;
    v2Calls: number;
  };
  fixFirst: FixItem[];
  calls: { module: string; method: string; calls: number; failed: number }[];
  fields: FieldRow[];
  conversionFailures: { module: string; label: string; count: number; example?: string }[];
  codes: CodeRow[];
  warnings: { kind: string; count: number; example: string }[];
  unsupportedMethods: { module: string; method: string; count: number; integrations: string[] }[];
  integrations: IntegrationRow[];
  timeline: { granularity: 'hour' | 'day'; buckets: { t: string; calls: number; failed: number }[] };
  inDoubt: { count: number; shown: InDoubtRow[] };
  latency: { count: number; p50?: number; p95?: number; max?: number };
  duplicates: { module: string; field: string; via: string; count: number }[];
  resolutions: { kind: string; module?: string; field?: string; resolved: number; unresolved: number; reasons: Record<string, number> }[];
  inputErrors: { file: string; message: string }[];
}
