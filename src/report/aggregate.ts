/**
 * Folds calls (planned offline from payloads and URL logs, or recorded in proxy journals) into report counters.
 * Keeps only aggregates and bounded samples, so a journal of millions of lines reports in bounded memory.
 */
import type { JournalClient, JournalOutcomeEntry, JournalRequestEntry } from '../journal/types.js';
import type { Translation } from '../convert/core.js';
import { SUPPORTED_METHODS } from '../convert/core.js';
import { allWarnings } from '../convert/output.js';
import type { CodeRow, FieldRow, FieldStatus, FixItem, InDoubtRow, IntegrationRow, ReportData } from './types.js';

export interface AggregateOptions {
  /** In-doubt calls listed individually (all are counted). Default 200. */
  maxInDoubtShown?: number;
  /** Integrations tracked individually; the rest are pooled as "(other)". Default 5000. */
  maxIntegrations?: number;
  /** Latency samples kept for percentiles (reservoir sampling; max stays exact). Default 100000. */
  latencySamples?: number;
}

const TRACE_STATUS: Record<string, FieldStatus> = {
  mapped: 'mapped',
  pseudo: 'pseudo-field',
  unknown: 'unmapped',
  'read-only': 'read-only-dropped',
  computed: 'computed-dropped',
  invalid: 'conversion-failed',
  empty: 'empty',
  overridden: 'overridden',
};

const SUCCESS_ROW = new Set(['2000', '2001', '2002']);
const SEP = '\u0000';

interface TraceLike {
  label: string;
  apiName?: string;
  outcome: string;
  example?: string;
  /** Rows this entry stands for (the proxy folds a call's rows); absent = 1. */
  count?: number;
}
interface WarningLike {
  kind: string;
  label?: string;
  message: string;
}

function integrationKey(c: JournalClient | undefined): string {
  return [c?.tokenFingerprint ?? '', c?.userAgent ?? '', c?.address ?? ''].join(SEP);
}

export class ReportAggregator {
  private readonly opts: Required<AggregateOptions>;
  private payloadCalls = 0;
  private journalEntries = 0;
  private calls = 0;
  private failedCalls = 0;
  private rows = 0;
  private failedRows = 0;
  private credits = 0;
  private v2Calls = 0;
  private readonly byCall = new Map<string, { calls: number; failed: number }>();
  private readonly fields = new Map<string, { count: number; example?: string }>();
  private readonly conversions = new Map<string, { count: number; example?: string }>();
  private readonly codes = new Map<string, number>();
  private readonly warnings = new Map<string, { count: number; example: string }>();
  private readonly unresolvedWarnings = new Map<string, number>();
  private readonly unsupported = new Map<string, { count: number; integrations: Set<string> }>();
  private readonly integrations = new Map<string, IntegrationRow>();
  private readonly hours = new Map<string, { calls: number; failed: number }>();
  /** Journal requests still waiting for their outcome line. */
  private readonly pending = new Map<string, { row: InDoubtRow; client?: JournalClient }>();
  private inDoubtCount = 0;
  private readonly inDoubtShown: InDoubtRow[] = [];
  private latencyCount = 0;
  private latencyMax: number | undefined;
  private readonly latency: number[] = [];
  private readonly duplicates = new Map<string, number>();
  private readonly resolutions = new Map<string, { resolved: number; unresolved: number; reasons: Record<string, number> }>();
  private readonly inputErrors: { file: string; message: string }[] = [];
  private inputErrorCount = 0;
  private seed = 0x2545f491;

  constructor(
    readonly inputs: string[],
    options: AggregateOptions = {},
  ) {
    this.opts = { maxInDoubtShown: 200, maxIntegrations: 5000, latencySamples: 100_000, ...options };
  }

  /* ------------------------------------------------------------ inputs */

  addInputError(file: string, message: string): void {
    this.inputErrorCount++;
    if (this.inputErrors.length < 1000) this.inputErrors.push({ file, message });
  }

  /** A call read from a payload file or URL log and planned offline. */
  addPlanned(module: string, method: string, t: Translation | undefined): void {
    this.payloadCalls++;
    const v2Module = t?.plan?.module ?? module;
    let failedRows = 0;
    for (const row of t?.plan?.rows ?? []) {
      this.addTrace(v2Module, row.trace);
      if (row.error) {
        failedRows++;
        this.count(this.codes, ['row', row.error.code, row.error.message].join(SEP));
      }
    }
    const rowCount = t?.plan?.rows.length ?? t?.parsed?.rows.length ?? 0;
    if (t) for (const w of allWarnings(t)) this.addWarning(v2Module, w);
    const failed = !t || t.error !== undefined || failedRows > 0;
    // Unsupported methods are ranked on their own, not again as failing 4600 calls.
    const unsupported = t?.category === 'unsupported-method' || !SUPPORTED_METHODS.has(method);
    if (t?.error && !unsupported) this.count(this.codes, ['call', t.error.code, t.error.message].join(SEP));
    if (unsupported) this.addUnsupported(module, method, undefined);
    this.addCall(module, method, failed, rowCount, t?.error ? rowCount : failedRows);
  }

  /** One journal line (request or outcome). `replan` turns a request without a trace into a Translation. */
  addJournalEntry(entry: JournalRequestEntry | JournalOutcomeEntry, replan?: (e: JournalRequestEntry) => Translation | undefined): void {
    this.journalEntries++;
    if (entry.type === 'request') {
      const module = entry.plan?.module ?? entry.module;
      if (entry.trace) {
        for (const row of entry.trace) this.addTrace(module, row.fields);
        for (const w of entry.warnings ?? []) this.addWarning(module, w);
      } else if (replan) {
        const t = replan(entry);
        for (const row of t?.plan?.rows ?? []) this.addTrace(t?.plan?.module ?? module, row.trace);
        if (t) for (const w of allWarnings(t)) this.addWarning(t.plan?.module ?? module, w);
      }
      this.pending.set(entry.id, {
        row: {
          id: entry.id,
          ts: entry.ts,
          module: entry.module,
          method: entry.method,
          reason: 'no-outcome',
          tokenFingerprint: entry.client?.tokenFingerprint,
        },
        client: entry.client,
      });
      return;
    }
    this.pending.delete(entry.id);
    const rowErrors = entry.rows.filter((r) => !SUCCESS_ROW.has(r.code));
    for (const r of rowErrors) this.count(this.codes, ['row', r.code, r.message ?? ''].join(SEP));
    const callError = entry.legacy.kind === 'error' || entry.legacy.kind === 'nodata';
    const unsupported = entry.category === 'unsupported-method' || !SUPPORTED_METHODS.has(entry.method);
    if (callError && !unsupported) this.count(this.codes, ['call', entry.legacy.code ?? '?', entry.legacy.message ?? ''].join(SEP));
    const failed = callError || rowErrors.length > 0 || entry.inDoubt === true;
    if (unsupported) {
      this.addUnsupported(entry.module, entry.method, entry.client?.tokenFingerprint);
    }
    for (const c of entry.v2Calls ?? []) {
      this.v2Calls++;
      this.addLatency(c.durationMs);
    }
    this.credits += entry.credits ?? 0;
    for (const d of entry.duplicates ?? []) this.count(this.duplicates, [entry.module, d.field, d.via].join(SEP));
    for (const r of entry.resolutions ?? []) {
      const key = [r.kind, r.module ?? '', r.field ?? ''].join(SEP);
      const agg = this.resolutions.get(key) ?? { resolved: 0, unresolved: 0, reasons: {} };
      if (r.id) agg.resolved++;
      else {
        agg.unresolved++;
        const reason = r.reason ?? 'unknown';
        agg.reasons[reason] = (agg.reasons[reason] ?? 0) + 1;
      }
      this.resolutions.set(key, agg);
    }
    if (entry.inDoubt) {
      this.addInDoubt({
        id: entry.id,
        ts: entry.ts,
        module: entry.module,
        method: entry.method,
        reason: 'outcome-in-doubt',
        tokenFingerprint: entry.client?.tokenFingerprint,
        ...(entry.createdIds?.length ? { createdIds: entry.createdIds.slice(0, 20) } : {}),
      });
    }
    this.addIntegration(entry.client, entry.ts, entry.module, failed);
    this.addHour(entry.ts, failed);
    const rowCount = entry.rows.length;
    this.addCall(entry.module, entry.method, failed, rowCount, callError ? rowCount : rowErrors.length);
  }

  /* ------------------------------------------------------------ counters */

  private count(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  private addCall(module: string, method: string, failed: boolean, rows: number, failedRows: number): void {
    this.calls++;
    if (failed) this.failedCalls++;
    this.rows += rows;
    this.failedRows += failedRows;
    const key = [module, method].join(SEP);
    const agg = this.byCall.get(key) ?? { calls: 0, failed: 0 };
    agg.calls++;
    if (failed) agg.failed++;
    this.byCall.set(key, agg);
  }

  private addTrace(module: string, trace: readonly TraceLike[]): void {
    for (const f of trace) {
      const status = TRACE_STATUS[f.outcome] ?? 'mapped';
      const key = [module, f.label, f.apiName ?? '', status].join(SEP);
      const agg = this.fields.get(key) ?? { count: 0 };
      const rows = f.count ?? 1;
      agg.count += rows;
      if (agg.example === undefined && f.example !== undefined && f.example !== '') agg.example = f.example;
      this.fields.set(key, agg);
      if (status === 'conversion-failed') {
        const ck = [module, f.label].join(SEP);
        const c = this.conversions.get(ck) ?? { count: 0 };
        c.count += rows;
        c.example ??= f.example;
        this.conversions.set(ck, c);
      }
    }
  }

  private addWarning(module: string, w: WarningLike): void {
    const agg = this.warnings.get(w.kind) ?? { count: 0, example: w.message };
    agg.count++;
    this.warnings.set(w.kind, agg);
    if (w.kind.startsWith('unresolved-')) this.count(this.unresolvedWarnings, [module, w.kind, w.label ?? ''].join(SEP));
  }

  private addUnsupported(module: string, method: string, fingerprint: string | undefined): void {
    const key = [module, method].join(SEP);
    const agg = this.unsupported.get(key) ?? { count: 0, integrations: new Set<string>() };
    agg.count++;
    if (fingerprint && agg.integrations.size < 50) agg.integrations.add(fingerprint);
    this.unsupported.set(key, agg);
  }

  private addIntegration(client: JournalClient | undefined, ts: string, module: string, failed: boolean): void {
    let key = integrationKey(client);
    if (!this.integrations.has(key) && this.integrations.size >= this.opts.maxIntegrations) key = '(other)';
    const row = this.integrations.get(key) ?? {
      ...(key === '(other)' ? { userAgent: '(other integrations)' } : {}),
      ...(key !== '(other)' && client?.tokenFingerprint ? { tokenFingerprint: client.tokenFingerprint } : {}),
      ...(key !== '(other)' && client?.userAgent ? { userAgent: client.userAgent } : {}),
      ...(key !== '(other)' && client?.address ? { address: client.address } : {}),
      calls: 0,
      failed: 0,
      modules: [],
    };
    row.calls++;
    if (failed) row.failed++;
    if (ts && (!row.firstSeen || ts < row.firstSeen)) row.firstSeen = ts;
    if (ts && (!row.lastSeen || ts > row.lastSeen)) row.lastSeen = ts;
    if (!row.modules.includes(module) && row.modules.length < 30) row.modules.push(module);
    this.integrations.set(key, row);
  }

  private addHour(ts: string | undefined, failed: boolean): void {
    const t = Date.parse(ts ?? '');
    if (Number.isNaN(t)) return;
    const hour = new Date(t).toISOString().slice(0, 13);
    const agg = this.hours.get(hour) ?? { calls: 0, failed: 0 };
    agg.calls++;
    if (failed) agg.failed++;
    this.hours.set(hour, agg);
  }

  private addInDoubt(row: InDoubtRow): void {
    this.inDoubtCount++;
    if (this.inDoubtShown.length < this.opts.maxInDoubtShown) this.inDoubtShown.push(row);
  }

  private addLatency(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return;
    this.latencyCount++;
    this.latencyMax = this.latencyMax === undefined ? ms : Math.max(this.latencyMax, ms);
    if (this.latency.length < this.opts.latencySamples) this.latency.push(ms);
    else {
      // Reservoir sampling with a small deterministic xorshift (reports are reproducible).
      this.seed ^= this.seed << 13;
      this.seed ^= this.seed >>> 17;
      this.seed ^= this.seed << 5;
      const j = (this.seed >>> 0) % this.latencyCount;
      if (j < this.latency.length) this.latency[j] = ms;
    }
  }

  /* ------------------------------------------------------------ result */

  finish(now: Date = new Date()): ReportData {
    // Requests that never got an outcome line: the proxy stopped mid-call.
    for (const { row, client } of this.pending.values()) {
      this.addInDoubt(row);
      this.addCall(row.module, row.method, true, 0, 0);
      this.addIntegration(client, row.ts ?? '', row.module, true);
      this.addHour(row.ts, true);
    }
    this.pending.clear();

    const split = (key: string): string[] => key.split(SEP);
    const byCount = <T extends { count: number }>(a: T, b: T): number => b.count - a.count;

    const fields: FieldRow[] = [...this.fields].map(([k, v]) => {
      const [module, label, apiName, status] = split(k);
      return { module, label, ...(apiName ? { apiName } : {}), status: status as FieldStatus, count: v.count, ...(v.example !== undefined ? { example: v.example } : {}) };
    });
    fields.sort((a, b) => a.module.localeCompare(b.module) || b.count - a.count || a.label.localeCompare(b.label));

    const codes: CodeRow[] = [...this.codes]
      .map(([k, count]) => {
        const [level, code, message] = split(k);
        return { level: level as 'call' | 'row', code, message, count };
      })
      .sort(byCount);

    const sorted = [...this.latency].sort((a, b) => a - b);
    const pct = (p: number): number | undefined => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : undefined);

    const hours = [...this.hours.keys()].sort();
    const spanDays = hours.length ? (Date.parse(`${hours[hours.length - 1]}:00:00Z`) - Date.parse(`${hours[0]}:00:00Z`)) / 86_400_000 : 0;
    const granularity: 'hour' | 'day' = spanDays > 3 ? 'day' : 'hour';
    const buckets = new Map<string, { calls: number; failed: number }>();
    // Every bucket from first to last, empty ones included, so the time axis is linear.
    if (hours.length) {
      const stepMs = granularity === 'day' ? 86_400_000 : 3_600_000;
      const last = Date.parse(`${hours[hours.length - 1]}:00:00Z`);
      for (let t = Date.parse(`${hours[0].slice(0, granularity === 'day' ? 10 : 13)}${granularity === 'day' ? 'T00' : ''}:00:00Z`); t <= last; t += stepMs) {
        const iso = new Date(t).toISOString();
        buckets.set(granularity === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00`, { calls: 0, failed: 0 });
      }
    }
    for (const h of hours) {
      const key = granularity === 'day' ? h.slice(0, 10) : `${h}:00`;
      const v = this.hours.get(h)!;
      const agg = buckets.get(key) ?? { calls: 0, failed: 0 };
      agg.calls += v.calls;
      agg.failed += v.failed;
      buckets.set(key, agg);
    }

    const data: ReportData = {
      generatedAt: now.toISOString(),
      inputs: this.inputs,
      sources: { payloadCalls: this.payloadCalls, journalEntries: this.journalEntries },
      totals: {
        calls: this.calls,
        failedCalls: this.failedCalls,
        rows: this.rows,
        failedRows: this.failedRows,
        inDoubt: this.inDoubtCount,
        credits: this.credits,
        v2Calls: this.v2Calls,
      },
      fixFirst: [],
      calls: [...this.byCall]
        .map(([k, v]) => {
          const [module, method] = split(k);
          return { module, method, ...v };
        })
        .sort((a, b) => b.calls - a.calls || a.module.localeCompare(b.module)),
      fields,
      conversionFailures: [...this.conversions]
        .map(([k, v]) => {
          const [module, label] = split(k);
          return { module, label, count: v.count, ...(v.example !== undefined ? { example: v.example } : {}) };
        })
        .sort(byCount),
      codes,
      warnings: [...this.warnings].map(([kind, v]) => ({ kind, ...v })).sort(byCount),
      unsupportedMethods: [...this.unsupported]
        .map(([k, v]) => {
          const [module, method] = split(k);
          return { module, method, count: v.count, integrations: [...v.integrations] };
        })
        .sort(byCount),
      integrations: [...this.integrations.values()].sort((a, b) => b.calls - a.calls),
      timeline: { granularity, buckets: [...buckets].map(([t, v]) => ({ t, ...v })) },
      inDoubt: { count: this.inDoubtCount, shown: this.inDoubtShown },
      latency: { count: this.latencyCount, p50: pct(50), p95: pct(95), max: this.latencyMax },
      duplicates: [...this.duplicates]
        .map(([k, count]) => {
          const [module, field, via] = split(k);
          return { module, field, via, count };
        })
        .sort(byCount),
      resolutions: [...this.resolutions].map(([k, v]) => {
        const [kind, module, field] = split(k);
        return { kind, ...(module ? { module } : {}), ...(field ? { field } : {}), ...v };
      }),
      inputErrors: this.inputErrors,
    };
    data.fixFirst = rankProblems(data, this.unresolvedWarnings, this.inputErrorCount);
    return data;
  }
}

const CODE_ACTIONS: Record<string, string> = {
  '4832': 'Send values in the field\'s format (numbers, yyyy-MM-dd or MM/dd/yyyy dates, true/false).',
  '4401': 'Send every mandatory field (see the v2 mandatory set of the module).',
  '4891': 'Send every mandatory field (see the v2 mandatory set of the module).',
  '4600': 'Fix the request: method and module names are case-sensitive; xmlData must be well-formed with at least one row; updates need a numeric id.',
  '4425': 'version=4 update rows need <FL val="Id"> (exact case) with an existing record id.',
  '4834': 'The integration\'s authtoken is unknown to the bridge: add it (or its SHA-256) to a credential profile.',
  '4819': 'A unique field clashes with an existing record: deduplicate or use duplicateCheck=2 (upsert).',
  '4820': 'Rate limit reached: spread the calls or raise the org\'s API credits.',
  '4500': 'Upstream or bridge failure: check the journal errors and the v2 org status, then replay.',
  '4502': 'The module is not available through the v2 API of this edition.',
};

/** "What to fix first": failing calls and in-doubt calls before silent data loss, then by how often. */
export function rankProblems(data: ReportData, unresolved: Map<string, number>, inputErrors: number): FixItem[] {
  const items: FixItem[] = [];
  if (data.inDoubt.count > 0) {
    items.push({
      severity: 'high',
      kind: 'in-doubt',
      count: data.inDoubt.count,
      title: `${data.inDoubt.count} call(s) in doubt: the write may or may not have been applied`,
      action: 'Check these records in the v2 org by hand (see "In-doubt calls") before the client retries, to avoid duplicates or losses.',
    });
  }
  for (const c of data.codes) {
    items.push({
      severity: 'high',
      kind: 'failing-calls',
      count: c.count,
      title: `${c.count} ${c.level === 'call' ? 'call(s)' : 'row(s)'} fail with ${c.code}: ${c.message || '(no message)'}`,
      action: CODE_ACTIONS[c.code] ?? 'See the journal for the affected calls.',
    });
  }
  for (const u of data.unsupportedMethods) {
    items.push({
      severity: 'medium',
      kind: 'unsupported-method',
      count: u.count,
      title: `${u.count} call(s) to unsupported v1 method ${u.module}/${u.method}`,
      action: 'The bridge answers 4600 to these: port this part of the integration to the v2 API directly.',
    });
  }
  for (const f of data.fields) {
    if (f.status !== 'unmapped') continue;
    items.push({
      severity: 'medium',
      kind: 'unmapped-label',
      count: f.count,
      title: `Label "${f.label}" sent to ${f.module} ${f.count} time(s) matches no v2 field: its data is dropped`,
      action: 'Create the field in the v2 org, or map it with a labelOverrides entry in the profile, or stop sending it.',
    });
  }
  for (const [key, count] of unresolved) {
    const [module, kind, label] = key.split(SEP);
    items.push({
      severity: 'low',
      kind: 'unresolved',
      count,
      title: `${count} ${kind.replace('unresolved-', '')} value(s)${label ? ` ("${label}")` : ''} in ${module} not resolved offline`,
      action: 'Owners by e-mail, note parents and lookups by name resolve only against the live org (proxy or replay); send ids to be sure.',
    });
  }
  if (inputErrors > 0) {
    items.push({
      severity: 'low',
      kind: 'bad-input',
      count: inputErrors,
      title: `${inputErrors} input file(s) or line(s) could not be read`,
      action: 'See "Input errors" at the end of the report.',
    });
  }
  // In-doubt calls lead: they may hide duplicated or lost writes that only a person can reconcile.
  const rank = { high: 0, medium: 1, low: 2 } as const;
  const first = (f: FixItem): number => (f.kind === 'in-doubt' ? 0 : 1);
  return items.sort((a, b) => rank[a.severity] - rank[b.severity] || first(a) - first(b) || b.count - a.count).slice(0, 25);
}
