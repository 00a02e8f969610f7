/**
 * One legacy call end to end, shared by the proxy and replay tooling:
 * authtoken → profile, scope, method, module (Schema), xmlData → rows, resolutions, plan, duplicate pre-check,
 * journal `request` line, v2 writes, results, journal `outcome` line. Never throws: every failure becomes the
 * legacy error an old client understands, a log line and a journal entry.
 */
import { performance } from 'node:perf_hooks';
import { ZbridgeError } from '../errors.js';
import type { LegacyCall, LegacyResult } from '../legacy/types.js';
import type { XmlDataLimits } from '../legacy/xmldata.js';
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
import { redactParams, scrubText, tokenFingerprint } from '../journal/redact.js';
import { resolutionRequests, createdIds } from '../mapping/index.js';
import { legacyAnswer, legacyErrorOf, type LegacyRowCode } from '../mapping/results.js';
import { CallRejected, checkCall, planPrepared, prepareCall } from '../mapping/translate.js';
import type { ExistingRecord, V2Outcome, V2Plan, V2Request } from '../mapping/types.js';
import { asObject, dataArray, entryCode, entryDetails } from '../v2/answers.js';
import type { AuthLookup, CallMetrics, Logger } from './ports.js';
import type { ProfileRuntime, Upstream } from '../upstream.js';
import { fetchRecord } from '../zoho/records.js';
import { duplicateCheckValues, precheckDuplicates } from './duplicates.js';
import { duplicateLockKey, MemoryKeyedLock, type KeyedLock, type Unlock } from '../state/lock.js';
import { creditsFor, withoutRows } from './plan-edit.js';
import { LookupCache, resolveRequests } from './resolve.js';
import { SchemaCache } from './schema-cache.js';

export interface CallOrigin {
  requestId: string;
  address?: string;
  userAgent?: string;
}

export interface BridgeAnswer {
  result: LegacyResult;
  /** The profile that served the call (its JSON content-type preference), when the authtoken selected one. */
  profile?: ProfileRuntime;
  outcome: JournalOutcomeEntry;
}

export interface BridgeDeps {
  upstream: Upstream;
  auth: AuthLookup;
  journal: Journal;
  logger: Logger;
  metrics?: CallMetrics;
  xmlLimits?: XmlDataLimits;
  /** Lifetime of cached name → id lookups (ms). Default 5 min. */
  lookupCacheMs?: number;
  /**
   * Serialises duplicate-checked inserts per (profile, module, value), from the pre-check to the answered
   * writes. Default: in-process (MemoryKeyedLock); several replicas need the shared (Redis) one.
   */
  locks?: KeyedLock;
}

export class Bridge {
  private readonly schemas = new SchemaCache();
  private readonly lookups: LookupCache;
  private readonly locks: KeyedLock;

  constructor(private readonly deps: BridgeDeps) {
    this.lookups = new LookupCache(deps.lookupCacheMs ?? 300_000);
    this.locks = deps.locks ?? new MemoryKeyedLock();
  }

  async handle(call: LegacyCall, origin: CallOrigin): Promise<BridgeAnswer> {
    const started = performance.now();
    const summary: JournalCallSummary = {
      id: origin.requestId,
      ts: new Date().toISOString(),
      client: { address: origin.address, userAgent: origin.userAgent, tokenFingerprint: tokenFingerprint(call.authtoken) },
      format: call.format,
      module: call.module,
      method: call.method,
      path: call.path,
      params: redactParams(call.params),
    };
    const state: CallState = { upstream: false, v2Calls: [], credits: 0, duplicates: [], resolutions: [] };
    let profile: ProfileRuntime | undefined;
    let result: LegacyResult;
    let category: string | undefined;
    let errorText: string | undefined;
    let plan: V2Plan | undefined;
    let rowCodes: LegacyRowCode[] = [];
    try {
      profile = this.authenticate(call);
      summary.profile = profile.name;
      let failure;
      ({ result, plan, rows: rowCodes, failure } = await this.translate(call, profile, summary, state));
      if (failure) {
        category = failure.category;
        errorText = scrubText(failure.error, call.authtoken ? [call.authtoken] : []);
      }
    } catch (error) {
      result = { kind: 'error', error: legacyErrorOf(error) };
      category = error instanceof CallRejected ? error.category : error instanceof ZbridgeError ? error.side : 'bridge';
      // Last fence: no message may carry the client's token or an OAuth token into logs and journals.
      errorText = scrubText((error as Error).message, call.authtoken ? [call.authtoken] : []);
      if (error instanceof ZbridgeError && error.side === 'bridge') this.deps.logger.error({ reqId: origin.requestId, err: errorText }, 'bridge failure');
    } finally {
      await state.unlock?.();
    }

    const outcome: JournalOutcomeEntry = {
      ...summary,
      ts: new Date().toISOString(),
      type: 'outcome',
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      upstream: state.upstream,
      v2Calls: state.v2Calls,
      legacy: legacySummary(result),
      rows: rowCodes,
      ...(state.inDoubt ? { inDoubt: true } : {}),
      ...(state.createdIds?.length ? { createdIds: state.createdIds } : {}),
      ...(state.duplicates.length ? { duplicates: state.duplicates } : {}),
      ...(state.resolutions.length ? { resolutions: state.resolutions } : {}),
      ...(state.credits ? { credits: state.credits } : {}),
      ...(errorText ? { error: errorText } : {}),
      ...(category ? { category } : {}),
    };
    // Ids this bridge created are Notes parents later (v1 entityId never names its module): no probing needed.
    if (profile && plan) for (const row of outcome.rows) if (row.code === '2000' && row.id) profile.noteParents.remember(row.id, plan.module);
    this.record(outcome, plan);
    return { result, profile, outcome };
  }

  private authenticate(call: LegacyCall): ProfileRuntime {
    if (!call.authtoken) {
      // The pre-2012 ticket + apikey pair answered 4500 in practice (documented: 4000).
      if (call.params.ticket !== undefined || call.params.apikey !== undefined) {
        throw new CallRejected({ reason: 'unsupported-auth', category: 'auth', detail: 'ticket/apikey authentication is not supported' });
      }
      throw new CallRejected({ reason: 'invalid-authtoken', category: 'auth', detail: 'missing authtoken' });
    }
    const name = this.deps.auth.lookup(call.authtoken);
    if (!name) throw new CallRejected({ reason: 'invalid-authtoken', category: 'auth', detail: 'unknown authtoken' });
    return this.deps.upstream.profile(name);
  }

  private async translate(
    call: LegacyCall,
    profile: ProfileRuntime,
    summary: JournalCallSummary,
    state: CallState,
  ): Promise<{ result: LegacyResult; plan?: V2Plan; rows: LegacyRowCode[]; failure?: { category: string; error: string } }> {
    // The schema is fetched only for calls that pass the cheap checks (scope, method): a pre-check without it.
    const early = checkCall(call, { requireScope: true });
    if (early) {
      if (early.category === 'unsupported-method') this.deps.metrics?.unsupported.inc({ method: call.method });
      throw new CallRejected(early);
    }
    const schema = await this.schemas.forModule(profile, call.module);
    const prepared = prepareCall(call, schema, { xmlLimits: this.deps.xmlLimits });
    if (!prepared.ok) throw new CallRejected(prepared.rejection);
    const { module, parsed } = prepared.prepared;

    const needs = resolutionRequests(module, parsed.rows, schema!, profile.mappingOptions);
    const resolved = await resolveRequests(needs, profile, this.lookups);
    state.resolutions.push(...resolved.journal);
    state.credits += resolved.calls;
    const timeZone = await profile.timeZone();
    const planned = planPrepared(prepared.prepared, {
      schema: schema!,
      timeZone: timeZone ?? 'UTC',
      options: profile.mappingOptions,
      resolutions: resolved.resolutions,
    });
    if ('rejection' in planned) throw new CallRejected(planned.rejection);
    let plan = planned.plan;
    if (plan.error) {
      // A whole-call problem decided locally: nothing was sent; the reason goes to the log and the journal.
      const failure = plan.reason ? { category: 'bad-request', error: plan.reason } : undefined;
      return { result: { kind: 'error', error: plan.error }, plan, rows: [], failure };
    }

    // duplicateCheck=1: v1's promise, kept by searching first (v2 insert does not check the system field).
    const existing = new Map<number, ExistingRecord>();
    let followers = new Map<number, number>();
    if (plan.duplicateCheck === 1 && plan.operation === 'insert' && (plan.version4 || plan.rows.length === 1)) {
      // Held until the writes are answered: a concurrent call with the same value then finds this one's record.
      state.unlock = await this.locks.acquire(duplicateCheckValues(plan).map((v) => duplicateLockKey(profile.name, plan!.module, v)));
      const pre = await precheckDuplicates(plan, profile.client);
      state.credits += pre.searches;
      pre.existing.forEach((record, row) => existing.set(row, record));
      state.duplicates.push(...pre.found);
      followers = pre.followers;
      plan = withoutRows(plan, new Set([...existing.keys(), ...followers.keys()]));
    }

    this.deps.journal.append({
      ...summary,
      type: 'request',
      xmlData: call.xmlData,
      plan: {
        operation: plan.operation,
        module: plan.module,
        requests: plan.requests.map((r) => ({ method: r.method, path: r.path, records: r.body.data.length })),
        bodies: plan.requests.map((r) => r.body),
      },
      warnings: plan.warnings.length ? plan.warnings : undefined,
      trace: [{ no: '*', fields: summariseTrace(plan) }],
    });

    const outcomes: V2Outcome[] = [];
    const requests: V2Request[] = [...plan.requests];
    for (let i = 0; i < requests.length; i += 1) {
      const { outcome, calls } = await profile.client.execute(requests[i], plan.operation);
      state.upstream = true;
      state.v2Calls.push(...calls.map(toJournalCall));
      if (outcome.kind === 'response') state.credits += creditsFor([requests[i]]);
      if (outcome.kind === 'failure' && outcome.inDoubt) state.inDoubt = true;
      outcomes.push(outcome);
      // Rows that repeat an earlier row's value: if that row failed, the first follower goes next (v1 order).
      if (i === requests.length - 1 && followers.size > 0) {
        const next = promoteFollowers(plan, requests, outcomes, followers, existing, state.duplicates);
        if (next) requests.push(next);
      }
    }
    plan = { ...plan, requests };

    // A v2 DUPLICATE_DATA under duplicateCheck=1 also means "found": answer with the existing record.
    if (plan.duplicateCheck === 1) await this.fetchDuplicates(plan, outcomes, existing, profile, state);

    const { result, rows } = legacyAnswer(plan, outcomes, {
      timeZone,
      existing,
      schema: schema!,
      unknownIdRowCode: profile.mappingOptions.unknownIdRowCode,
    });
    if (result.kind === 'error') state.createdIds = createdIds(plan, outcomes);
    return { result, plan, rows };
  }

  private async fetchDuplicates(
    plan: V2Plan,
    outcomes: V2Outcome[],
    existing: Map<number, ExistingRecord>,
    profile: ProfileRuntime,
    state: CallState,
  ): Promise<void> {
    const jobs: Promise<void>[] = [];
    plan.requests.forEach((req, r) => {
      const outcome = outcomes[r];
      if (outcome?.kind !== 'response') return;
      (dataArray(outcome.body) ?? []).forEach((item, i) => {
        const entry = asObject(item);
        const details = entryDetails(entry);
        const rowIndex = req.rows[i];
        if (entryCode(entry) !== 'DUPLICATE_DATA' || details.id === undefined || existing.has(rowIndex)) return;
        const id = String(details.id);
        jobs.push(
          // The writes are done: a failed fetch must not turn the answer into an error, so fall back to the id alone.
          fetchRecord(profile.client, plan.module, id)
            .catch(() => undefined)
            .then((record) => {
              state.credits += 1;
              existing.set(rowIndex, (record as ExistingRecord | undefined) ?? { id });
              state.duplicates.push({ no: plan.rows[rowIndex].no, field: typeof details.api_name === 'string' ? details.api_name : '', existingId: id, via: 'unique' });
            }),
        );
      });
    });
    await Promise.all(jobs);
  }

  private record(outcome: JournalOutcomeEntry, plan: V2Plan | undefined): void {
    const { metrics, logger, journal } = this.deps;
    try {
      journal.append(outcome);
    } catch (error) {
      logger.error({ reqId: outcome.id, err: (error as Error).message }, 'journal write failed');
    }
    // The one per-call log line is the server's access line (server/access-log.ts), built from this outcome.
    const code = outcome.legacy.code ?? '2000';
    metrics?.countCall(outcome.module, outcome.method, code);
    if (metrics && plan) for (const row of outcome.rows) metrics.rows.inc({ module: plan.module, code: row.code });
    if (outcome.inDoubt) metrics?.inDoubt.inc({ profile: outcome.profile ?? '' });
  }
}

interface CallState {
  upstream: boolean;
  v2Calls: JournalV2Call[];
  credits: number;
  duplicates: JournalDuplicate[];
  resolutions: JournalResolution[];
  inDoubt?: boolean;
  createdIds?: string[];
  /** Releases the duplicate-check keys this call holds. */
  unlock?: Unlock;
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

function toJournalCall(c: { method: string; path: string; status?: number; durationMs: number; attempts: number; error?: string }): JournalV2Call {
  return { method: c.method, path: c.path, status: c.status, durationMs: c.durationMs, attempts: c.attempts, ...(c.error ? { error: c.error } : {}) };
}

/** Per-row v2 answer of a planned row: the data[i] entry of its request, if any. */
function v2EntryFor(requests: V2Request[], outcomes: V2Outcome[], rowIndex: number): Record<string, unknown> | undefined {
  for (let r = 0; r < outcomes.length; r += 1) {
    const i = requests[r].rows.indexOf(rowIndex);
    if (i < 0) continue;
    const outcome = outcomes[r];
    if (outcome.kind !== 'response') return undefined;
    return asObject(dataArray(outcome.body)?.[i]);
  }
  return undefined;
}

/**
 * After a round of writes: followers whose leader was created become "already exists" with the leader's
 * record; for leaders that failed, the first follower is sent next (as v1, processing in order, would have
 * inserted it). Returns the next request, if any.
 */
function promoteFollowers(
  plan: V2Plan,
  requests: V2Request[],
  outcomes: V2Outcome[],
  followers: Map<number, number>,
  existing: Map<number, ExistingRecord>,
  found: JournalDuplicate[],
): V2Request | undefined {
  const nextLeaders = new Map<number, number>(); // failed leader → new leader
  for (const [row, leader] of [...followers]) {
    const entry = v2EntryFor(requests, outcomes, leader);
    const details = asObject(entry?.details);
    if (entry?.status === 'success' && details) {
      existing.set(row, { ...(details as ExistingRecord), id: String(details.id) });
      found.push({ no: plan.rows[row].no, field: plan.duplicateCheckField ?? '', existingId: String(details.id), via: 'batch' });
      followers.delete(row);
    } else if (!nextLeaders.has(leader)) {
      nextLeaders.set(leader, row);
      followers.delete(row);
    } else {
      followers.set(row, nextLeaders.get(leader)!);
    }
  }
  if (nextLeaders.size === 0) return undefined;
  const template = requests[0];
  const rows = [...nextLeaders.values()].sort((a, b) => a - b);
  return { ...template, rows, body: { ...template.body, data: rows.map((r) => plan.rows[r].record!) } };
}

function legacySummary(result: LegacyResult): JournalOutcomeEntry['legacy'] {
  if (result.kind === 'error' || result.kind === 'nodata') return { kind: result.kind, code: result.error.code, message: result.error.message };
  return { kind: result.kind };
}
