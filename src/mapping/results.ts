/**
 * v2 outcomes → the LegacyResult v1 would have answered (docs/PROTOCOL.md §3, §5, §9.2–§9.4). Reads every data[i]
 * whatever the HTTP status, tolerates a top-level error object, and never throws on a strange answer (4500).
 *
 * Also the ONE place a failure reason (src/errors.ts) becomes a v1 code: `legacyErrorFor` / `legacyErrorOf`.
 */
import { ZbridgeError, type FailureReason } from '../errors.js';
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import { LEGACY_MESSAGES, type LegacyRecordDetails, type LegacyResult, type LegacyRowResult } from '../legacy/types.js';
import type { UnknownIdRowCode } from './fields.js';
import { v1Label } from './modules.js';
import type { Schema } from './schema.js';
import { isoToLegacyDateTime } from './time.js';
import type { ExistingRecord, PlannedRow, V2Outcome, V2Plan } from './types.js';
import { asObject as obj, asText as str, dataArray, isSuccess } from '../v2/answers.js';

export interface ResultContext {
  /** API user's IANA zone for Created/Modified Time; absent = keep v2's wall-clock part. */
  timeZone?: string;
  /** duplicateCheck=1: rows (index) found to exist already, with the existing record as GET returned it. */
  existing?: Map<number, ExistingRecord>;
  /** For error labels of fields the client did not send (v1 label, else field_label). Default: api_name with spaces. */
  schema?: Schema;
  /** version=4 update row with unknown id: '4425' (default) or '401.2'. */
  unknownIdRowCode?: UnknownIdRowCode;
}

/* ------------------------------------------------------------------ record details */

function pick(o: Record<string, unknown>, key: string): unknown {
  return o[key] ?? o[key.toLowerCase()];
}

function userName(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = obj(v);
  const name = o?.name ?? o?.full_name;
  return typeof name === 'string' ? name : '';
}

/** v2 `details` (capitalised or 2017 lower-case keys) → the 5 FL of a v1 record summary. */
export function recordDetailsFromV2(details: unknown, timeZone?: string): LegacyRecordDetails {
  const o = obj(details) ?? {};
  const time = (key: string): string => {
    const v = str(pick(o, key));
    return v === '' ? '' : isoToLegacyDateTime(v, timeZone);
  };
  return {
    id: str(o.id ?? o.Id ?? o.ID),
    createdTime: time('Created_Time'),
    modifiedTime: time('Modified_Time'),
    createdBy: userName(pick(o, 'Created_By')),
    modifiedBy: userName(pick(o, 'Modified_By')),
  };
}

/* ------------------------------------------------------------------ failure reasons → v1 errors */

/** The v1 answer of each failure reason (docs/PROTOCOL.md §5). */
const REASON_TO_LEGACY: Record<FailureReason, (parameter?: string) => LegacyError> = {
  'bad-path': () => legacyErrors.generic(),
  'unknown-module': () => legacyErrors.generic(),
  'unsupported-method': () => legacyErrors.generic(),
  'bad-parameter': (parameter) => (parameter ? legacyErrors.badParameter(parameter) : legacyErrors.generic()),
  // The pre-2012 ticket + apikey pair answered 4500 in practice (documented: 4000).
  'unsupported-auth': () => legacyErrors.internal(),
  'invalid-authtoken': () => legacyErrors.invalidTicket(),
  // The bridge's own OAuth credentials were refused (refresh, or v2 kept refusing a fresh token): an upstream
  // problem, not the old client's authtoken — 4500, not v1's 4834 "Invalid Ticket Id" (issue 12).
  'oauth-refused': () => legacyErrors.internal(),
  'rate-limited': () => legacyErrors.rateLimit(),
  'upstream-failed': () => legacyErrors.internal(),
  'invalid-config': () => legacyErrors.internal(),
  internal: () => legacyErrors.internal(),
};

/** The v1 error of a failure reason; `parameter` names the parameter of a `bad-parameter` reason. */
export function legacyErrorFor(reason: FailureReason, parameter?: string): LegacyError {
  return (REASON_TO_LEGACY[reason] ?? REASON_TO_LEGACY.internal)(parameter);
}

/** Any thrown value → the v1 error an old client understands (4500 for anything that is not a ZbridgeError). */
export function legacyErrorOf(error: unknown): LegacyError {
  return error instanceof ZbridgeError ? legacyErrorFor(error.reason, error.parameter) : legacyErrors.internal();
}

/* ------------------------------------------------------------------ v2 error mapping */

type RowOutcome =
  | { ok: true; kind: 'added' | 'updated' | 'exists'; details: LegacyRecordDetails }
  /** `row` = the version=4 row form, `top` = the default-version top-level form, `whole` = fails the whole call. */
  | { ok: false; row: LegacyError; top: LegacyError; whole: boolean };

const both = (error: LegacyError, whole = false): RowOutcome => ({ ok: false, row: error, top: error, whole });
const internal = (): RowOutcome => both(legacyErrors.internal());

/** Legacy codes that answer for the whole request even in version=4. */
const WHOLE_REQUEST_CODES = new Set(['4834', '4820', '4502', '401']);

/**
 * v2 and accounts codes that refuse the bridge's own OAuth credentials (token, scope, client). An upstream
 * problem, not the old client's authtoken: 4500 for the whole request (issue 12), never v1's 4834 "Invalid
 * Ticket Id", which would send the integration's owner hunting for a bad authtoken.
 */
const AUTH_CODES = new Set(['INVALID_TOKEN', 'AUTHENTICATION_FAILURE', 'OAUTH_SCOPE_MISMATCH', 'invalid_code', 'invalid_client', 'invalid_client_secret']);
const upstreamCredentialsRefused = (): RowOutcome => both(legacyErrors.internal(), true);

/** A v2 answer that refused the bridge's credentials: its secret-free cause for the log and journal, else undefined. */
export function credentialRefusal(status: number, body: unknown): string | undefined {
  const o = obj(body) ?? {};
  const data = dataArray(body);
  const code = str(o.code) || str(o.error) || (data ? str(obj(data[0])?.code) : '');
  if (!AUTH_CODES.has(code) && status !== 401) return undefined;
  return `v2 refused the bridge's OAuth credentials: HTTP ${status}${code ? ` ${code}` : ''} (check the profile's refresh token and scopes)`;
}
const INVALID_ID = /id given seems to be invalid/i;

interface Mapper {
  plan: V2Plan;
  ctx: ResultContext;
}

/** The label of an api_name in a row: what the client sent, else the module's v1 label, else field_label. */
function labelFor(m: Mapper, row: PlannedRow | undefined, api: string): string {
  const sent = row?.trace.find((t) => t.apiName === api && t.outcome !== 'overridden');
  if (sent) return sent.label;
  return v1Label(m.ctx.schema?.module(m.plan.module), api);
}

function unknownIdError(m: Mapper): RowOutcome {
  const row = m.ctx.unknownIdRowCode === '401.2' ? legacyErrors.rowNoEditPermission() : legacyErrors.rowInvalidId();
  return { ok: false, row, top: legacyErrors.badParameter('id'), whole: false };
}

/** One v2 error (a data[i] or a record-like top-level object) → the legacy answer for its row. */
function mapRecordError(m: Mapper, row: PlannedRow | undefined, rowIndex: number, item: Record<string, unknown>): RowOutcome {
  const code = str(item.code);
  const message = str(item.message);
  const details = obj(item.details) ?? {};
  const api = str(details.api_name);
  switch (code) {
    case 'MANDATORY_NOT_FOUND': {
      if (api === 'id') return unknownIdError(m);
      if (api === '' || api === 'data') return internal();
      const label = labelFor(m, row, api);
      return { ok: false, row: legacyErrors.rowMandatoryMissing(label), top: legacyErrors.mandatoryMissing(), whole: false };
    }
    case 'INVALID_DATA':
      if (INVALID_ID.test(message) || api === 'id') return unknownIdError(m);
      if (api === '' || api === 'data') return internal();
      return both(legacyErrors.wrongValue(labelFor(m, row, api)));
    case 'DUPLICATE_DATA': {
      if (m.plan.duplicateCheck === 1) {
        const existing = m.ctx.existing?.get(rowIndex);
        // Only the id is known when the caller did not fetch the existing record: use what we have.
        return { ok: true, kind: 'exists', details: recordDetailsFromV2(existing ?? { id: details.id }, m.ctx.timeZone) };
      }
      return both(legacyErrors.duplicate(api ? labelFor(m, row, api) : 'value'));
    }
    case 'NO_PERMISSION':
    case 'AUTHORIZATION_FAILED':
      return both(legacyErrors.noPermission(m.plan.operation === 'update' ? 'update' : 'insert'));
    default:
      if (AUTH_CODES.has(code)) return upstreamCredentialsRefused();
      if (code === 'TOO_MANY_REQUESTS') return both(legacyErrors.rateLimit(), true);
      return internal();
  }
}

/** A top-level error object (§9.4), or any answer without a data array. */
function mapTopLevel(m: Mapper, status: number, body: unknown): RowOutcome | 'record-like' {
  const o = obj(body) ?? {};
  const code = str(o.code) || str(o.error);
  const message = str(o.message);
  const api = str(obj(o.details)?.api_name);
  if (AUTH_CODES.has(code) || status === 401) return upstreamCredentialsRefused();
  if (code === 'TOO_MANY_REQUESTS' || status === 429) return both(legacyErrors.rateLimit(), true);
  if (code === 'INVALID_MODULE') {
    return both(/not supported/i.test(message) ? legacyErrors.moduleNotSupported() : legacyErrors.generic(), true);
  }
  if (code === 'NO_PERMISSION' || code === 'AUTHORIZATION_FAILED') {
    return both(legacyErrors.noPermission(m.plan.operation === 'update' ? 'update' : 'insert'));
  }
  // Old SDK shape: one record's error at top level.
  if ((code === 'MANDATORY_NOT_FOUND' || code === 'INVALID_DATA' || code === 'DUPLICATE_DATA') && api !== 'data') return 'record-like';
  return internal();
}

function successOf(m: Mapper, item: Record<string, unknown>): RowOutcome {
  const op = m.plan.operation;
  const kind = op === 'update' ? 'updated' : op === 'upsert' && str(item.action) === 'update' ? 'updated' : 'added';
  return { ok: true, kind, details: recordDetailsFromV2(item.details, m.ctx.timeZone) };
}

/* ------------------------------------------------------------------ assembling */

function rowOutcomes(plan: V2Plan, outcomes: V2Outcome[], ctx: ResultContext): Map<number, RowOutcome> {
  const m: Mapper = { plan, ctx };
  const byIndex = new Map(plan.rows.map((r) => [r.index, r]));
  const results = new Map<number, RowOutcome>();
  for (const r of plan.rows) if (r.error) results.set(r.index, both(r.error));
  for (const [index, rec] of ctx.existing ?? []) {
    results.set(index, { ok: true, kind: 'exists', details: recordDetailsFromV2(rec, ctx.timeZone) });
  }
  plan.requests.forEach((req, i) => {
    const outcome = outcomes[i];
    const setAll = (res: RowOutcome): void => req.rows.forEach((idx) => results.set(idx, res));
    if (!outcome) return setAll(internal());
    if (outcome.kind === 'failure') {
      const error = legacyErrorFor(outcome.reason);
      return setAll(both(error, WHOLE_REQUEST_CODES.has(error.code)));
    }
    const body = obj(outcome.body);
    const data = dataArray(outcome.body);
    if (data) {
      req.rows.forEach((idx, j) => {
        const item = obj(data[j]);
        if (!item) return results.set(idx, internal());
        results.set(idx, isSuccess(item) ? successOf(m, item) : mapRecordError(m, byIndex.get(idx), idx, item));
      });
      return;
    }
    const top = mapTopLevel(m, outcome.status, outcome.body);
    if (top === 'record-like') {
      req.rows.forEach((idx) => results.set(idx, mapRecordError(m, byIndex.get(idx), idx, body ?? {})));
    } else setAll(top);
  });
  return results;
}

/** The v1 code one row answered with (2000 added, 2001 updated, 2002 exists, or its error), for journals and metrics. */
export interface LegacyRowCode {
  /** Row `no` as sent. */
  no: string;
  code: string;
  /** Record id of a successful row. */
  id?: string;
  /** Error text of a failed row. */
  message?: string;
}

const SUCCESS_CODE = { added: '2000', updated: '2001', exists: '2002' } as const;

/** The legacy answer of a plan, given one outcome per plan.requests entry (aligned). */
export function toLegacyResult(plan: V2Plan, outcomes: V2Outcome[], ctx: ResultContext): LegacyResult {
  return legacyAnswer(plan, outcomes, ctx).result;
}

/**
 * The legacy answer of a plan and the code of each of its rows, carried as data (the default-version answer
 * has one message for the call; its rows can still differ: one added, one that already existed).
 * `rows` is empty when the call answers with a whole-call error.
 */
export function legacyAnswer(plan: V2Plan, outcomes: V2Outcome[], ctx: ResultContext): { result: LegacyResult; rows: LegacyRowCode[] } {
  if (plan.error) return { result: { kind: 'error', error: plan.error }, rows: [] };
  const results = rowOutcomes(plan, outcomes, ctx);
  const ordered = plan.rows.map((r) => ({ row: r, res: results.get(r.index) ?? internal() }));
  const result = assemble(plan, ordered);
  if (result.kind !== 'rows' && result.kind !== 'success') return { result, rows: [] };
  const rows = ordered.map(({ row, res }): LegacyRowCode =>
    res.ok ? { no: row.no, code: SUCCESS_CODE[res.kind], id: res.details.id } : { no: row.no, code: res.row.code, message: res.row.message },
  );
  return { result, rows };
}

function assemble(plan: V2Plan, ordered: { row: PlannedRow; res: RowOutcome }[]): LegacyResult {
  const whole = ordered.find((o) => !o.res.ok && o.res.whole);
  if (whole && !whole.res.ok) return { kind: 'error', error: whole.res.top };

  if (plan.version4) {
    const rows: LegacyRowResult[] = ordered.map(({ row, res }) =>
      res.ok
        ? { no: row.no, success: { code: res.kind === 'added' ? '2000' : res.kind === 'updated' ? '2001' : '2002', details: res.details } }
        : { no: row.no, error: res.row },
    );
    return { kind: 'rows', rows };
  }

  // Default version: the first failing row answers for the call (created ids: see createdIds()).
  const failed = ordered.find((o) => !o.res.ok);
  if (failed && !failed.res.ok) return { kind: 'error', error: failed.res.top };
  const oks = ordered.map((o) => o.res).filter((r): r is Extract<RowOutcome, { ok: true }> => r.ok);
  if (oks.length === 0) return { kind: 'error', error: legacyErrors.internal() };
  const message = oks.every((r) => r.kind === 'exists')
    ? LEGACY_MESSAGES.exists
    : plan.operation === 'update' || oks.every((r) => r.kind === 'updated')
      ? LEGACY_MESSAGES.updated
      : LEGACY_MESSAGES.added;
  return { kind: 'success', message, records: oks.map((r) => r.details) };
}

/** Ids of records the outcomes show as created (journal them when a default-version call still fails). */
export function createdIds(plan: V2Plan, outcomes: V2Outcome[]): string[] {
  const ids: string[] = [];
  if (plan.operation === 'update') return ids;
  plan.requests.forEach((_req, i) => {
    const outcome = outcomes[i];
    if (outcome?.kind !== 'response') return;
    for (const entry of dataArray(outcome.body) ?? []) {
      const item = obj(entry);
      if (!item || !isSuccess(item)) continue;
      if (plan.operation === 'upsert' && str(item.action) === 'update') continue;
      const id = str(obj(item.details)?.id);
      if (id) ids.push(id);
    }
  });
  return ids;
}
