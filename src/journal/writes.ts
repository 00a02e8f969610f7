/**
 * What one v2 write request did, in the terms replay needs to never write twice: `done` (answered, every
 * record succeeded), `partial` (answered, some records succeeded: their indexes), `failed` (answered or refused,
 * nothing applied: safe to resend), `in-doubt` (sent, no trustworthy answer: may have been applied).
 * The proxy journals one per v2 request in the outcome line (`writes`), replay records one per attempt in its
 * state file: both read the v2 answer through this one function.
 */
import type { V2Outcome, V2Operation } from '../mapping/types.js';

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
}

/** One v2 request of a proxied call and what it did (journal outcome `writes[]`). */
export interface JournalWrite extends WriteSummary {
  /** Index into the request line's `plan.requests` / `plan.bodies`. */
  request: number;
}

/**
 * Operations that must not be sent twice once they may have reached v2: an insert creates a new record each time.
 * Updates, upserts (and deletes) converge on the same state when repeated.
 */
export function isRepeatable(operation: V2Operation | string): boolean {
  return operation !== 'insert';
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
