/**
 * What the converter writes per input call: the v2 requests the call means (bodies serialised with the
 * mapping's exact-decimal stringifier), its rows, warnings and errors. Built as a JSON string directly so the
 * bodies never go through JSON.stringify (which would round decimals).
 */
import { scrubMessage, scrubPath } from '../journal/redact.js';
import type { LegacyCall } from '../legacy/types.js';
import type { MappingWarning } from '../mapping/types.js';
import { allWarnings, type Translation } from '../mapping/translate.js';
import { stringifyV2 } from '../v2/json.js';
import { queryString } from '../zoho/client.js';

export { allWarnings };
import type { InputCall } from '../inputs/calls.js';

/** Added to outputs that carry warnings of things only a live org can resolve. */
export const OFFLINE_NOTE =
  'Converted offline: owners given by e-mail, note parents (entityId) and lookups given by name cannot be resolved without the live org; the fields named in the unresolved-* warnings are left out of these bodies (replay against the org or the proxy resolves them).';

const OFFLINE_KINDS = new Set(['unresolved-owner', 'unresolved-parent', 'unresolved-lookup']);

export type CallStatus = 'ok' | 'partial' | 'failed';

export interface RowSummary {
  no: string;
  status: 'ok' | 'failed';
  error?: { code: string; message: string };
  errorLabel?: string;
  /** Why the row fails, when a value rule of v2 refuses it (value-free: `not an e-mail address v2 accepts …`). */
  reason?: string;
}

/** The plain facts of one converted call (also what summary counters and reports consume). */
export interface CallFacts {
  source: string;
  index: number;
  status: CallStatus;
  module?: string;
  legacyModule?: string;
  method?: string;
  operation?: string;
  rows: RowSummary[];
  warnings: MappingWarning[];
  error?: { code: string; message: string; detail?: string; category?: string };
  requestCount: number;
}

/** Stable id of one v2 request of one input call: replay keys its state by it. */
export function requestKey(source: string, callIndex: number, requestIndex: number): string {
  return `${source}#${callIndex}#${requestIndex}`;
}


export function callFacts(input: InputCall, t: Translation | undefined): CallFacts {
  const rows: RowSummary[] = (t?.plan?.rows ?? []).map((r) =>
    r.error || t?.error
      ? {
          no: r.no,
          status: 'failed',
          error: { ...(r.error ?? t!.error!) },
          ...(r.errorLabel ? { errorLabel: r.errorLabel } : {}),
          ...(r.errorReason ? { reason: r.errorReason } : {}),
        }
      : { no: r.no, status: 'ok' },
  );
  if (!t?.plan && t?.parsed) {
    for (const r of t.parsed.rows) rows.push({ no: r.no, status: 'failed', error: { ...t.error! } });
  }
  const failedRows = rows.filter((r) => r.status === 'failed').length;
  const whole = t?.error;
  const status: CallStatus =
    !t || input.error || whole ? 'failed' : failedRows === 0 ? 'ok' : failedRows === rows.length ? 'failed' : 'partial';
  return {
    source: input.source,
    index: input.index,
    status,
    module: t?.plan?.module ?? t?.action?.module,
    legacyModule: input.call ? scrubPath(input.call.module) : undefined,
    method: input.call ? scrubPath(input.call.method) : undefined,
    operation: t?.plan?.operation ?? t?.action?.operation,
    rows,
    warnings: t ? allWarnings(t) : [],
    // Texts that may quote a path segment (`v1 module "<segment>" is not …`) are scrubbed like the path itself.
    error: input.error
      ? { code: 'input', message: scrubMessage(input.error) }
      : whole
        ? { code: whole.code, message: whole.message, detail: t?.errorDetail === undefined ? undefined : scrubMessage(t.errorDetail), category: t?.category }
        : undefined,
    requestCount: t?.error ? 0 : (t?.plan?.requests.length ?? t?.action?.requests.length ?? t?.read?.requests.length ?? 0),
  };
}

function publicCall(call: LegacyCall | undefined): unknown {
  if (!call) return undefined;
  // Never echo secrets: authtoken is a field of its own; params may still carry one from a URL log.
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.params)) {
    if (k === 'xmldata' || /authtoken|ticket|apikey|secret|token|passw/.test(k)) continue;
    params[k] = v;
  }
  return { format: call.format, module: scrubPath(call.module), method: scrubPath(call.method), path: scrubPath(call.path), params };
}

/** The JSON document (one line, no trailing newline) written for one call. */
export function renderCallOutput(input: InputCall, t: Translation | undefined, facts: CallFacts): string {
  const parts: string[] = [];
  const put = (key: string, raw: string | undefined): void => {
    if (raw !== undefined) parts.push(`${JSON.stringify(key)}:${raw}`);
  };
  const json = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));
  put('source', json(input.source));
  put('index', json(input.index));
  put('line', json(input.line));
  put('journalId', json(input.journal?.id));
  put('status', json(facts.status));
  put('call', json(publicCall(input.call)));
  put('operation', json(t?.plan?.operation ?? t?.action?.operation));
  put('module', json(t?.plan?.module ?? t?.action?.module));
  put('trigger', json(t?.plan?.trigger));
  if (t?.plan && !t.error) {
    const plan = t.plan;
    const requests = plan.requests.map((req, r) => {
      const rows = req.rows.map((i) => plan.rows[i]?.no);
      return `{"id":${JSON.stringify(requestKey(input.source, input.index, r))},"method":${JSON.stringify(req.method)},"path":${JSON.stringify(req.path)},"rows":${JSON.stringify(rows)},"body":${stringifyV2(req.body)}}`;
    });
    put('requests', `[${requests.join(',')}]`);
  } else if (t?.action && !t.error) {
    // An action: each v2 request whole, its query in the path (as the proxy journals it), replayed as one unit.
    const requests = t.action.requests.map(
      (req, r) =>
        `{"id":${JSON.stringify(requestKey(input.source, input.index, r))},"method":${JSON.stringify(req.method)},"path":${JSON.stringify(req.path + (req.query ? queryString(req.query) : ''))},"body":${req.body === undefined ? 'null' : stringifyV2(req.body)}}`,
    );
    put('requests', `[${requests.join(',')}]`);
    if (t.action.notes.length) put('notes', json(t.action.notes));
  } else if (t?.read && !t.error) {
    // A read: the v2 GETs it means (no body, so replay leaves it alone: there is no `operation`).
    put('read', 'true');
    put('requests', json(t.read.requests.map((req, r) => ({ id: requestKey(input.source, input.index, r), ...req }))));
    if (t.read.notes.length) put('notes', json(t.read.notes.map((n) => scrubMessage(n))));
  } else put('requests', '[]');
  put('rows', json(facts.rows));
  put('warnings', json(facts.warnings));
  put('error', json(facts.error));
  if (facts.warnings.some((w) => OFFLINE_KINDS.has(w.kind))) put('offline', json(OFFLINE_NOTE));
  return `{${parts.join(',')}}`;
}
