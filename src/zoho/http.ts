/**
 * One HTTP attempt through axios, answered as plain data and never as a thrown axios error (those carry the
 * request config, Authorization header included). It also decides, conservatively, whether a failed attempt
 * provably never reached the server, which is what makes retrying a non-idempotent insert safe, and whether it
 * failed the way a keep-alive connection the server closed while idle fails (`staleSocket`).
 *
 * The keep-alive agents never hand out a connection the server is about to close: idle connections expire after
 * `idleMs`, or sooner when the server announces `Keep-Alive: timeout=N` (N s − 1 s, Node's own rule). Node 20's
 * Agent applies that hint only when the agent has a `timeout` (without one it keeps idle sockets forever), and
 * only by a timer, which a busy event loop runs late; the agents here also compare the idle time on a clock
 * when a request picks a socket.
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
  /** Send on a new connection, never a pooled one (the retry after a `staleSocket` failure). @default false */
  freshConnection?: boolean;
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
      /**
       * The request went out on a reused keep-alive connection that failed (ECONNRESET, EPIPE, "socket hang up")
       * before one byte of an answer arrived: the server closing an idle connection just as it was reused.
       * Nothing proves the server did not read the request, so a write may still have been applied.
       */
      staleSocket: boolean;
    };

/** Failures that happen before a connection exists: nothing can have been sent. */
const CONNECT_PHASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
/** How a connection the peer closed fails a request written on it ("socket hang up" is ECONNRESET too). */
const CLOSED_BY_PEER_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** What we saw of the socket of one request. */
interface SocketWatch {
  socket?: Socket;
  /** socket.bytesWritten when the request got the socket (a reused keep-alive socket has history). */
  baseline: number;
  /** The TCP connection was established (a reused socket already was). */
  connected: boolean;
  /** socket.bytesRead when the request got the socket: more later means an answer began. */
  readBaseline: number;
  /** The agent gave the request a pooled keep-alive socket (`request.reusedSocket`). */
  reused: boolean;
}

/** Wraps http(s).request to watch the socket the request is given. */
function watchingTransport(watch: SocketWatch) {
  return {
    request(options: RequestOptions & { protocol?: string }, callback: (res: http.IncomingMessage) => void): ClientRequest {
      const mod = options.protocol === 'https:' ? https : http;
      const req = mod.request(options, callback);
      req.once('socket', (socket: Socket) => {
        watch.socket = socket;
        watch.reused = req.reusedSocket;
        watch.readBaseline = socket.bytesRead;
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

/** A reused keep-alive connection closed by the peer before any answer byte (see HttpAnswer.staleSocket). */
function staleSocket(code: string, timedOut: boolean, watch: SocketWatch): boolean {
  if (!watch.reused || timedOut || !watch.socket || !CLOSED_BY_PEER_CODES.has(code)) return false;
  return watch.socket.bytesRead - watch.readBaseline === 0;
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
  const watch: SocketWatch = { baseline: 0, connected: false, readBaseline: 0, reused: false };
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
      httpAgent: attempt.freshConnection ? agents.fresh.http : agents.http,
      httpsAgent: attempt.freshConnection ? agents.fresh.https : agents.https,
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
    const stale = staleSocket(code, timedOut, watch);
    const what = timedOut ? `timeout after ${attempt.timeoutMs} ms` : code === 'UNKNOWN' ? 'request failed' : code;
    const where = stale ? ' on a reused keep-alive connection' : '';
    return { kind: 'error', code, message: `${what}${where} (${hostOf(attempt.url)})`, notSent, timedOut, staleSocket: stale };
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
  /** Agents without keep-alive: every request on a new connection, closed after its answer. */
  fresh: { http: HttpAgent; https: HttpsAgent };
}

/**
 * How long an idle keep-alive connection is kept for reuse when the server announces no shorter
 * `Keep-Alive: timeout`, ms. Below the 5 s idle timeout of Node's and Apache's servers (the sandbox's too):
 * reusing a connection the server closes at that moment fails the call (an insert ends in doubt).
 */
export const DEFAULT_KEEP_ALIVE_IDLE_MS = 3000;

export interface KeepAliveOptions {
  /** Connections per origin. @default unlimited */
  maxSockets?: number;
  /**
   * Longest idle time of a pooled connection, ms; a server's `Keep-Alive: timeout=N` shortens it to N s − 1 s
   * (N ≤ 1: not kept) but never lengthens it — a load balancer in front may close sooner than the server
   * behind it announces. @default DEFAULT_KEEP_ALIVE_IDLE_MS (3000)
   */
  idleMs?: number;
  /** Monotonic clock (ms) for idle ages. @default performance.now */
  now?: () => number;
}

/** When a pooled socket stops being reusable (clock of its agent). */
const idleDeadline = Symbol('zbridge.idleDeadline');
type PooledSocket = Socket & { [idleDeadline]?: number };

/**
 * Node's keep-alive Agent, plus: idle sockets are dropped when a request is added once their idle time (on
 * `now`) reached what the agent's idle timer allows, so a timer that a loaded event loop runs late cannot hand
 * out a connection the server has closed or is closing.
 */
function expiring<A extends typeof http.Agent>(Base: A, now: () => number): A {
  const addRequest = (Base.prototype as unknown as { addRequest: (...args: unknown[]) => void }).addRequest;
  // @ts-expect-error a mixin over the two Agent constructors (http's and https's)
  return class extends Base {
    override keepSocketAlive(socket: PooledSocket): boolean {
      // Node sets the idle timer: min(agent `timeout`, server hint − 1 s); false when the hint is ≤ 1 s
      // (typed void in @types/node, documented as returning whether to keep the socket).
      const keep = (super.keepSocketAlive(socket) as unknown) !== false;
      if (keep) socket[idleDeadline] = now() + (socket.timeout ?? 0);
      return keep;
    }

    // Not in Node's typings, but the one place every request passes before a free socket is picked.
    addRequest(...args: unknown[]): void {
      this.dropExpired();
      addRequest.apply(this, args);
    }

    /** Destroy and unpool free sockets whose idle time is up (the documented 'agentRemove' unpools at once). */
    dropExpired(): void {
      const at = now();
      for (const name in this.freeSockets) {
        const list = this.freeSockets[name] as PooledSocket[] | undefined;
        if (!list) continue;
        // Collected first: 'agentRemove' takes the socket out of this very list.
        let expired: PooledSocket[] | undefined;
        for (const socket of list) {
          const deadline = socket[idleDeadline];
          if (deadline !== undefined && at >= deadline) (expired ??= []).push(socket);
        }
        for (const socket of expired ?? []) {
          socket.destroy();
          socket.emit('agentRemove');
        }
      }
    }
  };
}

/** Keep-alive agents: one TLS handshake per connection instead of per call, never reusing a stale connection. */
export function keepAliveAgents(options: KeepAliveOptions = {}): HttpAgents {
  const now = options.now ?? (() => performance.now());
  const agentOptions = {
    keepAlive: true,
    // Node's Agent applies `timeout` to idle pooled sockets (and takes a shorter Keep-Alive hint only with it).
    // While a request runs, the request's own timeout replaces it.
    timeout: options.idleMs ?? DEFAULT_KEEP_ALIVE_IDLE_MS,
    ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}),
  };
  const HttpExpiring = expiring(http.Agent, now);
  const HttpsExpiring = expiring(https.Agent as unknown as typeof http.Agent, now) as unknown as typeof https.Agent;
  return {
    http: new HttpExpiring(agentOptions),
    https: new HttpsExpiring(agentOptions),
    fresh: { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) },
  };
}

/** Destroy every socket of the agents (pooled and fresh). */
export function destroyAgents(agents: HttpAgents): void {
  agents.http.destroy();
  agents.https.destroy();
  agents.fresh.http.destroy();
  agents.fresh.https.destroy();
}

export function createAxios(): AxiosInstance {
  return axios.create({ proxy: false });
}
