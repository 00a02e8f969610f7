/**
 * Requests refused at the HTTP layer, before any legacy call exists: a method other than GET/POST/OPTIONS (405),
 * a request head beyond limits.maxHeaderBytes, one that does not parse, one not received within
 * limits.headersTimeoutMs (408), a body cut short (limits.requestTimeoutMs, the client went away), and a request
 * arriving while the proxy stops (the legacy 4500, HTTP 503). Each leaves an `outcome` line built by
 * bridge/outcome.ts (the one owner of journal lines), sampled like every unauthenticated reject, with what is
 * known of it: the path (scrubbed), the v1 module and method the path names, the HTTP method, the user agent,
 * the client address, the fingerprint of an authtoken read from the query, and `category` = the cause (also
 * the `reason` of zbridge_rejected_requests_total).
 */
import { randomUUID } from 'node:crypto';
import { recordRejectedSampled, rejectedEntry, type CallFacts, type OutcomeSinks, REJECT_USER_AGENT_CHARS } from '../bridge/outcome.js';
import { scrubMessage } from '../journal/redact.js';
import type { JournalOutcomeEntry } from '../journal/types.js';
import { peekLegacyRequest } from '../legacy/request.js';
import type { LegacyResult } from '../legacy/types.js';
import type { ConnectionReject, ConnectionRejectDetail } from './connections.js';

/** Causes of a refusal at the HTTP layer (journal `category`, metric `reason`). */
export type HttpRefusalCategory = 'method-not-allowed' | 'header-overflow' | 'unparseable-request' | 'header-timeout' | 'body-incomplete' | 'shutting-down';

/** One refused request, as far as it was read. */
export interface HttpRefusal {
  category: HttpRefusalCategory;
  /** The journal line's `id` (an express request's own id, else a fresh one). */
  requestId: string;
  clientRequestId?: string;
  address?: string;
  userAgent?: string;
  httpMethod?: string;
  /** The request-target as received (path and query), or its first part when `truncated`; absent when not read. */
  target?: string;
  truncated?: boolean;
  /** The legacy answer written; absent when the answer was none (405 text, 408, a dropped connection). */
  result?: LegacyResult;
  /** The HTTP status answered; 0 = none. */
  httpStatus: number;
  /** Why, in words (no request bytes: those are quoted only through the scrubbed path). */
  error: string;
}

export interface HttpRejectSinks extends OutcomeSinks {
  /** Recognises this proxy's legacy authtokens, so a bare one in a path is scrubbed. */
  isAcceptedToken?: (candidate: string) => boolean;
}

/**
 * Journal (sampled) and count one refusal; returns the access-line facts, and whether the sample kept its line
 * (`sampled`) with how many were left out before it (`suppressed`) — for a caller that logs it itself.
 */
export function recordHttpRefusal(sinks: HttpRejectSinks, refusal: HttpRefusal): { facts: CallFacts; sampled: boolean; suppressed: number; entry: JournalOutcomeEntry } {
  const peek = refusal.target !== undefined ? peekLegacyRequest(refusal.target, { truncated: refusal.truncated }) : undefined;
  const entry = rejectedEntry(
    {
      requestId: refusal.requestId,
      ...(refusal.clientRequestId ? { clientRequestId: refusal.clientRequestId } : {}),
      address: refusal.address,
      userAgent: refusal.userAgent,
    },
    { format: peek?.format ?? 'xml', path: peek?.path ?? '', module: peek?.module, method: peek?.method ?? '', httpMethod: refusal.httpMethod },
    refusal.result,
    {
      category: refusal.category,
      error: scrubMessage(refusal.error, { secrets: peek?.authtoken ? [peek.authtoken] : [], isAcceptedToken: sinks.isAcceptedToken, maxLength: 512 }),
      httpStatus: refusal.httpStatus,
    },
    peek?.authtoken,
    sinks.isAcceptedToken,
  );
  return { ...recordRejectedSampled(sinks, entry), entry };
}

/** The words of a connection-level refusal (the journal's `error`, the log line's `err`). */
function connectionRejectText(reason: Exclude<ConnectionReject, 'trailing-garbage'>, detail: ConnectionRejectDetail, limits: { maxHeaderBytes: number; headersTimeoutMs: number }): string {
  switch (reason) {
    case 'header-overflow':
      return `request line and headers larger than ${limits.maxHeaderBytes} bytes (limits.maxHeaderBytes)`;
    case 'header-timeout':
      return `request line and headers not received within ${limits.headersTimeoutMs} ms (limits.headersTimeoutMs)`;
    case 'unparseable-request':
      return `unparseable request: ${detail.code}${detail.parseReason ? ` (${detail.parseReason})` : ''}`;
  }
}

/**
 * The handler of guardConnections' refusals: a refused request head is journaled and counted (bridge/outcome.ts)
 * and logged on the same sample (`connection rejected`, with the journal line's id as `reqId`); a connection
 * that sent nothing before its head timed out holds no request: counted and logged only; trailing garbage after
 * an answered request is counted and logged (the request itself is journaled by the bridge).
 */
export function connectionRejectHandler(
  sinks: HttpRejectSinks & { rejects: { take(): { allowed: boolean; suppressed: number } } },
  limits: { maxHeaderBytes: number; headersTimeoutMs: number },
): (reason: ConnectionReject, detail: ConnectionRejectDetail) => void {
  return (reason, detail) => {
    if (reason === 'trailing-garbage' || (reason === 'header-timeout' && !detail.head)) {
      sinks.metrics?.rejected?.inc({ reason });
      // Sampled: an unauthenticated flood must not flood the log either.
      if (sinks.rejects.take().allowed) sinks.logger.info({ reason, code: detail.code, remote: detail.remote }, 'connection rejected');
      return;
    }
    const requestId = randomUUID();
    const recorded = recordHttpRefusal(sinks, {
      category: reason,
      requestId,
      address: detail.remote,
      userAgent: detail.head?.userAgent,
      httpMethod: detail.head?.httpMethod,
      target: detail.head?.target,
      truncated: detail.head?.truncated,
      result: detail.result,
      httpStatus: detail.status,
      error: connectionRejectText(reason, detail, limits),
    });
    if (recorded.sampled) {
      const { facts, entry } = recorded;
      sinks.logger.info(
        {
          reqId: requestId,
          reason,
          code: detail.code,
          remote: detail.remote,
          ...(detail.head
            ? { httpMethod: entry.httpMethod, path: entry.path, module: facts.module, method: facts.method, userAgent: entry.client.userAgent?.slice(0, REJECT_USER_AGENT_CHARS), tokenFingerprint: entry.client.tokenFingerprint }
            : {}),
          status: detail.status,
          ...(facts.err ? { err: facts.err } : {}),
          ...(recorded.suppressed > 0 ? { suppressedRejects: recorded.suppressed } : {}),
        },
        'connection rejected',
      );
    }
  };
}
