/**
 * One HTTP attempt through axios, answered as plain data and never as a thrown axios error (those carry the
 * request config, Authorization header included). It also decides, conservatively, whether a failed attempt
 * provably never reached the server, which is what makes retrying a non-idempotent insert safe.
 */
import http, { type Agent as HttpAgent, type ClientRequest, type RequestOptions } from 'node:http';
import https, { type Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';

export interface HttpAttempt {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /**
   * Already-serialised body, or a stream (a multipart upload). A stream is consumed by the attempt: the caller
   * builds a new one for each attempt.
   */
  body?: string | Readable;
  timeoutMs: number;
  /** Answer the body as a stream instead of text (downloads); statuses >= 300 are still read as text. */
  streamResponse?: boolean;
}

export type HttpAnswer =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string>;
      text: string;
      /** With `streamResponse` and a 2xx status: the body, not yet read (`text` is then empty). */
      stream?: Readable;
    }
  | {
      kind: 'error';
      /** Node/axios error code (ECONNREFUSED, ECONNRESET, ECONNABORTED …) or 'UNKNOWN'. */
      code: string;
      /** Secret-free: the code and the target host only. */
      message: string;
      /** True only when the request provably never left this process. */
      notSent: boolean;
      timedOut: boolean;
    };

/** Failures that happen before a connection exists: nothing can have been sent. */
const CONNECT_PHASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/** What we saw of the socket of one request. */
interface SocketWatch {
  socket?: Socket;
  /** socket.bytesWritten when the request got the socket (a reused keep-alive socket has history). */
  baseline: number;
  /** The TCP connection was established (a reused socket already was). */
  connected: boolean;
}

/** Wraps http(s).request to watch the socket the request is given. */
function watchingTransport(watch: SocketWatch) {
  return {
    request(options: RequestOptions & { protocol?: string }, callback: (res: http.IncomingMessage) => void): ClientRequest {
      const mod = options.protocol === 'https:' ? https : http;
      const req = mod.request(options, callback);
      req.once('socket', (socket: Socket) => {
        watch.socket = socket;
        watch.baseline = socket.bytesWritten;
        watch.connected = !socket.connecting;
        if (socket.connecting) socket.once('connect', () => (watch.connected = true));
      });
      return req;
    },
  };
}

/**
 * Provably not sent: a connect-phase error code, no socket ever assigned, a connection that never came up, or
 * a socket on which this request wrote not one byte (e.g. a keep-alive socket the server closed just as we
 * picked it). bytesWritten counts bytes handed to the socket even if still buffered, so "0" is a safe bound.
 */
function provablyNotSent(code: string, watch: SocketWatch): boolean {
  if (CONNECT_PHASE_CODES.has(code)) return true;
  if (!watch.socket) return code !== 'UNKNOWN';
  if (!watch.connected) return true;
  return watch.socket.bytesWritten - watch.baseline === 0;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

function flattenHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  }
  return out;
}

export async function sendOnce(client: AxiosInstance, attempt: HttpAttempt, agents: HttpAgents): Promise<HttpAnswer> {
  const watch: SocketWatch = { baseline: 0, connected: false };
  try {
    const res = await client.request<string>({
      method: attempt.method,
      url: attempt.url,
      headers: attempt.headers,
      data: attempt.body,
      timeout: attempt.timeoutMs,
      adapter: 'http',
      maxRedirects: 0,
      transport: watchingTransport(watch),
      httpAgent: agents.http,
      httpsAgent: agents.https,
      responseType: attempt.streamResponse ? 'stream' : 'text',
      // Keep both directions untouched: bodies are serialised by the caller, answers parsed by the caller.
      transformRequest: [(d: unknown) => d],
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      maxContentLength: 50 * 1024 * 1024,
    });
    if (attempt.streamResponse) {
      const stream = res.data as unknown as Readable;
      if (res.status >= 200 && res.status < 300) return { kind: 'response', status: res.status, headers: flattenHeaders(res.headers), text: '', stream };
      return { kind: 'response', status: res.status, headers: flattenHeaders(res.headers), text: await readText(stream, 1024 * 1024) };
    }
    return {
      kind: 'response',
      status: res.status,
      headers: flattenHeaders(res.headers),
      text: typeof res.data === 'string' ? res.data : res.data === undefined || res.data === null ? '' : String(res.data),
    };
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' && e.code ? e.code : 'UNKNOWN';
    const timedOut = TIMEOUT_CODES.has(code) || /timeout/i.test(String(e.message ?? ''));
    const notSent = provablyNotSent(code, watch);
    const what = timedOut ? `timeout after ${attempt.timeoutMs} ms` : code === 'UNKNOWN' ? 'request failed' : code;
    return { kind: 'error', code, message: `${what} (${hostOf(attempt.url)})`, notSent, timedOut };
  }
}

/** The first `limit` bytes of a stream as UTF-8 text (error answers of a download). */
async function readText(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (size < limit) chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export interface HttpAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** Keep-alive agents: one TLS handshake per connection instead of per call. */
export function keepAliveAgents(maxSockets?: number): HttpAgents {
  const options = { keepAlive: true, ...(maxSockets ? { maxSockets } : {}) };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

export function createAxios(): AxiosInstance {
  return axios.create({ proxy: false });
}
