/**
 * The proxy's express app: legacy calls on every path (anything that is not a v1 write answers the legacy
 * 4600, with HTTP 200, as Zoho did), plus /healthz, /readyz and /metrics unless those are on the admin listener.
 * Every answer carries X-Request-Id and writes one access line (server/access-log.ts).
 */
import express, { type Express, type Request, type Response } from 'express';
import { callFacts, recordRejected, rejectedEntry, type CallFacts, type CallOrigin } from '../bridge/outcome.js';
import type { Bridge } from '../bridge/pipeline.js';
import { legacyErrorFor, legacyErrorOf } from '../mapping/results.js';
import { oversizeBodyError } from '../mapping/actions.js';
import { legacyFormatOf, parseLegacyRequest } from '../legacy/request.js';
import { renderLegacyResponse, type JsonKeyOrder } from '../legacy/response.js';
import type { LegacyFormat, LegacyResult } from '../legacy/types.js';
import type { Journal } from '../journal/types.js';
import type { Upstream } from '../upstream.js';
import { pipeline } from 'node:stream/promises';
import type { LegacyDownload } from '../bridge/actions.js';
import { clientAddressOf, clientRequestIdOf, requestIds, requestIdOf } from './access-log.js';
import type { ClientAddressOf } from './client-address.js';
import { RejectSampler } from '../bridge/reject-sampler.js';
import { scrubMessage, scrubPath } from '../journal/redact.js';
import { attachmentDisposition } from '../v2/disposition.js';
import { readRawBody } from './body.js';
import { recordHttpRefusal, type HttpRefusal } from './http-rejects.js';
import type { ConnectionGuard } from './connections.js';
import { adminRoutes } from './admin.js';
import type { Logger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';

export interface ProxyAppOptions {
  bridge: Bridge;
  upstream: Upstream;
  journal: Journal;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Largest body read (bytes). */
  maxBodyBytes: number;
  /** An oversize body is drained up to this many bytes before answering. @default 16 MiB */
  maxDiscardBytes?: number;
  /** The connection guard (Connection: close after a cut-short body); set once the server exists. */
  connections?: () => ConnectionGuard | undefined;
  /** Samples the journal and log lines of calls rejected before authentication. */
  rejects?: RejectSampler;
  honourDoubleQuestionMark: boolean;
  /** Recognises this proxy's legacy authtokens, so a bare one in a path is scrubbed before it is journaled or logged. */
  isAcceptedToken?: (candidate: string) => boolean;
  /** The client address of a request (trusted proxies' X-Forwarded-For). @default the socket's peer address */
  clientAddress?: ClientAddressOf;
  /** /healthz, /readyz and /metrics are served by the separate admin listener, not here. @default false */
  adminSeparate?: boolean;
  /** Called when a legacy call starts and ends (graceful shutdown counts in-flight calls). */
  onCallStart?: (call?: { requestId: string; method: string; path: string }) => void;
  onCallEnd?: (call?: { requestId: string; method: string; path: string }) => void;
}

const LEGACY_HEADERS = { Pragma: 'no-cache', 'Cache-Control': 'no-store, no-cache, must-revalidate' };

/**
 * The headers of a legacy answer whose whole body is known: with its Content-Length, so it goes out in one
 * piece rather than chunked (what a servlet container did for answers of this size, and what a client that reads
 * to a length expects). A literal: `{...LEGACY_HEADERS, more}` is a slow path in V8 on every call.
 */
function legacyHeaders(contentType: string, body: string): Record<string, string | number> {
  return {
    Pragma: LEGACY_HEADERS.Pragma,
    'Cache-Control': LEGACY_HEADERS['Cache-Control'],
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body, 'utf8'),
  };
}

export function createProxyApp(options: ProxyAppOptions): Express {
  const { bridge, upstream, metrics, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestIds(logger, options.clientAddress));
  if (!options.adminSeparate) app.use(adminRoutes({ upstream, metrics, journal: options.journal }));

  // Only GET and POST are legacy calls. OPTIONS (a browser's CORS preflight) is answered and writes nothing;
  // every other method is refused as the v1 servlet container refused it, before anything is read or written.
  app.use((req: Request, res: Response, next) => {
    if (req.method === 'GET' || req.method === 'POST') return next();
    res.setHeader('Allow', 'GET, POST');
    req.resume(); // a body is drained, never read
    if (req.method === 'OPTIONS') {
      metrics.rejected.inc({ reason: 'options' });
      res.locals.call = { ...metrics.callLabels('', '', '200'), category: 'http-method' } satisfies CallFacts;
      res.status(200).setHeader('Content-Length', '0');
      res.end();
      return;
    }
    const text = `HTTP method ${req.method.slice(0, 20)} is not supported by this URL`;
    res.locals.call = refuse(options, req, res, { category: 'method-not-allowed', httpStatus: 405, error: text });
    res.status(405).type('text/plain');
    res.end(req.method === 'HEAD' ? undefined : text);
  });

  // Every other path: a legacy call (or the legacy 4600 for what is not one).
  app.use(async (req: Request, res: Response) => {
    const requestId = requestIdOf(res);
    // The path is only read if a shutdown cuts the call (its log line): scrubbed then, not on every call.
    const rawPath = req.path;
    const running = {
      requestId,
      method: req.method,
      get path(): string {
        return scrubPath(rawPath, options.isAcceptedToken, 128);
      },
    };
    options.onCallStart?.(running);
    metrics.inFlight.inc();
    try {
      await handleLegacy(req, res, options);
    } catch (error) {
      // Only reached on a bug in the glue itself; the old client still gets a legacy answer.
      logger.error({ reqId: requestId, err: (error as Error).message }, 'unhandled proxy error');
      if (!res.headersSent) send(res, { format: 'xml', path: req.path }, { kind: 'error', error: legacyErrorOf(error) }, 'jsonp');
    } finally {
      metrics.inFlight.dec();
      options.onCallEnd?.(running);
    }
  });

  return app;
}

async function handleLegacy(
  req: Request,
  res: Response,
  options: ProxyAppOptions,
): Promise<void> {
  const path = req.originalUrl.split('?')[0];
  if (options.connections?.()?.draining) {
    // Shutting down: a request that arrives now on a kept-alive connection is not taken (nothing is read or
    // written); the legacy 4500 tells the client to try again, and the connection closes after it.
    req.resume();
    const result: LegacyResult = { kind: 'error', error: legacyErrorFor('upstream-failed') };
    const error = 'the proxy is stopping: the request was not taken';
    // Pipelined behind an answer still being written: answered in its turn, so that it is not dropped (the
    // connection guard sets `Connection: close` on the last answer of the connection). Journaled once it is
    // known whether it could be answered (not when the connection closed first, after an answer that said so).
    const answered = await (options.connections?.()?.ownsConnection(res) ?? Promise.resolve(true));
    res.locals.call = answered
      ? refuse(options, req, res, { category: 'shutting-down', result, httpStatus: 503, error })
      : refuse(options, req, res, { category: 'shutting-down', httpStatus: 0, error: `${error}; its connection closed before its turn: no answer` });
    if (!answered) return;
    const rendered = renderLegacyResponse({ format: legacyFormatOf(path), path }, result);
    res.writeHead(503, legacyHeaders(rendered.contentType, rendered.body));
    res.end(rendered.body);
    return;
  }
  // uploadFile / uploadPhoto carry up to 20 MB of file (v1's limit, enforced with 4807 by the bridge).
  const limit = UPLOAD_PATH.test(path) ? Math.max(options.maxBodyBytes, MAX_UPLOAD_BODY_BYTES) : options.maxBodyBytes;
  const { body, tooLarge, notDrained, incomplete } = await readRawBody(req, limit, options.maxDiscardBytes);
  if (incomplete) {
    // The client went away, half-closed or timed out mid-body: nothing is processed, the socket is gone.
    const error = 'body cut short (the client went away or half-closed, or limits.requestTimeoutMs ran out): not processed';
    res.locals.call = refuse(options, req, res, { category: 'body-incomplete', httpStatus: 0, error });
    if (!res.socket?.destroyed) res.socket?.destroy();
    return;
  }
  const format: LegacyFormat = legacyFormatOf(path);
  const origin = callOrigin(req, res);

  let call;
  try {
    call = parseLegacyRequest(
      { method: req.method, url: req.originalUrl, headers: req.headers, body },
      { honourDoubleQuestionMark: options.honourDoubleQuestionMark },
    );
  } catch (error) {
    const result: LegacyResult = { kind: 'error', error: legacyErrorOf(error) };
    res.locals.call = journalRejected(options, origin, { format, path, method: req.method }, result, 'bad-request', (error as Error).message);
    send(res, { format, path }, result, 'jsonp');
    return;
  }
  if (tooLarge) {
    // The method's own error: 4807 for a file too big to upload, 4600 "xmlData" for the others.
    const result: LegacyResult = { kind: 'error', error: oversizeBodyError(call.method) };
    res.locals.call = journalRejected(options, origin, call, result, 'oversize-body', `body larger than ${limit} bytes`, call.authtoken);
    // Drained to its end: the connection is clean. Not drained (beyond the discard bound): close it.
    if (notDrained) options.connections?.()?.closeAfter(res);
    send(res, call, result, 'jsonp');
    return;
  }
  // A body that provably ended early (its Content-Length was short): the rest may still be on the connection,
  // where it would poison the next call. Answer, then close.
  if (call.bodyCutShort) options.connections?.()?.closeAfter(res);
  const answer = await options.bridge.handle(call, origin);
  res.locals.call = callFacts(answer.outcome, options.metrics, answer.reject);
  if (answer.download) return sendDownload(res, answer.download);
  send(res, call, answer.result, answer.profile?.jsonContentType ?? 'jsonp', answer.profile?.jsonKeyOrder);
}

/** uploadFile / uploadPhoto paths, whose bodies may hold a file. */
const UPLOAD_PATH = /\/(uploadFile|uploadPhoto)\/?$/i;
/** The v1 attachment limit (20 MB) plus room for the multipart framing and the other parameters. */
const MAX_UPLOAD_BODY_BYTES = 21 * 1024 * 1024;

/** A downloaded file, streamed through as v1 sent it: the file's bytes with its content type (§13). */
async function sendDownload(res: Response, download: LegacyDownload): Promise<void> {
  const headers: Record<string, string> = { ...LEGACY_HEADERS, 'Content-Type': download.contentType };
  if (download.fileName) headers['Content-Disposition'] = attachmentDisposition(download.fileName);
  if (download.length !== undefined) headers['Content-Length'] = String(download.length);
  res.writeHead(200, headers);
  try {
    await pipeline(download.stream, res);
  } catch {
    // The client went away or v2 cut the stream: nothing more can be said on this response.
    res.destroy();
  }
}

function send(
  res: Response,
  target: { format: LegacyFormat; path: string },
  result: LegacyResult,
  json: 'jsonp' | 'json',
  jsonKeyOrder?: JsonKeyOrder,
): void {
  const rendered = renderLegacyResponse(target, result, { jsonContentType: json, jsonKeyOrder });
  res.writeHead(200, legacyHeaders(rendered.contentType, rendered.body));
  res.end(rendered.body);
}

/** Who sent this request, as its journal and log lines record it (ids and client address set by `requestIds`). */
function callOrigin(req: Request, res: Response): CallOrigin {
  return { requestId: requestIdOf(res), clientRequestId: clientRequestIdOf(res), address: clientAddressOf(res), userAgent: req.headers['user-agent'] };
}

/** A request refused at the HTTP layer (server/http-rejects.ts): journaled (sampled) and counted; returns the access-line facts. */
function refuse(options: ProxyAppOptions, req: Request, res: Response, refusal: Pick<HttpRefusal, 'category' | 'result' | 'httpStatus' | 'error'>): CallFacts {
  const origin = callOrigin(req, res);
  return recordHttpRefusal(options, { ...refusal, ...origin, httpMethod: req.method, target: req.originalUrl }).facts;
}

/** Calls rejected before a LegacyCall exists still leave an outcome line in the journal (bridge/outcome.ts); returns the access-log facts. */
function journalRejected(
  options: ProxyAppOptions,
  origin: CallOrigin,
  call: { format: LegacyFormat; path: string; method: string; module?: string },
  result: LegacyResult,
  category: string,
  message: string,
  authtoken?: string,
): CallFacts {
  // The parser's message may quote the path, where a broken client can put its authtoken.
  const scrub = options.isAcceptedToken;
  const error = scrubMessage(message, { secrets: authtoken ? [authtoken] : [], isAcceptedToken: scrub, maxLength: 512 });
  return recordRejected(options, rejectedEntry(origin, call, result, { category, error }, authtoken, scrub));
}
