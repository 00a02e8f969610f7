/**
 * Request ids and the access log: every answer (legacy calls, health checks, metrics) carries `X-Request-Id`
 * (the client's when it sent a sane one, else the request's own UUID; `reqId` in the log is always the UUID,
 * with the client's as `clientRequestId`), and every call writes exactly one JSON access line when
 * its answer is finished:
 *
 *   {"level":30,…,"reqId":"…","remote":"10.0.0.7","userAgent":"PHP-Curl/7.4","httpMethod":"POST",
 *    "module":"Leads","method":"insertRecords","code":"2000","status":200,"ms":41.2,"profile":"erp",
 *    "rows":1,"v2Calls":1,"msg":"access"}
 *
 * `module`, `method`, `code` and `profile` are the same words, with the same values, as the labels of
 * zbridge_calls_total, so a log line and a metric series can be matched. `code` is the legacy code of the
 * answer ("2000" for a success answer, as in the metric). Admin paths are written at debug level: probes every
 * few seconds would drown the calls. A call cut off before its answer was written logs `status: 0` and
 * `aborted: true`.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ClientAddressOf } from './client-address.js';
import type { Logger } from './logger.js';
import { ADMIN_PATHS } from './admin.js';
import { scrubPath } from '../journal/redact.js';
import { REJECT_USER_AGENT_CHARS, type CallFacts } from '../bridge/outcome.js';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** What the legacy handler learnt about the call, for the access line (`res.locals.call`). */
export type { CallFacts } from '../bridge/outcome.js';

/**
 * The unique id of this request (set by `requestIds`): a UUID drawn per request, the `reqId` of its log lines and
 * the `id` of its journal lines. Never the client's X-Request-Id, which clients reuse (`nightly-sync`).
 */
export function requestIdOf(res: Response): string {
  return res.locals.requestId as string;
}

/** The client's own X-Request-Id when it sent a sane one (echoed in the answer, journaled as `clientRequestId`). */
export function clientRequestIdOf(res: Response): string | undefined {
  return res.locals.clientRequestId as string | undefined;
}

/** The client's X-Request-Id header when it is sane (`[\w.-]{1,64}`), else undefined. */
export function saneClientRequestId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : undefined;
}

/** The client address of this request (set by `requestIds`): the access line's `remote`, the journal's `client.address`. */
export function clientAddressOf(res: Response): string | undefined {
  return res.locals.clientAddress as string | undefined;
}

/**
 * First middleware of every app: the request id header, the client address (`clientAddress`: through trusted
 * proxies, server/client-address.ts; default the socket's peer), and the access line when the answer is done.
 */
export function requestIds(logger: Logger, clientAddress: ClientAddressOf = (req) => req.socket.remoteAddress) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    const clientRequestId = saneClientRequestId(req.headers['x-request-id']);
    const remote = clientAddress(req);
    res.locals.requestId = requestId;
    res.locals.clientRequestId = clientRequestId;
    res.locals.clientAddress = remote;
    res.setHeader('X-Request-Id', clientRequestId ?? requestId);
    const log = (aborted: boolean): void => {
      const call = res.locals.call as CallFacts | undefined;
      // Refused before authentication: logged on the same sample as its journal line (bridge/reject-sampler.ts).
      if (call?.reject?.sampledOut) return;
      const admin = !call && ADMIN_PATHS.has(req.path);
      const level = admin ? 'debug' : call?.inDoubt || call?.category === 'upstream' || call?.category === 'bridge' || aborted ? 'warn' : 'info';
      // A line the logger would drop is not built (a quiet deployment pays nothing for it).
      if (!logger.isLevelEnabled(level)) return;
      // A literal, then the keys that apply: spreading into a new object costs V8 a slow transition per key.
      const line: Record<string, unknown> = {
        reqId: requestId,
        clientRequestId,
        remote,
        // Anyone can send an unauthenticated call: its user agent is capped as in its journal line.
        userAgent: call?.reject ? req.headers['user-agent']?.slice(0, REJECT_USER_AGENT_CHARS) : req.headers['user-agent'],
        httpMethod: req.method,
      };
      if (call) {
        for (const key of Object.keys(call) as (keyof CallFacts)[]) if (key !== 'reject') line[key] = call[key];
        if (call.reject?.suppressedRejects) line.suppressedRejects = call.reject.suppressedRejects;
      } else {
        line.path = scrubPath(req.path, undefined, 256);
      }
      line.status = aborted && !res.headersSent ? 0 : res.statusCode;
      line.ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      if (aborted) line.aborted = true;
      logger[level](line, 'access');
    };
    // 'close' follows 'finish' on every answer (Node's resOnFinish) and also ends an answer cut off: one listener.
    // Cut off: the handler learns of it from the same closing socket and sets its facts (res.locals.call) a
    // moment later, so that line waits for the next turn of the event loop.
    res.once('close', () => {
      if (res.writableFinished) log(false);
      else setImmediate(() => log(true));
    });
    next();
  };
}
