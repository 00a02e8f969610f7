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
import type { Journal, JournalCallSummary, JournalDuplicate, JournalOutcomeEntry, JournalRequestEntry } from '../journal/types.js';
import { summariseWrite, unsentMark } from '../journal/writes.js';
import { scrubMessage } from '../journal/redact.js';
import { resolutionRequests, createdIds, rowFailure, settledRefusal, type ResolutionRequests } from '../mapping/index.js';
import { credentialRefusal, legacyAnswer, legacyErrorOf, type LegacyRowCode } from '../mapping/results.js';
import { ACTION_METHODS } from '../mapping/actions.js';
import { CallRejected, checkCall, checkScope, planPrepared, prepareCall, type PreparedCall } from '../mapping/translate.js';
import { MemoryAttachmentIndex, type AttachmentIndex } from '../state/attachments.js';
import { ActionBridge, type LegacyDownload } from './actions.js';
import { RelatedListCache } from './related-lists.js';
import type { Schema } from '../mapping/schema.js';
import type { ExistingRecord, V2Operation, V2Outcome, V2Plan, V2Record, V2Request } from '../mapping/types.js';
import { asObject, dataArray, entryCode, entryDetails } from '../v2/answers.js';
import { duplicateLockKey, MemoryKeyedLock, type KeyedLock } from '../state/lock.js';
import type { ProfileRuntime, Upstream } from '../upstream.js';
import { fetchRecord } from '../zoho/records.js';
import { duplicateCheckValues, precheckDuplicates } from './duplicates.js';
import type { RejectSampler } from './reject-sampler.js';
import { callSummary, localRefusal, newCallState, outcomeEntry, recordOutcome, requestEntry, toJournalCall, type CallOrigin, type CallState, type RejectSample } from './outcome.js';
import type { AuthLookup, CallMetrics, Logger } from './ports.js';
import { creditsFor, withoutRows } from './plan-edit.js';
import { READ_METHODS, ReadBridge, SEARCH_METHODS, type ReadOptions } from './reads.js';
import { DEFAULT_LOOKUP_CACHE_MS, DEFAULT_RECENT_RECORDS_MS, LookupCache, NAME_FIELDS, resolveRequests } from './resolve.js';
import { duplicateCheckField } from '../v2/modules.js';
import { SchemaCache } from './schema-cache.js';

export type { CallOrigin } from './outcome.js';

export interface BridgeAnswer {
  result: LegacyResult;
  /** downloadFile / downloadPhoto: the file to send instead of `result`. */
  download?: LegacyDownload;
  /** The profile that served the call (its JSON content-type preference), when the authtoken selected one. */
  profile?: ProfileRuntime;
  outcome: JournalOutcomeEntry;
  /** The reject sample's decision for a call refused before authentication (its access line follows it). */
  reject?: RejectSample;
}

export interface BridgeDeps {
  /** Samples the journal lines of unauthenticated calls. @default one sampler shared by the process */
  rejects?: RejectSampler;
  upstream: Upstream;
  auth: AuthLookup;
  journal: Journal;
  logger: Logger;
  metrics?: CallMetrics;
  xmlLimits?: XmlDataLimits;
  /** Lifetime of cached name → id lookups (ms). Default 5 min. */
  lookupCacheMs?: number;
  /**
   * Lifetime of the memory of records this deployment wrote or found (ms; 0: none), consulted by duplicateCheck=1
   * and lookups by name before v2 search, which trails writes (PROTOCOL-READS §6.3). @default DEFAULT_RECENT_RECORDS_MS (10 min)
   */
  recentRecordsMs?: number;
  /**
   * Serialises duplicate-checked inserts per (profile, module, value), from the pre-check to the answered
   * writes. Default: in-process (MemoryKeyedLock); several replicas need the shared (Redis) one.
   */
  locks?: KeyedLock;
  /** Attachment id → parent record (downloadFile, deleteFile). Default: in-process (lost on restart). */
  attachments?: AttachmentIndex;
  /** Read methods (getRecords & co): journal switch and v1 printing choices. Default: no record data journaled. */
  reads?: ReadOptions;
}

export class Bridge {
  private readonly schemas: SchemaCache;
  private readonly lookups: LookupCache;
  private readonly locks: KeyedLock;
  private readonly actions: ActionBridge;
  private readonly reads: ReadBridge;
  private readonly relatedLists = new RelatedListCache();

  /** A bare legacy authtoken in a path or module name is scrubbed like an `authtoken=` pair. */
  private readonly isAcceptedToken = (candidate: string): boolean =>
    this.deps.auth.isAccepted ? this.deps.auth.isAccepted(candidate) : this.deps.auth.lookup(candidate) !== undefined;

  constructor(private readonly deps: BridgeDeps) {
    // Only authenticated calls resolve modules: the label set grows with the org's modules, never with what
    // anonymous clients send.
    this.schemas = new SchemaCache((name) => deps.metrics?.knowModule?.(name));
    this.locks = deps.locks ?? deps.upstream.state?.locks ?? new MemoryKeyedLock();
    this.lookups = new LookupCache(
      deps.lookupCacheMs ?? DEFAULT_LOOKUP_CACHE_MS,
      Date.now,
      10_000,
      deps.upstream.state?.lookupCache,
      this.locks,
      deps.recentRecordsMs ?? DEFAULT_RECENT_RECORDS_MS,
    );
    const attachments = deps.attachments ?? new MemoryAttachmentIndex();
    this.actions = new ActionBridge({
      schemas: this.schemas,
      relatedLists: this.relatedLists,
      attachments,
      journalRequest: (entry) => this.deps.journal.append(entry),
      forget: (profile, ids) => this.lookups.forget(profile, ids),
      xmlLimits: deps.xmlLimits,
    });
    this.reads = new ReadBridge(this.schemas, deps.reads, this.relatedLists, attachments);
  }

  async handle(call: LegacyCall, origin: CallOrigin): Promise<BridgeAnswer> {
    const started = performance.now();
    const summary = callSummary(call, origin, this.isAcceptedToken);
    const state = newCallState();
    let profile: ProfileRuntime | undefined;
    let result: LegacyResult;
    let category: string | undefined;
    let errorText: string | undefined;
    let plan: V2Plan | undefined;
    let rowCodes: LegacyRowCode[] = [];
    let download: LegacyDownload | undefined;
    // Every text of the outcome goes through one fence: the client's token, OAuth tokens, and whatever a path
    // segment carried into an error text (`unknown module <segment>`), scrubbed as `path`/`module` are.
    const scrub = (text: string): string => scrubMessage(text, { secrets: call.authtoken ? [call.authtoken] : [], isAcceptedToken: this.isAcceptedToken });
    try {
      profile = this.authenticate(call);
      summary.profile = profile.name;
      if (ACTION_METHODS.has(call.method)) {
        const scope = checkScope(call);
        if (scope) throw new CallRejected(scope);
        const action = await this.actions.handle(call, profile, summary, state);
        result = action.result;
        download = action.download;
        if (action.notes.length > 0) state.notes = action.notes;
        if (action.failure) {
          category = action.failure.category;
          errorText = scrub(action.failure.error);
        }
      } else {
        let failure;
        ({ result, plan, rows: rowCodes, failure } = await this.translate(call, profile, summary, state));
        if (failure) {
          category = failure.category;
          errorText = scrub(failure.error);
        }
      }
    } catch (error) {
      // searchRecords/getSearchRecords answer every error in their hand-built style, 4834 included (§6.2).
      result = SEARCH_METHODS.has(call.method) ? { kind: 'search-error', error: legacyErrorOf(error) } : { kind: 'error', error: legacyErrorOf(error) };
      category = error instanceof CallRejected ? error.category : error instanceof ZbridgeError ? error.side : 'bridge';
      // Last fence: no message may carry the client's token or an OAuth token into logs and journals.
      errorText = scrub((error as Error).message);
      if (error instanceof ZbridgeError && error.side === 'bridge') this.deps.logger.error({ reqId: origin.requestId, err: errorText }, 'bridge failure');
    } finally {
      await state.unlock?.();
    }

    if (state.upstreamError) state.upstreamError = scrub(state.upstreamError);
    if (state.notes) state.notes = state.notes.map(scrub);
    if (state.read?.notes) state.read = { ...state.read, notes: state.read.notes.map(scrub) };
    const outcome = outcomeEntry(summary, started, state, result, rowCodes, category ? { category, error: errorText ?? '' } : undefined);
    // Ids this bridge created are Notes parents later (v1 entityId never names its module): no probing needed.
    if (profile && plan) for (const row of outcome.rows) if (row.code === '2000' && row.id) profile.noteParents.remember(row.id, plan.module);
    const reject = recordOutcome(this.deps, outcome, plan?.module);
    return { result, download, profile, outcome, reject };
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

  /** The stages of a translated write, in order; each stage below is one step of README "How a call flows". */
  private async translate(
    call: LegacyCall,
    profile: ProfileRuntime,
    summary: JournalCallSummary,
    state: CallState,
  ): Promise<{ result: LegacyResult; plan?: V2Plan; rows: LegacyRowCode[]; failure?: { category: string; error: string } }> {
    if (READ_METHODS.has(call.method)) return this.read(call, profile, state);
    const { schema, prepared } = await this.prepare(call, profile);
    // Nothing upstream (not even a search) while the journal refuses lines: the call could not be journaled.
    const health = this.deps.journal.check?.();
    if (health && !health.ok) {
      throw new CallRejected({ reason: 'internal', category: 'journal', detail: `journal not writable: ${health.error ?? 'unknown'}` });
    }
    const { plan: planned, timeZone } = await this.plan(prepared, schema, profile, summary, state);
    if (planned.error) {
      // A whole-call problem decided locally: nothing was sent; the reason goes to the log and the journal.
      const failure = planned.reason ? { category: 'bad-request', error: planned.reason } : undefined;
      state.refused = localRefusal(call, planned);
      return { result: { kind: 'error', error: planned.error }, plan: planned, rows: [], failure };
    }
    const { plan: toSend, existing, followers } = await this.precheck(planned, profile, state);
    // Before any v2 write: a crash after this line leaves the call "in doubt", never unrecorded.
    this.journalIntent(requestEntry(summary, call, toSend));
    const { plan, outcomes } = await this.write(toSend, profile, state, existing, followers);
    // A v2 DUPLICATE_DATA under duplicateCheck=1 also means "found": answer with the existing record.
    if (plan.duplicateCheck === 1) await this.fetchDuplicates(plan, outcomes, existing, profile, state);
    const { result, rows } = legacyAnswer(plan, outcomes, {
      timeZone,
      existing,
      schema,
      unknownIdRowCode: profile.mappingOptions.unknownIdRowCode,
    });
    // Still under the duplicate-check lock: a call waiting on it finds these records without the (lagging) search.
    await this.rememberWritten(plan, outcomes, existing, profile, summary.id);
    if (result.kind === 'error') {
      state.createdIds = createdIds(plan, outcomes);
      state.createdRows = createdRows(plan, outcomes);
    }
    // v2 refused the bridge's own credentials (401, scope): the client gets 4500; the log and journal say why.
    for (const o of outcomes) {
      const refusal = o?.kind === 'response' ? credentialRefusal(o.status, o.body) : undefined;
      if (refusal) return { result, plan, rows, failure: { category: 'upstream', error: refusal } };
    }
    return { result, plan, rows };
  }

  /** A read method (getRecords & co, bridge/reads.ts): no plan, no request line; the outcome carries `read`. */
  private async read(
    call: LegacyCall,
    profile: ProfileRuntime,
    state: CallState,
  ): Promise<{ result: LegacyResult; rows: LegacyRowCode[]; failure?: { category: string; error: string } }> {
    if ((call.params.scope ?? '').toLowerCase() !== 'crmapi') {
      throw new CallRejected({ reason: 'bad-parameter', parameter: 'scope', category: 'bad-request', detail: 'scope is not crmapi' });
    }
    const read = await this.reads.handle(call, profile);
    state.upstream = read.v2Calls.length > 0;
    state.v2Calls.push(...read.v2Calls.map(toJournalCall));
    state.credits += read.credits;
    state.read = { rows: read.rows, ...(read.notes.length ? { notes: read.notes } : {}), ...(read.records ? { records: read.records } : {}) };
    return { result: read.result, rows: [], ...(read.category ? { failure: { category: read.category, error: read.error ?? '' } } : {}) };
  }

  /** Checks (scope, method: before any metadata is fetched), the profile's schema, module and xmlData parse. */
  private async prepare(call: LegacyCall, profile: ProfileRuntime): Promise<{ schema: Schema; prepared: PreparedCall }> {
    const early = checkCall(call, { requireScope: true });
    if (early) {
      if (early.category === 'unsupported-method') this.deps.metrics?.unsupported.inc({ method: this.deps.metrics.callLabels('', call.method, '').method });
      throw new CallRejected(early);
    }
    const schema = await this.schemas.forModule(profile, call.module);
    const prepared = prepareCall(call, schema, { xmlLimits: this.deps.xmlLimits });
    if (!prepared.ok) throw new CallRejected(prepared.rejection);
    return { schema: schema!, prepared: prepared.prepared };
  }

  /** Names resolved over v2 (owners, Notes parents, lookups by name), then the plan. */
  private async plan(
    prepared: PreparedCall,
    schema: Schema,
    profile: ProfileRuntime,
    summary: JournalCallSummary,
    state: CallState,
  ): Promise<{ plan: V2Plan; timeZone: string | undefined }> {
    const { module, parsed, call } = prepared;
    let needs = resolutionRequests(module, parsed.rows, schema, profile.mappingOptions, call);
    const timeZone = await profile.timeZone();
    const ctx = { schema, timeZone: timeZone ?? 'UTC', options: profile.mappingOptions };
    if (hasResolutions(needs)) {
      // Resolving reads v2 and may write (lookupPolicy create): what fails for certain without the org (a value v2
      // refuses, a bad id …) is decided first, so a refused call sends nothing and a refused v4 row resolves nothing.
      const offline = planPrepared(prepared, ctx);
      if ('rejection' in offline) throw new CallRejected(offline.rejection);
      const settled = settledRefusal(offline.plan);
      if (settled.refused) return { plan: settled.refused, timeZone };
      if (settled.rows.size > 0) {
        needs = resolutionRequests(module, parsed.rows.filter((_, i) => !settled.rows.has(i)), schema, profile.mappingOptions, call);
      }
    }
    // Records created while resolving (lookupPolicy create) are journaled before they are sent.
    const resolved = await resolveRequests(needs, profile, this.lookups, (req, operation) =>
      this.journaledSideWrite(req, operation, summary, profile, state),
    );
    state.resolutions.push(...resolved.journal);
    state.credits += resolved.calls;
    const planned = planPrepared(prepared, { ...ctx, resolutions: resolved.resolutions });
    if ('rejection' in planned) throw new CallRejected(planned.rejection);
    // version=4 rows refused before sending: the journal and the log say why (the answer names only the field).
    const refusedRows = planned.plan.rows.filter((r) => r.errorReason !== undefined);
    if (planned.plan.version4 && refusedRows.length > 0) {
      state.notes = [...(state.notes ?? []), ...refusedRows.map((r) => `${rowFailure(r)}: refused before sending`)];
    }
    return { plan: planned.plan, timeZone };
  }

  /**
   * duplicateCheck=1: v1's promise, kept by searching first (v2 insert does not check the system field). Rows
   * found, and rows repeating an earlier row's value (followers), are taken out of the plan.
   */
  private async precheck(
    plan: V2Plan,
    profile: ProfileRuntime,
    state: CallState,
  ): Promise<{ plan: V2Plan; existing: Map<number, ExistingRecord>; followers: Map<number, number> }> {
    const existing = new Map<number, ExistingRecord>();
    if (!(plan.duplicateCheck === 1 && plan.operation === 'insert' && (plan.version4 || plan.rows.length === 1))) {
      return { plan, existing, followers: new Map() };
    }
    // Held until the writes are answered: a concurrent call with the same value then finds this one's record.
    state.unlock = await this.locks.acquire(duplicateCheckValues(plan).map((v) => duplicateLockKey(profile.scope, plan.module, v)));
    const field = plan.duplicateCheckField;
    const pre = await precheckDuplicates(plan, profile.client, (value) =>
      field ? this.lookups.recentRecord(profile.scope, plan.module, field, value) : Promise.resolve(undefined),
    );
    state.credits += pre.searches;
    pre.existing.forEach((record, row) => existing.set(row, record));
    state.duplicates.push(...pre.found);
    return { plan: withoutRows(plan, new Set([...existing.keys(), ...pre.followers.keys()])), existing, followers: pre.followers };
  }

  /** The v2 writes, one request after the other; followers of a failed row go next, as v1's row order would. */
  private async write(
    plan: V2Plan,
    profile: ProfileRuntime,
    state: CallState,
    existing: Map<number, ExistingRecord>,
    followers: Map<number, number>,
  ): Promise<{ plan: V2Plan; outcomes: V2Outcome[] }> {
    const outcomes: V2Outcome[] = [];
    const requests: V2Request[] = [...plan.requests];
    for (let i = 0; i < requests.length; i += 1) {
      const { outcome, calls } = await profile.client.execute(requests[i], plan.operation);
      state.upstream = true;
      state.v2Calls.push(...calls.map(toJournalCall));
      if (outcome.kind === 'response') state.credits += creditsFor([requests[i]]);
      if (outcome.kind === 'failure' && outcome.inDoubt) state.inDoubt = true;
      state.writes.push({ request: i, ...summariseWrite(outcome, requests[i].body.data.map((_, pos) => pos)), ...unsentMark(outcome, calls) });
      if (outcome.kind === 'failure') {
        // The cause (429 credits exhausted, 5xx, timeout …) goes to the journal and the log; the client gets the v1 code.
        state.upstreamError ??= outcome.message;
      }
      outcomes.push(outcome);
      if (i === requests.length - 1 && followers.size > 0) {
        const next = promoteFollowers(plan, requests, outcomes, followers, existing, state.duplicates);
        if (next) requests.push(next);
      }
    }
    return { plan: { ...plan, requests }, outcomes };
  }

  /**
   * Fills the recent-records memory (LookupCache.rememberRecord) with the rows v2 inserted, updated or upserted,
   * and the existing records duplicate checks found: their duplicate-check value and their name, so a following
   * duplicate check or lookup by name finds them while v2 search does not show them yet. The writes are done:
   * a shared store that fails here is logged, never turned into an error answer.
   */
  private async rememberWritten(
    plan: V2Plan,
    outcomes: V2Outcome[],
    existing: Map<number, ExistingRecord>,
    profile: ProfileRuntime,
    reqId: string,
  ): Promise<void> {
    const ids = new Map<number, string>();
    existing.forEach((record, row) => ids.set(row, String(record.id)));
    plan.requests.forEach((req, r) => {
      const outcome = outcomes[r];
      if (!outcome) return;
      const w = summariseWrite(outcome, req.rows);
      (w.succeeded ?? []).forEach((row, k) => w.ids?.[k] !== undefined && ids.set(row, w.ids[k]));
    });
    const jobs: Promise<void>[] = [];
    for (const [row, id] of ids) {
      const record = plan.rows[row]?.record;
      if (!record) continue;
      for (const [field, value] of identityValues(plan.module, record)) {
        jobs.push(this.lookups.rememberRecord(profile.scope, plan.module, field, value, id));
      }
    }
    try {
      await Promise.all(jobs);
    } catch (error) {
      this.deps.logger.error({ reqId, err: (error as Error).message }, 'recent-records memory not updated');
    }
  }

  /** The request line goes first; a journal that cannot take it refuses the call before anything is written. */
  private journalIntent(entry: JournalRequestEntry): void {
    try {
      this.deps.journal.append(entry);
    } catch (error) {
      throw new CallRejected({ reason: 'internal', category: 'journal', detail: `journal write failed: ${(error as Error).message}` });
    }
  }

  /**
   * A v2 write made on the call's behalf before its own (a lookup created by policy `create`): journaled as a
   * request line with `parentId` before it is sent and an outcome line after, so replay and reports see it.
   */
  private async journaledSideWrite(
    req: V2Request,
    operation: V2Operation,
    summary: JournalCallSummary,
    profile: ProfileRuntime,
    state: CallState,
  ): Promise<{ outcome: V2Outcome }> {
    state.sideWrites = (state.sideWrites ?? 0) + 1;
    const module = /^\/crm\/v2\/([^/]+)/.exec(req.path)?.[1] ?? '';
    const side: JournalCallSummary & { parentId: string; purpose: 'lookup-create' } = {
      ...summary,
      id: `${summary.id}:create-${state.sideWrites}`,
      ts: new Date().toISOString(),
      parentId: summary.id,
      purpose: 'lookup-create',
    };
    this.journalIntent({
      ...side,
      type: 'request',
      plan: { operation, module, requests: [{ method: req.method, path: req.path, records: req.body.data.length }], bodies: [req.body] },
    });
    const started = performance.now();
    const { outcome, calls } = await profile.client.execute(req, operation);
    state.upstream = true;
    state.v2Calls.push(...calls.map(toJournalCall));
    if (outcome.kind === 'failure' && outcome.inDoubt) state.inDoubt = true;
    const write = summariseWrite(outcome, req.body.data.map((_, pos) => pos));
    try {
      this.deps.journal.append({
        ...side,
        ts: new Date().toISOString(),
        type: 'outcome',
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        upstream: true,
        v2Calls: calls.map(toJournalCall),
        legacy: write.status === 'done' ? { kind: 'success' } : { kind: 'error', message: write.error },
        rows: (write.ids ?? []).map((id, i) => ({ no: String(i + 1), code: '2000', id })),
        ...(write.status === 'in-doubt' ? { inDoubt: true } : {}),
        writes: [{ request: 0, ...write, ...unsentMark(outcome, calls) }],
        ...(outcome.kind === 'response' ? { credits: creditsFor([req]) } : {}),
      });
    } catch (error) {
      // The request line stands: without an outcome the creation reads as in doubt, which is what it is then.
      this.deps.logger.error({ reqId: side.id, err: (error as Error).message }, 'journal write failed');
    }
    return { outcome };
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
}

/**
 * The values a record is found by before v2 search shows it: its module's duplicate-check field and its name
 * (NAME_FIELDS; Full_Name from First_Name + Last_Name as v2 composes it), as [api_name, value] pairs.
 */
function identityValues(module: string, record: V2Record): [string, string][] {
  const out = new Map<string, string>();
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const dup = duplicateCheckField(module);
  if (dup && text(record[dup])) out.set(dup, text(record[dup])!);
  const nameField = NAME_FIELDS[module] ?? 'Name';
  if (nameField === 'Full_Name') {
    const last = text(record.Last_Name);
    if (last) out.set(nameField, [text(record.First_Name), last].filter(Boolean).map((s) => s!.trim()).join(' '));
  } else if (text(record[nameField])) {
    out.set(nameField, text(record[nameField])!);
  }
  return [...out];
}

/**
 * Rows a default-version call created although it answered with an error: row `no` and v2 id, from the
 * writes' successes (updates are not creations; upserts only when they inserted).
 */
function createdRows(plan: V2Plan, outcomes: V2Outcome[]): { no: string; id: string }[] {
  if (plan.operation === 'update') return [];
  const out: { no: string; id: string }[] = [];
  plan.requests.forEach((req, r) => {
    const outcome = outcomes[r];
    if (!outcome) return;
    const w = summariseWrite(outcome, req.rows);
    (w.succeeded ?? []).forEach((rowIndex, k) => {
      if (plan.operation === 'upsert' && v2EntryFor(plan.requests, outcomes, rowIndex)?.action === 'update') return;
      out.push({ no: plan.rows[rowIndex]?.no ?? String(rowIndex + 1), id: w.ids![k] });
    });
  });
  return out;
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

/** True when planning needs anything resolved over v2 first (owners, Notes parents, lookups, records, taxes, the API user). */
function hasResolutions(needs: ResolutionRequests): boolean {
  return (
    needs.owners.length + needs.noteParents.length + needs.lookupNames.length + needs.currentRecords.length > 0 || needs.taxes || needs.apiUser
  );
}
