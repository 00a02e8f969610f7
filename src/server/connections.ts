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
 *   bare 431); headers too slow → 408; anything else unparseable → 400 with the legacy 4600 body.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { legacyErrors } from '../legacy/errors.js';
import { renderLegacyResponse } from '../legacy/response.js';
import { legacyFormatOf } from '../legacy/request.js';

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
}

/** Why a connection was dropped or answered below the app (for the caller's log and metrics). */
export type ConnectionReject = 'header-overflow' | 'header-timeout' | 'bad-request' | 'body-incomplete' | 'trailing-garbage';

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

export function guardConnections(server: Server, onReject: (reason: ConnectionReject, detail: { code: string; remote?: string }) => void): ConnectionGuard {
  const current = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  const busy = new WeakMap<Socket, number>();
  const closing = new WeakSet<Socket>();
  let draining = false;

  const endAfterAnswer = (socket: Socket) => {
    closing.add(socket);
    const entry = current.get(socket);
    if (entry && !entry.res.headersSent) entry.res.setHeader('Connection', 'close');
  };

  /** Sockets with a request being answered (drain marks their answers `Connection: close`). */
  const active = new Set<Socket>();
  // Before the app's listener: the app may answer synchronously (the 503 while draining), and a header can
  // only be set before that.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    current.set(socket, { req, res });
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    active.add(socket);
    if ((draining || closing.has(socket)) && !res.headersSent) res.setHeader('Connection', 'close');
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
    if ((busy.get(socket) ?? 0) > 0 && entry) {
      if (entry.req.complete) {
        // Bytes after a complete request: answer it, then close.
        onReject('trailing-garbage', { code, remote });
        endAfterAnswer(socket);
      } else {
        onReject('body-incomplete', { code, remote });
        socket.destroy();
      }
      return;
    }
    if (code === 'HPE_HEADER_OVERFLOW') {
      onReject('header-overflow', { code, remote });
      const rawPath = rawRequestPath(error);
      const rendered = renderLegacyResponse(
        { format: legacyFormatOf(rawPath), path: rawPath || '/' },
        { kind: 'error', error: legacyErrors.badParameter('xmlData') },
      );
      writeAndClose(socket, 200, 'OK', rendered.contentType, rendered.body);
    } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADER_TIMEOUT') {
      onReject('header-timeout', { code, remote });
      writeAndClose(socket, 408, 'Request Timeout', 'text/plain', '');
    } else {
      onReject('bad-request', { code, remote });
      const rendered = renderLegacyResponse({ format: 'xml', path: '/' }, { kind: 'error', error: legacyErrors.generic() });
      writeAndClose(socket, 400, 'Bad Request', rendered.contentType, rendered.body);
    }
  });

  return {
    drain() {
      draining = true;
      server.closeIdleConnections();
      // Calls in flight: their answers say `Connection: close`, and their sockets close after them.
      for (const socket of active) endAfterAnswer(socket);
    },
    get draining() {
      return draining;
    },
    closeAfter(res: ServerResponse) {
      endAfterAnswer(res.socket as Socket);
    },
  };
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

/** The request path (no query) from the bytes Node had read when it gave up, for the legacy answer's `uri`. */
function rawRequestPath(error: NodeJS.ErrnoException): string {
  const raw = (error as { rawPacket?: Buffer }).rawPacket;
  if (!raw) return '';
  const line = raw.subarray(0, 512).toString('latin1');
  const match = /^[A-Z]+ (\/[^?\s#]{0,200})/.exec(line);
  return match ? match[1] : '';
}
