/**
 * Folds calls (planned offline from payloads and URL logs, or recorded in proxy journals) into report counters,
 * per integration. Keeps only aggregates and bounded samples, so a journal of millions of lines reports in
 * bounded memory. Aggregation is by (module, method) whatever the method: reads count like writes.
 */
import { dirname } from 'node:path';
import type { JournalClient, JournalOutcomeEntry, JournalRequestEntry } from '../journal/types.js';
import { scrubPath, tokenFingerprint } from '../journal/redact.js';
import type { LegacyCall } from '../legacy/types.js';
import type { Schema } from '../mapping/index.js';
import { allWarnings, isTranslatedMethod, type Translation } from '../mapping/translate.js';
import { READ_METHODS } from '../mapping/query.js';
import { IntegrationTracker, integrationIdentity, type CallSource } from './integrations.js';
import { keyValues } from './keys.js';
import { conversionRule } from './porting.js';
import { codeAction, ProblemRegistry, type ProblemSpec } from './problems.js';
import type { CodeRow, FieldRow, FieldStatus, InDoubtRow, ReportData } from './types.js';

export type { CallSource } from './integrations.js';

export interface AggregateOptions {
  /** In-doubt calls listed individually (all are counted). Default 200. */
  maxInDoubtShown?: number;
  /** Integrations tracked individually; the rest are pooled as "other". Default 5000. */
  maxIntegrations?: number;
  /** Latency samples kept for percentiles (reservoir sampling; max stays exact). Default 100000. */
  latencySamples?: number;
  /** Keep example values (e-mails, names …) in the report. `false` = `--no-examples`. Default true. */
  examples?: boolean;
  /** Field metadata for conversion rules (data types). Default: none (rules by trace only). */
  schema?: Schema;
  /** Is this v1 method translated by the bridge (not answered 4600)? Default: the bridge's method set. */
  isTranslated?: (method: string) => boolean;
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
/** Warning kinds counted from the field trace instead (one problem per label, counted in rows). */
const TRACED_WARNINGS = new Set(['unknown-label', 'unsupported-field', 'read-only-dropped', 'computed-dropped']);
/** Warnings that mean a value was not sent although the client was told the write succeeded. */
const LOSS_WARNINGS = new Set(['rows-truncated']);

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
  row?: string;
  label?: string;
  message: string;
}

const shownModule = (m: string | undefined): string => (m ? m : '(no module)');

function location(source: CallSource, requestId?: string): string {
  if (source.kind === 'urls' && source.line !== undefined) return `${source.file}:${source.line}`;
  if (source.kind === 'journal') return requestId ? `${source.file} (request ${requestId})` : source.file;
  return source.file;
}

export class ReportAggregator {
  private readonly opts: Required<Omit<AggregateOptions, 'schema' | 'isTranslated'>>;
  private readonly schema?: Schema;
  private readonly isTranslated: (method: string) => boolean;
  private payloadCalls = 0;
  private urlLogCalls = 0;
  private journalCalls = 0;
  private journalEntries = 0;
  private readonly files = new Set<string>();
  private calls = 0;
  private failedCalls = 0;
  private rows = 0;
  private failedRows = 0;
  private credits = 0;
  private v2Calls = 0;
  private readonly byCall = new Map<string, { calls: number; failed: number }>();
  private readonly fields = new Map<string, { count: number; example?: string }>();
  private readonly conversions = new Map<string, { count: number; example?: string; dataType?: string }>();
  private readonly codes = new Map<string, number>();
  private readonly warnings = new Map<string, { count: number; example: string }>();
  private readonly unsupported = new Map<string, { count: number; integrations: Set<string> }>();
  private readonly problems = new ProblemRegistry();
  private readonly tracker: IntegrationTracker;
  private readonly hours = new Map<string, { calls: number; failed: number }>();
  /** Journal requests still waiting for their outcome line. */
  private readonly pending = new Map<string, { row: InDoubtRow; client?: JournalClient; source: CallSource; v2Module?: string }>();
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
    readonly inputs: string[] = [],
    options: AggregateOptions = {},
  ) {
    this.opts = { maxInDoubtShown: 200, maxIntegrations: 5000, latencySamples: 100_000, examples: true, ...options };
    this.schema = options.schema;
    this.isTranslated = options.isTranslated ?? isTranslatedMethod;
    this.tracker = new IntegrationTracker(this.opts.maxIntegrations, this.opts.examples);
  }

  /* ------------------------------------------------------------ inputs */

  addInputError(file: string, message: string): void {
    this.inputErrorCount++;
    if (this.inputErrors.length < 1000) this.inputErrors.push({ file, message });
    this.problems.add(
      {
        key: 'bad-input',
        class: 'warning',
        kind: 'bad-input',
        unit: 'inputs',
        title: (n) => `${n} input file(s) or line(s) could not be read`,
        action: 'See "Input errors" at the end of the report.',
      },
      '(inputs)',
      file,
    );
  }

  /** A call read from a payload file or URL log and planned offline. */
  addPlanned(source: CallSource, rawCall: LegacyCall, t: Translation | undefined): void {
    // Path segments may carry a pasted authtoken (`/authtoken=…/`): scrubbed before anything is counted.
    const call = { ...rawCall, module: scrubPath(rawCall.module), method: scrubPath(rawCall.method), path: scrubPath(rawCall.path) };
    this.files.add(source.file);
    if (source.kind === 'urls') this.urlLogCalls++;
    else this.payloadCalls++;
    const identity =
      source.kind === 'urls'
        ? integrationIdentity({ kind: 'url-log', tokenFingerprint: tokenFingerprint(call.authtoken), file: source.file })
        : integrationIdentity({ kind: 'payload-folder', folder: dirname(source.file) });
    const integration = this.tracker.get(identity);
    const where = location(source);
    const module = call.module;
    const v2Module = t?.plan?.module ?? this.schema?.resolveModule(module)?.apiName;
    const traceModule = v2Module ?? module;
    let failedRows = 0;
    for (const row of t?.plan?.rows ?? []) {
      this.addTrace(traceModule, row.trace, integration.id, where);
      if (row.error) {
        failedRows++;
        this.addCode('row', row.error.code, row.error.message, integration.id, where, traceModule);
      }
    }
    const rowCount = t?.plan?.rows.length ?? t?.parsed?.rows.length ?? 0;
    if (t) for (const w of allWarnings(t)) this.addWarning(traceModule, w, 'offline', integration.id, where);
    const unsupported = t?.category === 'unsupported-method' || !this.isTranslated(call.method);
    // A download or byte upload: the proxy translates it live; offline there is nothing to convert, nothing failed.
    const liveOnly = t?.category === 'offline';
    if (t?.error && !unsupported && !liveOnly) this.addCode('call', t.error.code, t.error.message, integration.id, where, traceModule);
    if (unsupported) this.addUnsupported(module, call.method, integration.id, where);
    const failed = !t || (t.error !== undefined && !liveOnly) || failedRows > 0;
    const failedRowCount = t?.error ? rowCount : failedRows;
    this.addCall(module, call.method, failed, rowCount, failedRowCount);
    integration.addCall({
      module,
      v2Module,
      method: call.method,
      failed,
      rows: rowCount,
      failedRows: failedRowCount,
      supported: !unsupported,
      duplicateCheck: call.params.duplicatecheck,
      file: source.file,
    });
    if (t?.plan && !t.error) {
      const req = t.plan.requests[0];
      if (req) integration.addRequest(t.plan.module, t.plan.operation, req.method, req.path, req.body, where);
      if (t.plan.rows.some((r) => r.warnings.some((w) => w.kind === 'unresolved-owner'))) integration.needsUsers();
    }
  }

  /** One journal line (request or outcome). `replan` turns a request without a trace into a Translation. */
  addJournalEntry(
    raw: JournalRequestEntry | JournalOutcomeEntry,
    file = '(journal)',
    replan?: (e: JournalRequestEntry) => Translation | undefined,
  ): void {
    // Journals written before path scrubbing existed may hold a token in the path or module.
    const entry = { ...raw, module: scrubPath(raw.module ?? ''), method: scrubPath(raw.method ?? ''), path: scrubPath(raw.path ?? '') } as typeof raw;
    this.journalEntries++;
    this.files.add(file);
    const source: CallSource = { kind: 'journal', file };
    const where = location(source, entry.id);
    const integration = this.tracker.get(integrationIdentity({ kind: 'journal', ...entry.client }));
    if (entry.type === 'request') {
      const module = entry.plan?.module ?? entry.module;
      let t: Translation | undefined;
      if (entry.trace) {
        for (const row of entry.trace) this.addTrace(module, row.fields, integration.id, where);
        for (const w of entry.warnings ?? []) this.addWarning(module, w, 'live', integration.id, where);
      } else if (replan) {
        t = replan(entry);
        for (const row of t?.plan?.rows ?? []) this.addTrace(t?.plan?.module ?? module, row.trace, integration.id, where);
        if (t) for (const w of allWarnings(t)) this.addWarning(t.plan?.module ?? module, w, 'live', integration.id, where);
      }
      const records = (entry.plan?.bodies?.[0] as { data?: Record<string, unknown>[] } | undefined)?.data;
      if (entry.plan?.requests[0]) {
        const r = entry.plan.requests[0];
        integration.addRequest(entry.plan.module, entry.plan.operation, r.method, r.path, entry.plan.bodies?.[0], where);
      }
      if (!records && !t && entry.xmlData && replan) t = replan(entry);
      const recordsKnown = records ?? t?.plan?.rows.map((r) => r.record ?? {});
      const pathId = /\/(\d+)$/.exec(entry.plan?.requests[0]?.path ?? '')?.[1];
      const keys = this.opts.examples && !entry.values ? keyValues(module, recordsKnown, pathId) : undefined;
      const keysNote = !this.opts.examples
        ? 'left out (--no-examples)'
        : recordsKnown && !entry.values
          ? 'the request has no duplicate-check, name or id value'
          : 'no values in the journal (journal.values hashed or none)';
      this.pending.set(entry.id, {
        row: {
          id: entry.id,
          ts: entry.ts,
          module: entry.module,
          method: entry.method,
          reason: 'no-outcome',
          integration: integration.id,
          tokenFingerprint: entry.client?.tokenFingerprint,
          file,
          ...(keys?.length ? { keys } : { keysNote }),
        },
        client: entry.client,
        source,
        v2Module: entry.plan?.module ?? t?.plan?.module ?? this.schema?.resolveModule(entry.module)?.apiName,
      });
      return;
    }
    const request = this.pending.get(entry.id);
    this.pending.delete(entry.id);
    this.journalCalls++;
    const module = entry.module;
    const rowErrors = entry.rows.filter((r) => !SUCCESS_ROW.has(r.code));
    const isRead = READ_METHODS.has(entry.method);
    // nodata is a read's normal "nothing matched", not a failure.
    const callError = entry.legacy.kind === 'error' || entry.legacy.kind === 'search-error' || (entry.legacy.kind === 'nodata' && !isRead);
    // A request refused at the HTTP layer (`httpStatus`: bad HTTP method, oversize head, stop …) failed for how
    // it was sent, whatever v1 method its path names: a failed call under its answer, never "unsupported".
    const httpRefusal = entry.httpStatus !== undefined;
    const unsupported = !httpRefusal && (entry.category === 'unsupported-method' || !this.isTranslated(entry.method));
    const v2Module = request?.v2Module ?? this.schema?.resolveModule(module)?.apiName;
    // A write refused locally has no request line: its outcome carries the field trace (which label failed, why).
    if (!request && entry.trace) for (const row of entry.trace) this.addTrace(v2Module ?? module, row.fields, integration.id, where);
    for (const r of rowErrors) this.addCode('row', r.code, r.message ?? '', integration.id, where, v2Module ?? module);
    if (callError && !unsupported) {
      // No legacy code: the answer was an HTTP status (405, 408) or none (0: dropped connection).
      const code = entry.legacy.code ?? (httpRefusal ? (entry.httpStatus ? `HTTP ${entry.httpStatus}` : 'no answer') : '?');
      this.addCode('call', code, entry.legacy.message ?? (httpRefusal ? (entry.error ?? '') : ''), integration.id, where, v2Module ?? module);
    }
    const failed = callError || rowErrors.length > 0 || entry.inDoubt === true;
    if (unsupported) this.addUnsupported(module, entry.method, integration.id, where);
    for (const c of entry.v2Calls ?? []) {
      this.v2Calls++;
      this.addLatency(c.durationMs);
    }
    this.credits += entry.credits ?? 0;
    for (const d of entry.duplicates ?? []) this.count(this.duplicates, [module, d.field, d.via].join(SEP));
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
      if (r.kind === 'owner') integration.needsUsers();
      else if (r.kind === 'lookup' && r.module) integration.needsRead(r.module);
    }
    if (entry.inDoubt || entry.createdIds?.length) {
      const ids = [...(entry.createdIds ?? []), ...entry.rows.filter((r) => r.id && SUCCESS_ROW.has(r.code)).map((r) => r.id as string)];
      this.addInDoubt(
        {
          ...(request?.row ?? { id: entry.id, module, method: entry.method, integration: integration.id, tokenFingerprint: entry.client?.tokenFingerprint, file }),
          ts: entry.ts,
          // An error answer with created rows: the client does not know they exist and will resend them.
          reason: entry.inDoubt ? 'outcome-in-doubt' : 'created-despite-error',
          ...(ids.length ? { createdIds: [...new Set(ids)].slice(0, 20) } : {}),
        },
        integration.id,
        where,
      );
    }
    this.addHour(entry.ts, failed);
    const rowCount = isRead ? (entry.read?.rows ?? 0) : entry.rows.length;
    const failedRowCount = callError ? rowCount : rowErrors.length;
    this.addCall(module, entry.method, failed, rowCount, failedRowCount);
    integration.addCall({
      module,
      v2Module: v2Module,
      method: entry.method,
      failed,
      rows: rowCount,
      failedRows: failedRowCount,
      supported: !unsupported,
      duplicateCheck: entry.params?.duplicatecheck,
      file,
      ts: entry.ts,
    });
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

  private addCode(level: 'call' | 'row', code: string, message: string, integration: string, where: string, module: string): void {
    this.count(this.codes, [level, code, message].join(SEP));
    const spec: ProblemSpec = {
      key: ['code', level, code, message].join(SEP),
      class: 'failed',
      kind: level === 'call' ? 'failing-calls' : 'failing-rows',
      module,
      unit: level === 'call' ? 'calls' : 'rows',
      title: (n) => `${n} ${level === 'call' ? 'call(s)' : 'row(s)'} fail with ${code}: ${message || '(no message)'}`,
      action: codeAction(code),
    };
    this.problems.add(spec, integration, where);
    this.tracker.byId(integration)?.addProblem(spec.key);
  }

  private addTrace(module: string, trace: readonly TraceLike[], integration: string, where: string): void {
    const int = this.tracker.byId(integration);
    for (const f of trace) {
      const status = TRACE_STATUS[f.outcome] ?? 'mapped';
      const rows = f.count ?? 1;
      const example = this.opts.examples && f.example !== undefined && f.example !== '' ? f.example : undefined;
      const key = [module, f.label, f.apiName ?? '', status].join(SEP);
      const agg = this.fields.get(key) ?? { count: 0 };
      agg.count += rows;
      agg.example ??= example;
      this.fields.set(key, agg);
      int?.addField(module, f.label, f.apiName, status);
      if (status === 'conversion-failed') {
        const dataType = f.apiName ? this.schema?.module(module)?.fieldsByApiName.get(f.apiName)?.dataType : undefined;
        const ck = [module, f.label].join(SEP);
        const c = this.conversions.get(ck) ?? { count: 0, dataType };
        c.count += rows;
        c.example ??= example;
        this.conversions.set(ck, c);
        int?.addConversion(module, f.label, f.apiName, dataType, rows, example);
      } else if (status === 'unmapped') {
        const spec: ProblemSpec = {
          key: ['unmapped', module, f.label].join(SEP),
          class: 'data-loss',
          kind: 'unmapped-label',
          module,
          unit: 'rows',
          title: (n) => `Label "${f.label}" matches no ${shownModule(module)} field: its value is dropped on ${n} row(s)`,
          action: 'Create the field in the v2 org, or map it with a labelOverrides entry in the profile, or stop sending it.',
        };
        this.problems.add(spec, integration, where, rows);
        int?.addProblem(spec.key);
      } else if (status === 'read-only-dropped' || status === 'computed-dropped') {
        const spec: ProblemSpec = {
          key: ['dropped', module, f.label].join(SEP),
          class: 'warning',
          kind: 'dropped-read-only',
          module,
          unit: 'rows',
          title: (n) => `Label "${f.label}"${f.apiName ? ` (${f.apiName})` : ''} is ${status === 'read-only-dropped' ? 'read-only' : 'computed'} in ${shownModule(module)}: v2 ignores it on ${n} row(s)`,
          action: 'v2 sets this field itself; stop sending it (nothing to fix unless the integration relied on setting it).',
        };
        this.problems.add(spec, integration, where, rows);
        int?.addProblem(spec.key);
      }
    }
  }

  /** `live` = resolved against the org by the proxy (a miss dropped the value); `offline` = nobody could resolve it. */
  private addWarning(module: string, w: WarningLike, mode: 'live' | 'offline', integration: string, where: string): void {
    const agg = this.warnings.get(w.kind) ?? { count: 0, example: this.opts.examples ? w.message : '' };
    agg.count++;
    this.warnings.set(w.kind, agg);
    if (TRACED_WARNINGS.has(w.kind)) return;
    const unit = w.row !== undefined ? 'rows' : 'calls';
    let spec: ProblemSpec;
    if (w.kind.startsWith('unresolved-')) {
      const what = w.kind.replace('unresolved-', '');
      spec =
        mode === 'live'
          ? {
              key: ['unresolved-live', module, w.kind, w.label ?? ''].join(SEP),
              class: 'data-loss',
              kind: 'unresolved-live',
              module,
              unit,
              title: (n) => `${n} ${what} value(s)${w.label ? ` of "${w.label}"` : ''} in ${shownModule(module)} matched no single record in the org: sent without them`,
              action: 'The live lookup found no match (or several): send ids, create the missing records, or set lookupPolicy error/create for the module.',
            }
          : {
              key: ['unresolved-offline', module, w.kind, w.label ?? ''].join(SEP),
              class: 'warning',
              kind: 'unresolved-offline',
              module,
              unit,
              title: (n) => `${n} ${what} value(s)${w.label ? ` of "${w.label}"` : ''} in ${shownModule(module)} can only be resolved against the live org`,
              action: 'Owners by e-mail, note parents and lookups by name resolve only through the proxy or replay; check the names exist in the org, or send ids.',
            };
    } else {
      spec = {
        key: ['warning', module, w.kind, w.label ?? ''].join(SEP),
        class: LOSS_WARNINGS.has(w.kind) ? 'data-loss' : 'warning',
        kind: 'warning',
        module,
        unit,
        title: (n) => `${n} × ${w.kind}${w.label ? ` ("${w.label}")` : ''} in ${shownModule(module)}${this.opts.examples ? `: ${w.message}` : ''}`,
        action: LOSS_WARNINGS.has(w.kind) ? 'These values are not sent to v2: change what the integration sends.' : 'Review the warning; the call still goes through.',
      };
    }
    this.problems.add(spec, integration, where);
    this.tracker.byId(integration)?.addProblem(spec.key);
  }

  private addUnsupported(module: string, method: string, integration: string, where: string): void {
    const key = [module, method].join(SEP);
    const agg = this.unsupported.get(key) ?? { count: 0, integrations: new Set<string>() };
    agg.count++;
    if (agg.integrations.size < 50) agg.integrations.add(integration);
    this.unsupported.set(key, agg);
    const spec: ProblemSpec = {
      key: ['unsupported', module, method].join(SEP),
      class: 'failed',
      kind: 'unsupported-method',
      module,
      unit: 'calls',
      title: (n) => `${n} call(s) to unsupported v1 method ${shownModule(module)}/${method}`,
      action: 'The bridge answers 4600 to these: port this part of the integration to the v2 API directly (see its porting kit).',
    };
    this.problems.add(spec, integration, where);
    this.tracker.byId(integration)?.addProblem(spec.key);
  }

  private addHour(ts: string | undefined, failed: boolean): void {
    const t = Date.parse(ts ?? '');
    if (Number.isNaN(t)) return;
    const minute = new Date(t).toISOString().slice(0, 16);
    const agg = this.hours.get(minute) ?? { calls: 0, failed: 0 };
    agg.calls++;
    if (failed) agg.failed++;
    this.hours.set(minute, agg);
  }

  private addInDoubt(row: InDoubtRow, integration: string, where: string): void {
    this.inDoubtCount++;
    if (this.inDoubtShown.length < this.opts.maxInDoubtShown) this.inDoubtShown.push(row);
    const spec: ProblemSpec = {
      key: 'in-doubt',
      class: 'data-loss',
      kind: 'in-doubt',
      unit: 'calls',
      title: (n) => `${n} write(s) in doubt: applied or not, the client was told it failed`,
      action: 'Look each record up in the v2 org by the values listed under "In-doubt calls" before anyone retries, to avoid duplicates or losses.',
    };
    this.problems.add(spec, integration, where);
    this.tracker.byId(integration)?.addProblem(spec.key);
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
    for (const { row, client, source, v2Module } of this.pending.values()) {
      const integration = this.tracker.get(integrationIdentity({ kind: 'journal', ...client }));
      this.journalCalls++;
      this.addInDoubt(row, integration.id, location(source, row.id));
      this.addCall(row.module, row.method, true, 0, 0);
      integration.addCall({ module: row.module, v2Module, method: row.method, failed: true, rows: 0, failedRows: 0, supported: true, file: source.file, ts: row.ts });
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

    const { items: fixFirst, index } = this.problems.rank({ rows: this.rows, calls: this.calls });
    const integrations = this.tracker.finish(this.calls, index, this.schema);

    const data: ReportData = {
      generatedAt: now.toISOString(),
      inputs: this.inputs,
      examples: this.opts.examples,
      sources: {
        payloadCalls: this.payloadCalls,
        urlLogCalls: this.urlLogCalls,
        journalCalls: this.journalCalls,
        journalEntries: this.journalEntries,
        files: this.files.size,
      },
      totals: {
        calls: this.calls,
        failedCalls: this.failedCalls,
        rows: this.rows,
        failedRows: this.failedRows,
        inDoubt: this.inDoubtCount,
        credits: this.credits,
        v2Calls: this.v2Calls,
        integrations: integrations.length,
      },
      fixFirst,
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
          return { module, label, count: v.count, ...(v.example !== undefined ? { example: v.example } : {}), rule: conversionRule(v.dataType) };
        })
        .sort(byCount),
      codes,
      warnings: [...this.warnings].map(([kind, v]) => ({ kind, count: v.count, ...(v.example ? { example: v.example } : {}) })).sort(byCount),
      unsupportedMethods: [...this.unsupported]
        .map(([k, v]) => {
          const [module, method] = split(k);
          return { module, method, count: v.count, integrations: [...v.integrations] };
        })
        .sort(byCount),
      integrations,
      timeline: timeline(this.hours),
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
    return data;
  }
}

/**
 * Calls per time bucket, empty buckets included so the axis is linear. The bucket is the finest of minute /
 * hour / day that keeps the chart at most ~200 columns, so a short journal still shows its shape.
 */
export function timeline(minutes: ReadonlyMap<string, { calls: number; failed: number }>): ReportData['timeline'] {
  const keys = [...minutes.keys()].sort();
  if (keys.length === 0) return { granularity: 'hour', buckets: [] };
  const first = Date.parse(`${keys[0]}:00Z`);
  const last = Date.parse(`${keys[keys.length - 1]}:00Z`);
  const span = last - first;
  const granularity: 'minute' | 'hour' | 'day' = span <= 180 * 60_000 ? 'minute' : span <= 8 * 86_400_000 ? 'hour' : 'day';
  const width = granularity === 'minute' ? 16 : granularity === 'hour' ? 13 : 10;
  const stepMs = granularity === 'minute' ? 60_000 : granularity === 'hour' ? 3_600_000 : 86_400_000;
  const label = (iso: string): string => (granularity === 'hour' ? `${iso.slice(0, 13)}:00` : iso.slice(0, width));
  const buckets = new Map<string, { calls: number; failed: number }>();
  const start = Date.parse(`${new Date(first).toISOString().slice(0, width)}${granularity === 'day' ? 'T00:00' : granularity === 'hour' ? ':00' : ''}:00Z`);
  for (let t = start; t <= last; t += stepMs) buckets.set(label(new Date(t).toISOString()), { calls: 0, failed: 0 });
  for (const k of keys) {
    const key = label(`${k}:00.000Z`);
    const v = minutes.get(k)!;
    const agg = buckets.get(key) ?? { calls: 0, failed: 0 };
    agg.calls += v.calls;
    agg.failed += v.failed;
    buckets.set(key, agg);
  }
  return { granularity, buckets: [...buckets].map(([t, v]) => ({ t, ...v })) };
}

