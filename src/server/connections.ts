/**
 * What the proxy does with connections, below express: bounded header, body and idle time, sockets destroyed
 * when a body never completes, the legacy 4600 for a request line + headers beyond the limit, `Connection:
 * close` and a dropped socket after a request whose body was cut short (or followed by garbage), and draining
 * on shutdown.
 *
 * Node reports every connection-level failure as `clientError`. Cases:
 * - the socket is already gone (ECONNRESET …): destroy it;
 * - bytes after a complete request that do not parse (a JSON body whose Content-Length was counted in
 *   characters): the current answer is still written, with `Connection: close`, then the socket is closed;
 * - a request still being received when the error came (request timeout, the client half-closed mid-body,
 *   garbage inside the body): the socket is destroyed — the half-read call is dropped unprocessed
 *   (server/body.ts reports it incomplete) and nothing stays in CLOSE-WAIT or counted in flight;
 * - no request yet: headers too large → the legacy 4600 "xmlData" (what a v1 client understands, instead of a
 *   bare 431); headers too slow → 408; anything else unparseable → the legacy 4600 generic. Both legacy answers
 *   are HTTP 200 (docs/PROTOCOL.md §3: "HTTP 200 always, for errors too") with `uri` = the request path when it
 *   could be read (§2), else `/`.
 *
 * Those refusals are reported (`onReject`) with what could be read of the request — method, request-target,
 * user agent — from the first bytes of its head, kept while a head spans several reads (HeadCapture): Node
 * only hands over the read that failed, which for a 120 KB GET is not the one holding the request line.
 *
 * Stopping (`drain`): a request that arrives meanwhile — also one pipelined behind a call still being answered
 * — is answered by the app (the legacy 4500, HTTP 503) once its turn on the connection comes (`ownsConnection`),
 * and only the last answer on a connection says `Connection: close` (Node drops every answer queued behind one
 * that says it).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { legacyErrors } from '../legacy/errors.js';
import { renderLegacyResponse } from '../legacy/response.js';
import { peekLegacyRequest } from '../legacy/request.js';
import type { LegacyResult } from '../legacy/types.js';

export interface ConnectionLimits {
  /** Request line + headers, bytes. */
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  /** Whole request (body included), ms. */
  requestTimeoutMs: number;
  /** Idle keep-alive connection, ms. */
  idleTimeoutMs: number;
}

/** Options for http.createServer that bound what one connection may hold. */
export function serverOptions(limits: ConnectionLimits) {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // How often Node checks the two timeouts above (its default, 30 s, would let them overrun by as much).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
  };
}

export interface ConnectionGuard {
  /** From now on every answer carries `Connection: close` and its socket closes after it. */
  drain(): void;
  readonly draining: boolean;
  /** Mark the connection of `res` to close after this answer (`Connection: close`). */
  closeAfter(res: ServerResponse): void;
  /**
   * Resolves true once `res` may be written: at once, or — pipelined behind answers still being written on its
   * connection — when its turn comes; false when the connection went away first (nothing can be answered).
   */
  ownsConnection(res: ServerResponse): Promise<boolean>;
}

/**
 * Why a connection was refused or answered below the app, for the caller's journal, log and metrics:
 * `header-overflow`, `unparseable-request` and `header-timeout` refuse a request head; `trailing-garbage` is
 * the unparseable tail of a request that was answered. (A body cut short is reported by the app, which reads it.)
 */
export type ConnectionReject = 'header-overflow' | 'header-timeout' | 'unparseable-request' | 'trailing-garbage';

/** What could be read of a refused request head (all of it as received: the caller scrubs before writing). */
export interface RejectedHead {
  /** The HTTP method token, as sent. */
  httpMethod: string;
  /** The request-target (path and query), or its first part when `truncated`. */
  target: string;
  /** Only a prefix of the request line was read (HEAD_CAPTURE_BYTES, or the bytes that came). */
  truncated: boolean;
  /** The User-Agent header, when a whole one was read. */
  userAgent?: string;
}

/** A refusal below the app, with what is known of it. */
export interface ConnectionRejectDetail {
  /** Node's error code (HPE_HEADER_OVERFLOW, ERR_HTTP_REQUEST_TIMEOUT …). */
  code: string;
  /** llhttp's fixed reason text for a parse error ("Invalid HTTP version" …). */
  parseReason?: string;
  remote?: string;
  /** The refused request head, when any of it was received and readable. */
  head?: RejectedHead;
  /** The HTTP status answered (200 with a legacy error, 408). */
  status: number;
  /** The legacy answer written, when the answer was one. */
  result?: LegacyResult;
}

/** Bytes of a request head kept while it spans several reads: the request line's start and early headers. @default 8 KiB */
export const HEAD_CAPTURE_BYTES = 8 * 1024;

/** Requests that sent `Expect: 100-continue` and were not answered `100 Continue` yet (see answerExpectation). */
const awaitingContinue = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * For a request that sent `Expect: 100-continue`: `continue` sends `100 Continue` (its body is wanted), `refuse`
 * sends nothing (the answer comes without the body, and the connection closes after it — the client never
 * transfers an upload that is refused anyway). Returns false when the request was not waiting for that.
 */
export function answerExpectation(req: IncomingMessage, decision: 'continue' | 'refuse'): boolean {
  const res = awaitingContinue.get(req);
  if (!res) return false;
  awaitingContinue.delete(req);
  if (decision === 'continue') res.writeContinue();
  return true;
}

export function guardConnections(server: Server, onReject: (reason: ConnectionReject, detail: ConnectionRejectDetail) => void): ConnectionGuard {
  const current = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  const busy = new WeakMap<Socket, number>();
  const closing = new WeakSet<Socket>();
  /** Answers that say `Connection: close` only because of the stop (a later pipelined request takes it over). */
  const closedByDrain = new WeakSet<ServerResponse>();
  let draining = false;
  // Between requests when the last one seen on the socket was received whole.
  const heads = new HeadCapture((socket) => current.get(socket)?.req.complete ?? true);

  const endAfterAnswer = (socket: Socket) => {
    closing.add(socket);
    const entry = current.get(socket);
    if (entry && !entry.res.headersSent) entry.res.setHeader('Connection', 'close');
  };

  /** Sockets with a request being answered (drain marks their answers `Connection: close`). */
  const active = new Set<Socket>();
  server.on('connection', (socket: Socket) => heads.watch(socket));
  // Before the app's listener: the app may answer synchronously (the 503 while draining), and a header can
  // only be set before that.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    heads.requestSeen(socket);
    const previous = current.get(socket);
    current.set(socket, { req, res });
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    active.add(socket);
    if ((draining || closing.has(socket)) && !res.headersSent) {
      res.setHeader('Connection', 'close');
      if (draining) closedByDrain.add(res);
      // Pipelined behind an answer not written yet that would close the connection only because of the stop:
      // that answer keeps it open, this later one closes it (else Node drops this one unanswered).
      if (draining && previous && previous.res !== res && closedByDrain.has(previous.res) && !previous.res.headersSent) {
        previous.res.removeHeader('Connection');
        closedByDrain.delete(previous.res);
      }
    }
    res.on('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (left === 0) active.delete(socket);
      if (left === 0 && (closing.has(socket) || draining)) closeSoon(socket);
    });
  });

  // `Expect: 100-continue`: the body reader decides (server/body.ts) once it knows the path's limit, instead of
  // Node's automatic 100 Continue that made a client send a refused 20 MB upload before reading the 4600.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.set(req, res);
    // Answered without ever deciding (a 405, the 503 while draining): the body never came, so the connection
    // cannot be reused. Registered before the 'request' listeners, so it marks the socket before they look.
    res.on('close', () => {
      if (answerExpectation(req, 'refuse')) closing.add(req.socket);
    });
    server.emit('request', req, res);
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? 'UNKNOWN';
    const remote = socket.remoteAddress;
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const entry = current.get(socket);
    if (entry && !entry.req.complete) {
      // A request still being received (timed out, half-closed, garbage inside the body): dropped unprocessed.
      // The app reads that body and reports it (body-incomplete); a request already refused was reported then.
      socket.destroy();
      return;
    }
    if ((busy.get(socket) ?? 0) > 0) {
      // Bytes after a complete request: answer it, then close.
      onReject('trailing-garbage', { code, remote, status: 0 });
      endAfterAnswer(socket);
      return;
    }
    const head = heads.headOf(socket, (error as { rawPacket?: Buffer }).rawPacket);
    const peek = head ? peekLegacyRequest(head.target, { truncated: head.truncated }) : undefined;
    // PROTOCOL §2: uri = the request path exactly; `/` only when the path could not be read.
    const target = { format: peek?.format ?? 'xml', path: peek?.path || '/' };
    if (code === 'HPE_HEADER_OVERFLOW') {
      const result: LegacyResult = { kind: 'error', error: legacyErrors.badParameter('xmlData') };
      const rendered = renderLegacyResponse(target, result);
      writeAndClose(socket, 200, 'OK', rendered.contentType, rendered.body);
      onReject('header-overflow', { code, remote, head, status: 200, result });
    } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADER_TIMEOUT') {
      writeAndClose(socket, 408, 'Request Timeout', 'text/plain', '');
      onReject('header-timeout', { code, remote, head, status: 408 });
    } else {
      const result: LegacyResult = { kind: 'error', error: legacyErrors.generic() };
      const rendered = renderLegacyResponse(target, result);
      writeAndClose(socket, 200, 'OK', rendered.contentType, rendered.body);
      const reason = (error as { reason?: unknown }).reason;
      const parseReason = typeof reason === 'string' ? reason.slice(0, 80) : undefined;
      onReject('unparseable-request', { code, parseReason, remote, head, status: 200, result });
    }
  });

  return {
    drain() {
      draining = true;
      server.closeIdleConnections();
      // Calls in flight: their answers say `Connection: close`, and their sockets close after them.
      for (const socket of active) {
        endAfterAnswer(socket);
        const entry = current.get(socket);
        if (entry && !entry.res.headersSent) closedByDrain.add(entry.res);
      }
    },
    get draining() {
      return draining;
    },
    closeAfter(res: ServerResponse) {
      closedByDrain.delete(res);
      endAfterAnswer(res.socket as Socket);
    },
    ownsConnection(res: ServerResponse): Promise<boolean> {
      if (res.socket) return Promise.resolve(!res.socket.destroyed);
      const socket = res.req.socket;
      if (socket.destroyed) return Promise.resolve(false);
      return new Promise((resolve) => {
        const gone = () => {
          res.off('socket', owned);
          resolve(false);
        };
        const owned = () => {
          socket.off('close', gone);
          resolve(true);
        };
        res.once('socket', owned);
        socket.once('close', gone);
      });
    },
  };
}

/**
 * The first HEAD_CAPTURE_BYTES of each request head that spans several reads, per socket. Node parses a read
 * before its other 'data' listeners see it, so when a read is seen here the requests it completed have already
 * been emitted: a read that started while no request was being received, and completed none, holds the start
 * of a head still incomplete. (The extra 'data' listener makes Node hand each read to JavaScript instead of
 * feeding it to the parser in C++: a few µs per read, next to the ~1 ms a proxied call adds.)
 */
class HeadCapture {
  private readonly state = new WeakMap<Socket, { idle: boolean; seen: number; requests: number; head?: Buffer }>();

  /** @param betweenRequests whether no request is being received on the socket now (its last one is complete) */
  constructor(private readonly betweenRequests: (socket: Socket) => boolean) {}

  watch(socket: Socket): void {
    const st = { idle: true, seen: 0, requests: 0, head: undefined as Buffer | undefined };
    this.state.set(socket, st);
    socket.on('data', (chunk: Buffer) => {
      const completed = st.requests !== st.seen;
      st.seen = st.requests;
      if (st.head) {
        if (completed) st.head = undefined;
        else if (st.head.length < HEAD_CAPTURE_BYTES) st.head = Buffer.concat([st.head, chunk.subarray(0, HEAD_CAPTURE_BYTES - st.head.length)]);
      } else if (st.idle && !completed) {
        st.head = Buffer.from(chunk.subarray(0, HEAD_CAPTURE_BYTES));
      }
      st.idle = this.betweenRequests(socket);
    });
  }

  requestSeen(socket: Socket): void {
    const st = this.state.get(socket);
    if (st) st.requests += 1;
  }

  /**
   * The refused head on `socket`: its captured start, or — when it began in the read being parsed (`rawPacket`,
   * the read Node failed on) — that read; undefined when neither holds its start.
   */
  headOf(socket: Socket, rawPacket: Buffer | undefined): RejectedHead | undefined {
    const st = this.state.get(socket);
    if (!st) return undefined;
    const began = st.head ?? (st.idle && st.requests === st.seen && rawPacket ? rawPacket.subarray(0, HEAD_CAPTURE_BYTES) : undefined);
    return began && began.length > 0 ? readHead(began) : undefined;
  }
}

/** Method, request-target and user agent from the first bytes of a request head (latin1, as Node reads it). */
function readHead(bytes: Buffer): RejectedHead | undefined {
  const text = bytes.toString('latin1');
  const lineEnd = text.indexOf('\r\n');
  const line = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}) +(\S+)( +HTTP\/\d\.\d)?/.exec(line);
  if (!match) return undefined;
  // The target was read whole when something followed it on the request line.
  const truncated = lineEnd < 0 && match[3] === undefined && match[0].length === line.length;
  let userAgent: string | undefined;
  if (lineEnd >= 0) {
    const ua = /\r\nuser-agent:[ \t]*([^\r\n]*)\r\n/i.exec(text.slice(lineEnd));
    if (ua) userAgent = ua[1].trim();
  }
  return { httpMethod: match[1], target: match[2], truncated, ...(userAgent !== undefined ? { userAgent } : {}) };
}

function writeAndClose(socket: Socket, status: number, text: string, contentType: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** End the socket after its last answer, and destroy it if the peer does not close its side soon. */
function closeSoon(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), 2000).unref();
}
