/**
 * What one v2 write request did, in the terms replay needs to never write twice: `done` (answered, every
 * record succeeded), `partial` (answered, some records succeeded: their indexes), `failed` (answered or refused,
 * nothing applied: safe to resend), `in-doubt` (sent, no trustworthy answer: may have been applied).
 * The proxy journals one per v2 request in the outcome line (`writes`), replay records one per attempt in its
 * state file: both read the v2 answer through this one function.
 */
import type { V2Outcome, V2Operation } from '../mapping/types.js';
import { asObject, asText, dataArray, dataEntries, entryCode, entryId, v2CodeOf } from '../v2/answers.js';
import type { JournalActionOperation } from './types.js';

export type WriteStatus = 'done' | 'partial' | 'failed' | 'in-doubt';

export interface WriteSummary {
  status: WriteStatus;
  /** HTTP status when the upstream answered. */
  http?: number;
  /** Indexes into the request's original `body.data` that succeeded (created, updated, upserted). */
  succeeded?: number[];
  /** v2 record ids of `succeeded`, aligned with it. */
  ids?: string[];
  /**
   * Indexes v2 refused as `DUPLICATE_DATA` (the record exists: a duplicate-check hit). Nothing to resend for
   * them, so they count towards `done`; they are not in `succeeded` because this request did not write them.
   */
  existing?: number[];
  /** Non-secret reason of a failure (v2 codes per record, or the transport error). */
  error?: string;
  /**
   * Removals (summariseAction): ids v2 answered INVALID_DATA for — already absent (deleted before, perhaps by an
   * attempt in doubt, or never there); `?` when v2 did not name the id.
   */
  absent?: string[];
}

/** One v2 request of a proxied call and what it did (journal outcome `writes[]`). */
export interface JournalWrite extends WriteSummary {
  /** Index into the request line's `plan.requests` / `plan.bodies`. */
  request: number;
  /**
   * The proxy refused it itself and no HTTP request left for it (queue full, local credit budget, shared state or
   * token store unreachable): `failed`, and its client was answered 4820/4500, i.e. told to retry. Replay holds
   * such requests until `--retry-refused` (breaker finding 20).
   */
  unsent?: true;
}

/**
 * `{ unsent: true }` for a failure before any HTTP attempt (`calls` = the attempts the client made for it),
 * else `{}`: spread into a JournalWrite.
 */
export function unsentMark(outcome: V2Outcome | { kind: string }, calls: readonly unknown[]): { unsent?: true } {
  return outcome.kind === 'failure' && calls.length === 0 ? { unsent: true } : {};
}

/**
 * Operations that must not be sent again once they may have reached v2 (the proxy's client does not retry them
 * after an ambiguous failure; replay holds them in doubt until `--retry-in-doubt`):
 * - `insert`, `upload-file`, `upload-photo`, `convert`: each send creates something new (a record, an attachment,
 *   a Contact/Account/Deal);
 * - `delete`: a record deleted by the first attempt and restored from the recycle bin since keeps its id, so a
 *   resend would delete it again;
 * - `delete-photo`: a resend deletes whatever photo the record has now, perhaps one uploaded since.
 * Repeatable: `update`, `upsert` and `relate` (PUT converges on the same values), `delink` (removing a relation
 * twice leaves it removed), `delete-file` (an attachment id is never reused or restored).
 */
export function isRepeatable(operation: V2Operation | JournalActionOperation | string): boolean {
  return !NOT_REPEATABLE.has(operation);
}

const NOT_REPEATABLE: ReadonlySet<string> = new Set(['insert', 'delete', 'convert', 'upload-file', 'upload-photo', 'delete-photo']);

/** v2 codes of a refusal that resending after the cause is fixed can turn into a success. */
const RETRYABLE_REFUSALS = new Set(['NO_PERMISSION', 'AUTHORIZATION_FAILED', 'INVALID_TOKEN', 'OAUTH_SCOPE_MISMATCH']);

/**
 * Classify one v2 outcome of an action (docs/PROTOCOL-READS.md §7, §11–§13), in the terms of `summariseWrite`.
 * The target state of the removals (`delete`, `delink`, `delete-file`, `delete-photo`) is "absent": an id v2
 * answers INVALID_DATA for (already deleted — perhaps by an attempt in doubt — or never there) leaves nothing to
 * resend, so the request is `done` and the ids are named in `absent`. A permission refusal is `failed` (it can
 * succeed once the rights are fixed); so is any other refusal of a creation (`convert`, uploads, `relate`).
 *
 * @param records entries of the request's `body.data` (relate: one per related record); @default 1
 */
export function summariseAction(operation: JournalActionOperation, outcome: V2Outcome, records = 1): WriteSummary {
  if (outcome.kind === 'failure') {
    return { status: outcome.inDoubt ? 'in-doubt' : 'failed', error: `${outcome.reason}: ${outcome.message}` };
  }
  const http = outcome.status;
  const top = v2CodeOf(outcome.body);
  const entries = dataEntries(outcome.body);
  const failedWith = (detail: string): WriteSummary => ({ status: 'failed', http, error: `HTTP ${http} ${detail}`.trim() });
  if (http >= 500 || http === 401 || http === 429) return failedWith(top ?? '');
  if (top && RETRYABLE_REFUSALS.has(top)) return failedWith(top);
  switch (operation) {
    case 'relate':
      return summariseWrite(outcome, Array.from({ length: Math.max(records, 1) }, (_, i) => i));
    case 'convert': {
      const first = asObject(dataArray(outcome.body)?.[0]);
      const contact = asText(first?.Contacts) || asText(asObject(first?.Contacts)?.id);
      return http < 300 && contact ? { status: 'done', http, ids: [contact] } : failedWith(top ?? entryCode(entries[0]));
    }
    case 'upload-file':
    case 'upload-photo': {
      const id = entryId(entries[0]);
      return http < 300 ? { status: 'done', http, ...(id ? { ids: [id] } : {}) } : failedWith(top ?? entryCode(entries[0]));
    }
    case 'delete':
    case 'delink':
    case 'delete-file':
    case 'delete-photo': {
      if (http < 300 && entries.length === 0) return { status: 'done', http };
      if (entries.length === 0) return top === 'INVALID_DATA' ? { status: 'done', http, absent: ['?'] } : failedWith(top ?? '');
      const ids: string[] = [];
      const absent: string[] = [];
      const refused: string[] = [];
      for (const e of entries) {
        const code = entryCode(e);
        if (code === 'SUCCESS') ids.push(entryId(e));
        else if (code === 'INVALID_DATA') absent.push(entryId(e) || '?');
        else refused.push(`${entryId(e) || '?'} ${code || 'no result'}`);
      }
      if (refused.length > 0) return { ...failedWith(refused.slice(0, 10).join('; ')), ...(ids.length ? { ids } : {}) };
      return { status: 'done', http, ids, ...(absent.length ? { absent } : {}) };
    }
  }
}

/**
 * Classify one v2 outcome. `sent[pos]` is the original body index of the record at position `pos` of the body
 * actually sent (replay resends only the records that did not succeed before).
 */
export function summariseWrite(outcome: V2Outcome, sent: number[]): WriteSummary {
  if (outcome.kind === 'failure') {
    return { status: outcome.inDoubt ? 'in-doubt' : 'failed', error: `${outcome.reason}: ${outcome.message}` };
  }
  const data = (outcome.body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    const b = outcome.body as { code?: unknown; message?: unknown } | null;
    return { status: 'failed', http: outcome.status, error: `HTTP ${outcome.status} ${String(b?.code ?? '')} ${String(b?.message ?? '')}`.trim() };
  }
  const succeeded: number[] = [];
  const ids: string[] = [];
  const existing: number[] = [];
  const errors: string[] = [];
  sent.forEach((original, pos) => {
    const d = data[pos] as { status?: unknown; code?: unknown; details?: { id?: unknown; api_name?: unknown } } | undefined;
    if (d?.status === 'success') {
      succeeded.push(original);
      ids.push(String(d.details?.id ?? ''));
    } else if (d?.code === 'DUPLICATE_DATA') existing.push(original);
    else errors.push(`data[${original}] ${String(d?.code ?? 'no result')}${d?.details?.api_name ? ` ${String(d.details.api_name)}` : ''}`);
  });
  const status: WriteStatus = errors.length === 0 ? 'done' : succeeded.length + existing.length > 0 ? 'partial' : 'failed';
  return {
    status,
    http: outcome.status,
    succeeded,
    ids,
    ...(existing.length ? { existing } : {}),
    ...(errors.length ? { error: errors.slice(0, 10).join('; ') } : {}),
  };
}
