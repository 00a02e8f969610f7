/** Counters of a conversion run: all the converter keeps in memory besides the file being read. */
import type { CallFacts } from './output.js';

export interface InputError {
  file: string;
  message: string;
}

interface ModuleCounts {
  calls: number;
  callsFailed: number;
  rows: number;
  ok: number;
  failed: number;
}

export interface ConvertSummary {
  /** Input calls read (payload files, URL lines, journal request entries). */
  calls: number;
  /** Calls that failed as a whole (unreadable, unsupported method, bad xmlData, unknown module …). */
  callsFailed: number;
  /** Rows planned; `ok` rows became v2 records, `failed` rows fail locally. */
  rows: number;
  ok: number;
  failed: number;
  /** v2 requests written. */
  requests: number;
  /** read; skipped = bad (reported in errors); ignored = found in a folder but not an input kind (notes, index.json). */
  files: { read: number; skipped: number; ignored: number };
  warnings: Record<string, number>;
  errorsByCode: Record<string, number>;
  /** Keyed by the v1 module as sent. */
  modules: Record<string, ModuleCounts>;
  /** Bad files and unreadable lines (first 1000). */
  errors: InputError[];
  /** More errors than `errors` holds. */
  errorsOmitted: number;
  /**
   * File names (in the output folder) of every call output this run wrote, in order: what `zbridge replay`
   * reads, so outputs of earlier runs left in the folder are never sent. Only in summary.json.
   */
  outputs?: string[];
}

const MAX_ERRORS = 1000;

export class SummaryCounter {
  readonly summary: ConvertSummary = {
    calls: 0,
    callsFailed: 0,
    rows: 0,
    ok: 0,
    failed: 0,
    requests: 0,
    files: { read: 0, skipped: 0, ignored: 0 },
    warnings: {},
    errorsByCode: {},
    modules: {},
    errors: [],
    errorsOmitted: 0,
  };

  addCall(f: CallFacts): void {
    const s = this.summary;
    s.calls++;
    const m = (s.modules[f.legacyModule || '(unknown)'] ??= { calls: 0, callsFailed: 0, rows: 0, ok: 0, failed: 0 });
    m.calls++;
    const failedRows = f.rows.filter((r) => r.status === 'failed').length;
    s.rows += f.rows.length;
    m.rows += f.rows.length;
    s.ok += f.rows.length - failedRows;
    m.ok += f.rows.length - failedRows;
    s.failed += failedRows;
    m.failed += failedRows;
    s.requests += f.requestCount;
    if (f.error) {
      s.callsFailed++;
      m.callsFailed++;
      s.errorsByCode[f.error.code] = (s.errorsByCode[f.error.code] ?? 0) + 1;
    } else {
      for (const r of f.rows) if (r.error) s.errorsByCode[r.error.code] = (s.errorsByCode[r.error.code] ?? 0) + 1;
    }
    for (const w of f.warnings) s.warnings[w.kind] = (s.warnings[w.kind] ?? 0) + 1;
  }

  addError(file: string, message: string): void {
    if (this.summary.errors.length < MAX_ERRORS) this.summary.errors.push({ file, message });
    else this.summary.errorsOmitted++;
  }

  /** Something failed: a row, a call or an input. */
  get hasFailures(): boolean {
    const s = this.summary;
    return s.failed > 0 || s.callsFailed > 0 || s.errors.length > 0 || s.errorsOmitted > 0;
  }
}
