/**
 * What replay can send, read from its source: the requests of the latest `zbridge convert` run in a folder
 * (only the files its summary.json lists), or the v2 bodies a proxy journal recorded, each with what the
 * journal's own outcome lines say happened to it (done, partly done, failed, in doubt, never answered).
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { basename, join } from 'node:path';
import { readJournal } from '../journal/reader.js';
import { isActionOperation, type JournalActionOperation, type JournalOutcomeEntry, type JournalRequestEntry } from '../journal/types.js';
import type { V2Operation, V2Request } from '../v2/types.js';
import { loadSchema, numberFromLiteral, translateCall } from './core.js';
import { journalCall } from '../inputs/calls.js';
import { parseJsonExact } from '../inputs/json-read.js';

/** What the journal says happened to one recorded v2 request (journals only). */
export interface JournalVerdict {
  status: 'done' | 'partial' | 'failed' | 'in-doubt' | 'not-sent';
  /** Body indexes already applied (succeeded, or found existing): never sent again. */
  applied?: number[];
  /** Why it is in doubt, for the plan's listing. */
  reason?: string;
  /** A write made for another call (a lookup created by policy `create`): resent only when in doubt is forced. */
  sideWrite?: boolean;
  /** Why this request can never be sent from the journal (its values were not kept: `journal.values`). */
  unsendable?: string;
  /**
   * The proxy refused it without sending it (queue full, local credit budget, shared state down …) and answered its
   * client an error, i.e. told it to retry — which old clients usually did: why, for the plan's listing. Held
   * until `--retry-refused` (breaker finding 20).
   */
  refused?: string;
}

export interface ReplayItem {
  /** Stable key of the request: `<input>#<call>#<request>` (convert) or `journal:<call id>#<request>`. */
  key: string;
  /** v2 operation (insert, update, upsert … as planned): decides whether a write in doubt may be repeated. */
  operation: V2Operation;
  method: V2Request['method'];
  path: string;
  body: V2Request['body'];
  journal?: JournalVerdict;
}

/**
 * One v2 request of a journaled action (deleteRecords, updateRelatedRecords, delink, convertLead, files and
 * photos; docs/PROTOCOL-READS.md §7, §11–§13). Sent whole: an action is one unit, never split by record.
 */
export interface ReplayActionItem {
  key: string;
  operation: JournalActionOperation;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the API domain with its query string, as journaled (`/crm/v2/Leads?ids=…&wf_trigger=false`). */
  path: string;
  /** JSON body (relate, convert), `{"attachmentUrl"}` (a link upload, sent as multipart), or null. */
  body: unknown;
  /** What the proxy's journal says happened (journals only; a convert output has none). */
  journal?: JournalVerdict;
}

/** Whether a replay item is an action (sent whole through the client's `send`) or a record write. */
export const isActionItem = (item: ReplayItem | ReplayActionItem): item is ReplayActionItem => isActionOperation(item.operation);

/**
 * Why a journaled action request can never be sent from the journal (undefined: it can): the bytes of files and
 * photos are not journaled; values of `journal.values: hashed | none` are not the values meant.
 */
export function actionUnsendable(operation: JournalActionOperation, body: unknown, values: string | undefined): string | undefined {
  if (operation === 'upload-photo') return "uploadPhoto: the photo's bytes are not journaled (send it again through the proxy)";
  const url = (body as { attachmentUrl?: unknown } | null)?.attachmentUrl;
  if (operation === 'upload-file' && typeof url !== 'string') return "uploadFile: the file's bytes are not journaled (send it again through the proxy)";
  if (values && values !== 'full' && body !== null && body !== undefined) return `journal.values "${values}": the values of this ${operation} were not kept`;
  return undefined;
}

export type SourceKind = 'convert' | 'convert-jsonl' | 'journal';

/**
 * A convert output folder has a summary.json or call outputs; a file whose first line is a call document
 * (`source` and `requests`, no journal `type`) is `convert --out FILE.jsonl`; anything else is a journal.
 */
export async function sourceKind(source: string): Promise<SourceKind> {
  const info = await stat(source);
  if (!info.isDirectory()) {
    for await (const line of createInterface({ input: createReadStream(source, { encoding: 'utf8', end: 4 * 1024 * 1024 }), crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      try {
        const doc = JSON.parse(line) as { type?: unknown; source?: unknown; requests?: unknown };
        return doc.type === undefined && typeof doc.source === 'string' && Array.isArray(doc.requests) ? 'convert-jsonl' : 'journal';
      } catch {
        return 'journal';
      }
    }
    return 'journal';
  }
  const names = await readdir(source);
  if (names.includes('summary.json')) return 'convert';
  return names.some((n) => n.endsWith('.json')) ? 'convert' : 'journal';
}

/**
 * The call outputs of the latest convert run: summary.json `outputs` (written since issue 13). An older
 * summary without the list → every `*.json` of the folder, with a warning.
 */
export async function convertOutputFiles(dir: string, warn: (m: string) => void): Promise<string[]> {
  let summary: { outputs?: unknown } | undefined;
  try {
    summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { outputs?: unknown };
  } catch {
    summary = undefined;
  }
  if (summary && Array.isArray(summary.outputs)) return summary.outputs.filter((f): f is string => typeof f === 'string' && basename(f) === f);
  warn(`${dir}: no summary.json listing the outputs of the latest convert run; reading every .json file of the folder`);
  return (await readdir(dir)).filter((n) => n.endsWith('.json') && n !== 'summary.json').sort();
}

/** Requests of a convert output folder, in the order the summary lists them. */
export async function* convertOutputItems(dir: string, onError: (m: string) => void, warn: (m: string) => void): AsyncGenerator<ReplayItem | ReplayActionItem> {
  for (const name of await convertOutputFiles(dir, warn)) {
    let doc: { operation?: V2Operation; requests?: { id: string; method: V2Request['method']; path: string; body: V2Request['body'] }[] };
    try {
      doc = parseJsonExact(await readFile(join(dir, name), 'utf8'), numberFromLiteral) as typeof doc;
    } catch (error) {
      onError(`${name}: ${(error as Error).message}`);
      continue;
    }
    if (!doc.operation || !Array.isArray(doc.requests)) continue;
    yield* convertedItems(doc);
  }
}

/** The replay items of one convert output document: record writes, or an action's requests (each whole). */
function* convertedItems(doc: { operation?: string; requests?: { id: string; method: string; path: string; body: unknown }[] }): Generator<ReplayItem | ReplayActionItem> {
  const operation = doc.operation!;
  for (const r of doc.requests ?? []) {
    if (isActionOperation(operation)) {
      const unsendable = actionUnsendable(operation, r.body ?? null, undefined);
      yield { key: r.id, operation, method: r.method as ReplayActionItem['method'], path: r.path, body: r.body ?? null, ...(unsendable ? { journal: { status: 'not-sent', unsendable } } : {}) };
    } else {
      yield { key: r.id, operation: operation as V2Operation, method: r.method as V2Request['method'], path: r.path, body: r.body as V2Request['body'] };
    }
  }
}

/** Requests of a `convert --out FILE.jsonl` file, line by line (the file is replaced whole by each run). */
export async function* convertJsonlItems(file: string, onError: (m: string) => void): AsyncGenerator<ReplayItem | ReplayActionItem> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    n += 1;
    if (!line.trim()) continue;
    let doc: { operation?: V2Operation; requests?: { id: string; method: V2Request['method']; path: string; body: V2Request['body'] }[] };
    try {
      doc = parseJsonExact(line, numberFromLiteral) as typeof doc;
    } catch (error) {
      onError(`${basename(file)} line ${n}: ${(error as Error).message}`);
      continue;
    }
    if (!doc.operation || !Array.isArray(doc.requests)) continue;
    yield* convertedItems(doc);
  }
}

/** The part of an outcome line replay needs, kept per call id between the two passes over a journal. */
type OutcomeInfo = Pick<JournalOutcomeEntry, 'inDoubt' | 'writes' | 'upstream' | 'createdIds' | 'legacy'> & {
  rowsFailed: boolean;
  allRowsFailed: boolean;
  /** HTTP attempts the call made in all (`v2Calls.length`). */
  v2Calls: number;
};

const SUCCESS_ROWS = new Set(['2000', '2001', '2002']);

/**
 * First pass: what each call's outcome line says (a call id → its outcome summary), and the ids that more than
 * one request line carries (older journals keyed calls by the client's X-Request-Id).
 */
async function readOutcomes(source: string): Promise<{ outcomes: Map<string, OutcomeInfo>; reused: Set<string> }> {
  const outcomes = new Map<string, OutcomeInfo>();
  const seen = new Set<string>();
  const reused = new Set<string>();
  for await (const e of readJournal(source)) {
    if (e.type === 'request') {
      if (seen.has(e.id)) reused.add(e.id);
      seen.add(e.id);
      continue;
    }
    outcomes.set(e.id, {
      inDoubt: e.inDoubt,
      writes: e.writes,
      upstream: e.upstream,
      createdIds: e.createdIds,
      legacy: e.legacy,
      v2Calls: Array.isArray(e.v2Calls) ? e.v2Calls.length : 0,
      rowsFailed: e.rows.some((r) => !SUCCESS_ROWS.has(r.code)),
      allRowsFailed: e.rows.length > 0 && e.rows.every((r) => !SUCCESS_ROWS.has(r.code)),
    });
  }
  return { outcomes, reused };
}

const REUSED_ID: JournalVerdict = {
  status: 'in-doubt',
  reason: 'several calls share this journal id (an older journal keyed by the client\'s X-Request-Id): which outcome is whose is unknown',
};

/**
 * `refused` of a request the proxy did not send (`cause`: why) when the call's client was answered an error —
 * told to retry, so it may well have sent the call again itself — else nothing.
 */
function refusedLocally(o: OutcomeInfo, cause: string | undefined): { refused?: string } {
  if (o.legacy.kind !== 'error') return {};
  const answer = [o.legacy.code, o.legacy.message].filter(Boolean).join(' ');
  return { refused: `${cause ?? 'not sent by the proxy'}; the client was answered ${answer || 'an error'}` };
}

/**
 * What the journal says about request `r` of a call. Outcome lines with `writes` (since issue 13) say it per
 * request; older ones only per call, so anything not clearly done or clearly unsent is held in doubt. A request
 * the proxy refused without sending, while its client got an error, carries `refused` (finding 20): `writes[].unsent`
 * since it exists, before it a failed write without an HTTP status in a call that made no v2 call at all.
 */
export function verdictFor(o: OutcomeInfo | undefined, r: number, requests: number): JournalVerdict {
  if (!o) return { status: 'in-doubt', reason: 'the journal has no outcome for this call (the proxy stopped while it was in flight)' };
  if (o.writes) {
    const w = o.writes.find((x) => x.request === r);
    if (!w) return { status: 'not-sent', ...refusedLocally(o, 'not attempted by the proxy') };
    const applied = [...(w.succeeded ?? []), ...(w.existing ?? [])];
    if (w.status === 'in-doubt') return { status: 'in-doubt', applied, reason: `the proxy's write was in doubt (${w.error ?? 'no answer'})` };
    const unsent = w.status === 'failed' && (w.unsent === true || (w.http === undefined && o.v2Calls === 0));
    return { status: w.status, applied, ...(unsent ? refusedLocally(o, w.error) : {}) };
  }
  // An older outcome line: per call only.
  if (o.inDoubt) return { status: 'in-doubt', reason: 'the proxy journaled this call as in doubt' };
  if (!o.upstream) return { status: 'not-sent', ...refusedLocally(o, undefined) };
  if (o.legacy.kind === 'success' || (o.legacy.kind === 'rows' && !o.rowsFailed)) return { status: 'done' };
  if (!o.createdIds?.length && requests === 1 && (o.legacy.kind === 'error' || (o.legacy.kind === 'rows' && o.allRowsFailed))) {
    return { status: 'failed' };
  }
  return { status: 'in-doubt', reason: 'an older journal line does not say which records of this call were applied' };
}

/**
 * verdictFor for an action request. Outcome lines of actions written before they carried `writes` say only
 * what the client was answered: any answer but an error (5000, 4800, the convert `<success>` …) is done.
 */
export function actionVerdict(o: OutcomeInfo | undefined, r: number, requests: number): JournalVerdict {
  if (o && !o.writes && !o.inDoubt && o.upstream && o.legacy.kind !== 'error') return { status: 'done' };
  return verdictFor(o, r, requests);
}

/** Requests a journal recorded (its bodies), or re-planned offline from its xmlData when it has none. */
export async function* journalItems(source: string, onError: (m: string) => void): AsyncGenerator<ReplayItem | ReplayActionItem> {
  const { outcomes, reused } = await readOutcomes(source);
  const occurrences = new Map<string, number>();
  let schema: ReturnType<typeof loadSchema> | undefined;
  const exact = { parse: (line: string) => parseJsonExact(line, numberFromLiteral) };
  const lineError = (e: { file: string; line: number; message: string }) => onError(`${basename(e.file)} line ${e.line}: ${e.message}`);
  for await (const entry of readJournal(source, lineError, exact)) {
    if (entry.type !== 'request' || !entry.plan) continue;
    const req = entry as JournalRequestEntry & { plan: NonNullable<JournalRequestEntry['plan']> };
    const outcome = outcomes.get(req.id);
    const sideWrite = req.parentId !== undefined;
    const { plan } = req;
    // Keys stay unique when an older journal reused an id: the n-th request line with it gets `@n`.
    const n = (occurrences.get(req.id) ?? 0) + 1;
    occurrences.set(req.id, n);
    const callKey = reused.has(req.id) ? `journal:${req.id}@${n}` : `journal:${req.id}`;
    if (isActionOperation(plan.operation)) {
      const operation = plan.operation;
      for (const [r, planned] of plan.requests.entries()) {
        const body = plan.bodies?.[r] ?? null;
        const unsendable = actionUnsendable(operation, body, req.values);
        yield {
          key: `${callKey}#${r}`,
          operation,
          method: planned.method as ReplayActionItem['method'],
          path: planned.path,
          body,
          journal: { ...(reused.has(req.id) ? REUSED_ID : actionVerdict(outcome, r, plan.requests.length)), ...(unsendable ? { unsendable } : {}) },
        };
      }
      continue;
    }
    if (plan.operation !== 'insert' && plan.operation !== 'update' && plan.operation !== 'upsert') {
      onError(`journal request ${req.id}: operation ${String(plan.operation)} is unknown to this zbridge`);
      continue;
    }
    // Bodies of `journal.values: hashed | none` hold hashes or nothing: sending them would write garbage.
    const lost = req.values && req.values !== ('full' as string) ? `journal.values "${req.values}": the record values were not kept` : undefined;
    const verdict = (r: number, requests: number): JournalVerdict => ({
      ...(reused.has(req.id) ? REUSED_ID : verdictFor(outcome, r, requests)),
      ...(lost ? { unsendable: lost } : {}),
    });
    if (Array.isArray(plan.bodies) && plan.bodies.length === plan.requests.length) {
      for (const [r, planned] of plan.requests.entries()) {
        yield {
          key: `${callKey}#${r}`,
          operation: plan.operation,
          method: planned.method as V2Request['method'],
          path: planned.path,
          body: plan.bodies[r] as V2Request['body'],
          journal: { ...verdict(r, plan.requests.length), ...(sideWrite ? { sideWrite } : {}) },
        };
      }
      continue;
    }
    schema ??= loadSchema();
    const t = translateCall(journalCall(req), { schema, timeZone: 'UTC' });
    if (!t.plan || t.error) {
      onError(`journal request ${req.id}: cannot re-plan (${t.errorDetail ?? t.error?.message ?? 'no plan'})`);
      continue;
    }
    for (const [r, planned] of t.plan.requests.entries()) {
      yield {
        key: `${callKey}#${r}`,
        operation: t.plan.operation,
        method: planned.method,
        path: planned.path,
        body: planned.body,
        journal: verdict(r, t.plan.requests.length),
      };
    }
  }
}
