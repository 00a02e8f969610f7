/**
 * Every journal entry, metric and log-line fact of a legacy call is built here: for calls the bridge handles
 * (pipeline.ts) and for calls the server rejects before a LegacyCall exists (unparseable path, oversize body).
 * One place decides what a `request` / `outcome` line holds, which counters move and at which level it is logged.
 */
import { performance } from 'node:perf_hooks';
import type { LegacyCall, LegacyFormat, LegacyResult } from '../legacy/types.js';
import { redactParams, scrubPath, tokenFingerprint } from '../journal/redact.js';
import { RejectSampler } from './reject-sampler.js';
import type {
  Journal,
  JournalCallSummary,
  JournalDuplicate,
  JournalOutcomeEntry,
  JournalRequestEntry,
  JournalResolution,
  JournalRowOutcome,
  JournalV2Call,
} from '../journal/types.js';
import type { JournalWrite } from '../journal/writes.js';
import type { V2Plan } from '../mapping/types.js';
import type { Unlock } from '../state/lock.js';
import type { CallMetrics, Logger } from './ports.js';

export interface CallOrigin {
  /** Unique id of the call: journal `id`, log `reqId`. */
  requestId: string;
  /** The client's X-Request-Id, kept as a separate journal field (clients reuse theirs). */
  clientRequestId?: string;
  address?: string;
  userAgent?: string;
}

/** Where a call's records go. */
export interface OutcomeSinks {
  journal: Journal;
  logger: Logger;
  metrics?: CallMetrics;
  /** Samples the journal lines of unauthenticated calls. @default one sampler shared by the process */
  rejects?: RejectSampler;
}

/** What a call did upstream, collected while it runs. */
export interface CallState {
  upstream: boolean;
  v2Calls: JournalV2Call[];
  credits: number;
  duplicates: JournalDuplicate[];
  resolutions: JournalResolution[];
  inDoubt?: boolean;
  createdIds?: string[];
  /** The rows behind `createdIds` (row `no` and id). */
  createdRows?: { no: string; id: string }[];
  /** What each v2 write request of the plan did (journal `writes[]`, read by replay). */
  writes: JournalWrite[];
  /** Writes made while resolving (lookup creations), numbered for their journal ids. */
  sideWrites?: number;
  /** Releases the duplicate-check locks of this call (held from the pre-check until the writes are answered). */
  unlock?: Unlock;
  /** Decisions worth journaling that are not field traces (per-id delete failures, dropped convert labels …). */
  notes?: string[];
  /** Read methods: rows answered, decisions, and (with journal.readRecords) the rows. */
  read?: JournalOutcomeEntry['read'];
  /** The first v2 write that failed without an answer (429 credits exhausted, 5xx, timeout): its secret-free cause. */
  upstreamError?: string;
  /** A write refused locally before sending: its xmlData and field trace go into the outcome line (localRefusal). */
  refused?: { xmlData?: string; trace: NonNullable<JournalOutcomeEntry['trace']> };
}

/** What a write refused locally (no request line) leaves in its outcome line: the call's xmlData and folded trace. */
export function localRefusal(call: LegacyCall, plan: V2Plan): NonNullable<CallState['refused']> {
  return { xmlData: call.xmlData, trace: [{ no: '*', fields: summariseTrace(plan) }] };
}

export const newCallState = (): CallState => ({ upstream: false, v2Calls: [], credits: 0, duplicates: [], resolutions: [], writes: [] });

/**
 * The call summary every line of the call repeats (params redacted, authtoken only as a fingerprint).
 * `isAcceptedToken` recognises this proxy's legacy authtokens (an AuthLookup): a bare token a broken client put
 * in the path is scrubbed too, not only `authtoken=` pairs and long hex runs.
 */
export function callSummary(call: LegacyCall, origin: CallOrigin, isAcceptedToken?: (candidate: string) => boolean): JournalCallSummary {
  return {
    id: origin.requestId,
    clientRequestId: origin.clientRequestId,
    ts: new Date().toISOString(),
    client: { address: origin.address, userAgent: origin.userAgent, tokenFingerprint: tokenFingerprint(call.authtoken) },
    format: call.format,
    // A broken client may put its authtoken in the path (`/authtoken=…/`): scrubbed before it is written anywhere.
    module: scrubPath(call.module, isAcceptedToken, 128),
    method: scrubPath(call.method, isAcceptedToken, 64),
    path: scrubPath(call.path, isAcceptedToken, 512),
    params: redactParams(call.params),
    // Set once the call is authenticated; declared here so every line of the call keeps one key order.
    profile: undefined,
  };
}

/**
 * The summary's fields as a fresh object literal, in the order every line of a call repeats them. Lines are built
 * from this and then extended: `{...summary, more}` costs V8 a slow map transition per added key (~1.5 µs each,
 * measured), the literal does not. Keys whose value is undefined (clientRequestId, profile) are not serialised.
 */
function summaryFields(summary: JournalCallSummary): JournalCallSummary {
  return {
    id: summary.id,
    clientRequestId: summary.clientRequestId,
    ts: summary.ts,
    client: summary.client,
    format: summary.format,
    module: summary.module,
    method: summary.method,
    path: summary.path,
    params: summary.params,
    profile: summary.profile,
  };
}

/** Characters of a user agent kept in the journal and log lines of calls refused before authentication. */
export const REJECT_USER_AGENT_CHARS = 256;

/** Shared by every sink without its own: unauthenticated rejects are journaled sampled (bridge/reject-sampler.ts). */
const DEFAULT_REJECTS = new RejectSampler();

/**
 * The journal line of a call: as is when it was authenticated; otherwise (anyone can send those) bounded — no
 * parameters, a capped user agent — and sampled, or undefined when the sample leaves it out.
 */
function journaledForm(sinks: OutcomeSinks, outcome: JournalOutcomeEntry): JournalOutcomeEntry | undefined {
  if (outcome.profile !== undefined) return outcome;
  sinks.metrics?.rejected?.inc({ reason: outcome.category ?? 'auth' });
  const sample = (sinks.rejects ?? DEFAULT_REJECTS).take();
  if (!sample.allowed) return undefined;
  return {
    ...outcome,
    params: {},
    client: { ...outcome.client, userAgent: outcome.client.userAgent?.slice(0, REJECT_USER_AGENT_CHARS) },
    ...(sample.suppressed > 0 ? { suppressedRejects: sample.suppressed } : {}),
  };
}

/** The `request` line, written before the first v2 write: the plan's requests, bodies, warnings and folded trace. */
export function requestEntry(summary: JournalCallSummary, call: LegacyCall, plan: V2Plan): JournalRequestEntry {
  const entry = summaryFields(summary) as JournalRequestEntry;
  entry.type = 'request';
  entry.xmlData = call.xmlData;
  entry.plan = {
    operation: plan.operation,
    module: plan.module,
    requests: plan.requests.map((r) => ({ method: r.method, path: r.path, records: r.body.data.length })),
    bodies: plan.requests.map((r) => r.body),
  };
  entry.warnings = plan.warnings.length ? plan.warnings : undefined;
  entry.trace = [{ no: '*', fields: summariseTrace(plan) }];
  return entry;
}

/** How a call ended when it did not end with a translated answer. */
export interface CallFailure {
  /** 'auth', 'unsupported-method', 'bad-xmldata', 'upstream', 'bridge' … (mapping/translate.ts CallCategory). */
  category: string;
  /** Non-secret error text (already scrubbed). */
  error: string;
  /**
   * Calls refused at the HTTP layer: the HTTP status answered (405, 408, 503 …; 0 = none, the connection was
   * dropped). With a `result` that is no legacy answer (a 405), the journal's `legacy` carries no code.
   */
  httpStatus?: number;
}

/** The `outcome` line of a call the bridge handled. `startedMs` is performance.now() at the start. */
export function outcomeEntry(
  summary: JournalCallSummary,
  startedMs: number,
  state: CallState,
  result: LegacyResult,
  rows: JournalRowOutcome[],
  failure?: CallFailure,
): JournalOutcomeEntry {
  const entry = summaryFields(summary) as JournalOutcomeEntry;
  entry.ts = new Date().toISOString();
  entry.type = 'outcome';
  entry.durationMs = Math.round((performance.now() - startedMs) * 1000) / 1000;
  entry.upstream = state.upstream;
  entry.v2Calls = state.v2Calls;
  entry.legacy = legacySummary(result);
  entry.rows = rows;
  if (state.inDoubt) entry.inDoubt = true;
  if (state.createdIds?.length) entry.createdIds = state.createdIds;
  if (state.createdRows?.length) entry.createdRows = state.createdRows;
  if (state.writes.length) entry.writes = state.writes;
  if (state.duplicates.length) entry.duplicates = state.duplicates;
  if (state.resolutions.length) entry.resolutions = state.resolutions;
  if (state.credits) entry.credits = state.credits;
  if (state.notes?.length) entry.notes = state.notes;
  if (state.read) entry.read = state.read;
  if (state.refused) {
    entry.xmlData = state.refused.xmlData;
    entry.trace = state.refused.trace;
  }
  const error = failure?.error || state.upstreamError;
  if (error) entry.error = error;
  // A failed v2 write (down, 5xx, timeout, 429, local budget or queue) is an upstream failure: logged at warn.
  if (failure?.category || state.upstreamError) entry.category = failure?.category || 'upstream';
  return entry;
}

/**
 * The `outcome` line of a call rejected before a LegacyCall existed (no params, no profile, nothing upstream).
 * `call.method` is the v1 method ('' when the path names none), `call.httpMethod` the HTTP method when the
 * refusal is about it or happened below the legacy layer; `result` undefined = the answer was no legacy answer
 * (a 405 text, a 408, a dropped connection: `failure.httpStatus` says which).
 */
export function rejectedEntry(
  origin: CallOrigin,
  call: { format: LegacyFormat; path: string; method: string; module?: string; httpMethod?: string },
  result: LegacyResult | undefined,
  failure: CallFailure,
  authtoken?: string,
  /** Recognises this proxy's legacy authtokens (see callSummary). */
  isAcceptedToken?: (candidate: string) => boolean,
): JournalOutcomeEntry {
  return {
    type: 'outcome',
    id: origin.requestId,
    ...(origin.clientRequestId ? { clientRequestId: origin.clientRequestId } : {}),
    ts: new Date().toISOString(),
    client: { address: origin.address, userAgent: origin.userAgent, tokenFingerprint: tokenFingerprint(authtoken) },
    format: call.format,
    module: scrubPath(call.module ?? '', isAcceptedToken, 64),
    method: scrubPath(call.method, isAcceptedToken, 64),
    path: scrubPath(call.path, isAcceptedToken, 256),
    params: {},
    durationMs: 0,
    upstream: false,
    v2Calls: [],
    legacy: result ? legacySummary(result) : { kind: 'error' },
    rows: [],
    category: failure.category,
    error: failure.error,
    ...(call.httpMethod ? { httpMethod: call.httpMethod.slice(0, 20) } : {}),
    ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
  };
}

/**
 * The facts of a call's one log line, the server's access line (server/access-log.ts adds the HTTP side):
 * module, method, the legacy code ("2000" for a success answer), profile, rows, v2 calls, inDoubt, category, error.
 */
export interface CallFacts {
  module: string;
  method: string;
  /** Legacy code of the answer; "2000" for success answers. */
  code: string;
  profile?: string;
  /** Rows of the answer: a read's records (journal `read.rows`), a write's row results (journal `rows`); 0 for actions. */
  rows?: number;
  v2Calls?: number;
  inDoubt?: boolean;
  category?: string;
  err?: string;
  /**
   * A call refused before authentication (no profile): its log line follows the same reject sample as its
   * journal line — `sampledOut` when the sample left it out (no access line either), `suppressedRejects` = how
   * many were left out before it — and carries a capped user agent. Absent for authenticated calls.
   */
  reject?: { sampledOut: boolean; suppressedRejects: number };
}

/** What the reject sample decided for an unauthenticated call (journaledForm); undefined for authenticated calls. */
export interface RejectSample {
  sampledOut: boolean;
  suppressedRejects: number;
}

/** The legacy code an answer is counted and logged under: its error code, or "2000" for a success answer. */
export function legacyCode(legacy: { code?: string }): string {
  return legacy.code ?? '2000';
}

/**
 * The access-line facts of an outcome line; module, method and code are the metrics owner's label values
 * (`metrics.callLabels`), so the log line and the counters name a call alike.
 */
export function callFacts(o: JournalOutcomeEntry, metrics?: CallMetrics, reject?: RejectSample): CallFacts {
  const code = legacyCode(o.legacy);
  const labels = metrics ? metrics.callLabels(o.module, o.method, code) : { module: o.module, method: o.method, code };
  // A literal, then only the keys that apply (see summaryFields for why not spreads).
  const facts: CallFacts = {
    module: labels.module,
    method: labels.method,
    code: labels.code,
    profile: o.profile || undefined,
    // The rows of the answer, as the journal counts them: a read's records (`read.rows`), a write's row results.
    rows: o.read ? o.read.rows : o.rows.length,
    v2Calls: o.v2Calls.length,
  };
  if (o.inDoubt) facts.inDoubt = true;
  if (o.category) facts.category = o.category;
  if (o.error) facts.err = o.error;
  if (reject) facts.reject = reject;
  return facts;
}

/**
 * Journal the outcome line and move the metrics. A failing journal is logged, never thrown (the client's answer is
 * already decided). `v2Module` labels the row counters (absent: rows are not counted). The call's one log line is
 * the server's access line, built from `callFacts(outcome)`.
 */
export function recordOutcome(sinks: OutcomeSinks, outcome: JournalOutcomeEntry, v2Module?: string): RejectSample | undefined {
  const { metrics, logger, journal } = sinks;
  let line: JournalOutcomeEntry | undefined;
  try {
    line = journaledForm(sinks, outcome);
    if (line) journal.append(line);
  } catch (error) {
    logger.error({ reqId: outcome.id, err: (error as Error).message }, 'journal write failed');
  }
  metrics?.countCall(outcome.module, outcome.method, legacyCode(outcome.legacy));
  if (metrics && v2Module) for (const row of outcome.rows) metrics.rows.inc({ module: v2Module, code: row.code });
  if (outcome.inDoubt) metrics?.inDoubt.inc({ profile: outcome.profile ?? '' });
  return rejectSampleOf(outcome, line);
}

/** The sample decision journaledForm made for `outcome` (`line` = what it kept), or undefined for authenticated calls. */
function rejectSampleOf(outcome: JournalOutcomeEntry, line: JournalOutcomeEntry | undefined): RejectSample | undefined {
  if (outcome.profile !== undefined) return undefined;
  return { sampledOut: line === undefined, suppressedRejects: line?.suppressedRejects ?? 0 };
}

/** Journal and count a call the server rejected before the bridge saw it; returns its access-line facts. */
export function recordRejected(sinks: OutcomeSinks, outcome: JournalOutcomeEntry): CallFacts {
  return recordRejectedSampled(sinks, outcome).facts;
}

/**
 * recordRejected, also saying whether the reject sample kept this call's journal line (`sampled`) and how many
 * were left out before it (`suppressed`): a caller with no access line (a connection refused below express)
 * writes its log line on the same sample. A refusal answered without a legacy answer (no `legacy.code`: a 405,
 * a 408, a dropped connection) is not a legacy call: it moves zbridge_rejected_requests_total only, and its
 * facts' `code` is the HTTP status.
 */
export function recordRejectedSampled(sinks: OutcomeSinks, outcome: JournalOutcomeEntry): { facts: CallFacts; sampled: boolean; suppressed: number } {
  let line: JournalOutcomeEntry | undefined;
  try {
    line = journaledForm(sinks, outcome);
    if (line) sinks.journal.append(line);
  } catch (error) {
    sinks.logger.error({ reqId: outcome.id, err: (error as Error).message }, 'journal write failed');
  }
  const legacyAnswer = outcome.legacy.code !== undefined;
  const code = legacyAnswer ? legacyCode(outcome.legacy) : outcome.httpStatus ? String(outcome.httpStatus) : '';
  const labels =
    sinks.metrics && legacyAnswer
      ? sinks.metrics.countCall(outcome.module, outcome.method, code)
      : sinks.metrics
        ? sinks.metrics.callLabels(outcome.module, outcome.method, code)
        : { module: outcome.module, method: outcome.method, code };
  const reject = rejectSampleOf(outcome, line);
  const facts: CallFacts = { ...labels, ...(outcome.category ? { category: outcome.category } : {}), ...(outcome.error ? { err: outcome.error } : {}), ...(reject ? { reject } : {}) };
  return { facts, sampled: line !== undefined, suppressed: line?.suppressedRejects ?? 0 };
}

/** The call's field traces folded over its rows: a 100-row call journals each label once, with a count. */
function summariseTrace(plan: V2Plan): NonNullable<JournalRequestEntry['trace']>[number]['fields'] {
  const byKey = new Map<string, { label: string; apiName?: string; outcome: string; example?: string; count: number }>();
  for (const row of plan.rows) {
    for (const f of row.trace) {
      const key = `${f.label}\u0000${f.apiName ?? ''}\u0000${f.outcome}`;
      const seen = byKey.get(key);
      if (seen) {
        seen.count += 1;
        if (seen.example === undefined && f.example) seen.example = f.example;
      } else {
        byKey.set(key, { ...f, count: 1 });
      }
    }
  }
  return [...byKey.values()];
}

/** One v2 call record of the client → its journal form. */
export function toJournalCall(c: { method: string; path: string; status?: number; durationMs: number; attempts: number; error?: string }): JournalV2Call {
  return { method: c.method, path: c.path, status: c.status, durationMs: c.durationMs, attempts: c.attempts, ...(c.error ? { error: c.error } : {}) };
}

function legacySummary(result: LegacyResult): JournalOutcomeEntry['legacy'] {
  if (result.kind === 'error' || result.kind === 'nodata' || result.kind === 'search-error') return { kind: result.kind, code: result.error.code, message: result.error.message };
  return { kind: result.kind };
}
