/**
 * Reads a request body as raw bytes, whatever its Content-Type, up to a limit. Old clients send bodies that
 * body parsers reject (no or wrong Content-Type, JSON on a GET, a Content-Length counted in UTF-16 units), and
 * the legacy request parser makes sense of the bytes.
 *
 * An oversize body is read and discarded up to `maxDiscardBytes` before the caller answers, so a client that
 * does not wait for `100 Continue` (Python's http.client) has finished sending and reads the 4600 instead of a
 * broken pipe. A client that sent `Expect: 100-continue` is told to continue only when the declared body fits;
 * an oversize one is answered without being sent at all. A body that never completes (the client went away, half-closed, or the request timeout dropped
 * it) is reported as `incomplete`: such a call is never processed.
 */
import type { IncomingMessage } from 'node:http';
import { answerExpectation } from './connections.js';

export interface BodyRead {
  body: Buffer;
  /** The body exceeded the limit (the call answers the method's oversize error: mapping/actions.ts oversizeBodyError). */
  tooLarge: boolean;
  /** tooLarge and not read to its end (declared or sent beyond the discard bound): close the connection after the answer. */
  notDrained?: boolean;
  /** The body never arrived whole (aborted, half-closed, timed out): the call is dropped unprocessed. */
  incomplete?: boolean;
}

/**
 * @param limit           largest body kept (bytes)
 * @param maxDiscardBytes an oversize body is drained up to this many bytes (default 16 MiB)
 */
export function readRawBody(req: IncomingMessage, limit: number, maxDiscardBytes = 16 * 1024 * 1024): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  // `Expect: 100-continue`: a body declared over the limit is refused before it is sent (no 100 Continue; the
  // connection closes after the answer); any other is asked for now.
  const declaredTooLarge = Number.isFinite(declared) && declared > limit;
  if (answerExpectation(req, declaredTooLarge ? 'refuse' : 'continue') && declaredTooLarge) {
    return Promise.resolve({ body: Buffer.alloc(0), tooLarge: true, notDrained: true });
  }
  // No Content-Length (or 0) and no Transfer-Encoding: HTTP/1.1 says there is no body (RFC 9112 §6.3). Most GETs.
  if (req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] === undefined || declared === 0)) {
    return Promise.resolve({ body: Buffer.alloc(0), tooLarge: false });
  }
  if (Number.isFinite(declared) && declared > limit + maxDiscardBytes) {
    req.resume();
    return Promise.resolve({ body: Buffer.alloc(0), tooLarge: true, notDrained: true });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let discarding = false;
    let done = false;
    const finish = (read: BodyRead) => {
      if (done) return;
      done = true;
      resolve(read);
    };
    const tooLarge = (notDrained: boolean) => finish({ body: Buffer.alloc(0), tooLarge: true, ...(notDrained ? { notDrained } : {}) });
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (discarding) {
        if (size > limit + maxDiscardBytes) {
          tooLarge(true);
          req.resume();
        }
        return;
      }
      if (size > limit) {
        chunks.length = 0;
        discarding = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (discarding ? tooLarge(false) : finish({ body: Buffer.concat(chunks, size), tooLarge: false })));
    const broken = () => finish({ body: Buffer.alloc(0), tooLarge: discarding, incomplete: true });
    req.on('error', broken);
    req.on('aborted', broken);
    req.on('close', () => {
      if (!req.complete) broken();
    });
  });
}
