/**
 * Reads a request body as raw bytes, whatever its Content-Type, up to a limit. Old clients send bodies that
 * body parsers reject (no or wrong Content-Type, JSON on a GET, a Content-Length counted in UTF-16 units), and
 * the legacy request parser makes sense of the bytes; an unreadable body must never lose a call whose query
 * string already carries everything.
 */
import type { IncomingMessage } from 'node:http';

export interface BodyRead {
  body: Buffer;
  /** The body exceeded the limit (the call answers 4600 "xmlData"). */
  tooLarge: boolean;
}

export function readRawBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain; the connection is closed after the answer
    return Promise.resolve({ body: Buffer.alloc(0), tooLarge: true });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (tooLarge: boolean) => {
      if (done) return;
      done = true;
      resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks, size), tooLarge });
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish(true);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(false));
    // A broken body keeps what arrived: the query string may carry every parameter.
    req.on('error', () => finish(false));
    req.on('aborted', () => finish(false));
  });
}
