/**
 * The keep-alive race over real sockets: a server closes an idle keep-alive connection just as the client reuses
 * it. A raw `net` server plays the upstream so the moment is exact: it answers each request on a connection until
 * the test calls `expireIdle()`, then the next request arriving on a connection that was idle at that moment is
 * read (the worst case for a write: the server saw it) and the connection closed without an answer — by RST
 * (`reset`, "read ECONNRESET") or by FIN (`hangup`, "socket hang up"). Nothing waits on time: the agents' idle
 * clock is a test clock, and every step awaits the call it makes.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAxios, destroyAgents, keepAliveAgents, sendOnce, type HttpAgents, type HttpAnswer } from '../../src/zoho/http.js';
import { TokenManager } from '../../src/zoho/oauth.js';
import { MemoryTokenStore } from '../../src/zoho/tokens.js';
import { clientFor, insertLead, profileFor, updateLead } from './helpers.js';

type CloseMode = 'reset' | 'hangup';

interface Seen {
  /** 1-based connection number, in accept order. */
  conn: number;
  method: string;
  path: string;
  body: string;
  /** Closed without an answer (the race). */
  killed: boolean;
}

interface RawServer {
  url: string;
  seen: Seen[];
  connections: () => number;
  /** From now on, the next request on every connection open now is read and its connection closed unanswered. */
  expireIdle(): void;
  /** From now on, every request on any connection, new ones too, is read and its connection closed unanswered. */
  killAll(): void;
  close(): Promise<void>;
}

/** Minimal HTTP/1.1 server: Content-Length bodies, keep-alive, an optional `Keep-Alive: timeout=N` hint. */
async function rawServer(options: {
  mode: CloseMode;
  keepAliveHint?: number;
  answer?: (s: Seen) => { status: number; body: unknown };
}): Promise<RawServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const expired = new Set<Socket>();
  let connections = 0;
  let killAll = false;
  const answer =
    options.answer ??
    ((s: Seen) =>
      s.path.startsWith('/oauth/v2/token')
        ? { status: 200, body: { access_token: `1000.access.${seen.length}`, api_domain: 'http://unused.invalid', expires_in: 3600 } }
        : s.method === 'POST'
          ? { status: 201, body: { data: [{ code: 'SUCCESS', details: { id: String(seen.length) }, status: 'success', message: 'record added' }] } }
          : s.method === 'PUT'
            ? { status: 200, body: { data: [{ code: 'SUCCESS', details: { id: '7' }, status: 'success', message: 'record updated' }] } }
            : { status: 200, body: { data: [{ id: '7' }] } });
  const server = net.createServer((socket) => {
    const conn = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const [method, path] = head[0].split(' ');
        const headers = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers.get('content-length') ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
        buffer = buffer.subarray(end + 4 + length);
        const s: Seen = { conn, method, path, body, killed: killAll || expired.has(socket) };
        seen.push(s);
        if (s.killed) {
          if (options.mode === 'reset') socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
        const a = answer(s);
        const text = JSON.stringify(a.body);
        const close = headers.get('connection')?.toLowerCase() === 'close';
        socket.write(
          `HTTP/1.1 ${a.status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
            (close ? 'Connection: close\r\n' : 'Connection: keep-alive\r\n') +
            (options.keepAliveHint !== undefined && !close ? `Keep-Alive: timeout=${options.keepAliveHint}\r\n` : '') +
            `\r\n${text}`,
        );
        if (close) socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connections: () => connections,
    expireIdle: () => sockets.forEach((s) => expired.add(s)),
    killAll: () => void (killAll = true),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(options: Parameters<typeof rawServer>[0]): Promise<RawServer> {
  const s = await rawServer(options);
  cleanups.push(() => s.close());
  return s;
}

function plainKeepAlive(): HttpAgents {
  // What the client used before: Node's Agent with keep-alive and no `timeout` (idle sockets kept forever).
  const agents: HttpAgents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
    fresh: { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) },
  };
  cleanups.push(() => destroyAgents(agents));
  return agents;
}

function expiringAgents(idleMs: number) {
  const clock = { t: 1_000_000 };
  const agents = keepAliveAgents({ idleMs, now: () => clock.t });
  cleanups.push(() => destroyAgents(agents));
  return { agents, clock };
}

const axios = createAxios();
const send = (agents: HttpAgents, url: string, method: 'GET' | 'POST', extra: { freshConnection?: boolean } = {}): Promise<HttpAnswer> =>
  sendOnce(axios, { method, url, headers: { 'Content-Type': 'application/json' }, body: method === 'POST' ? '{"data":[{}]}' : undefined, timeoutMs: 60_000, ...extra }, agents);

describe('idle keep-alive connections expire before the server closes them', () => {
  it.each(['reset', 'hangup'] as const)('an insert after the server-announced idle time: fails on a plain keep-alive agent, succeeds with expiry (%s)', async (mode) => {
    const server = await serve({ mode, keepAliveHint: 5 });
    // Without the fix: the idle socket is reused, the server closes it as the insert arrives.
    const plain = plainKeepAlive();
    expect(await send(plain, `${server.url}/crm/v2/Leads`, 'GET')).toMatchObject({ kind: 'response', status: 200 });
    server.expireIdle(); // the server's 5 s passed
    const before = await send(plain, `${server.url}/crm/v2/Leads`, 'POST');
    expect(before).toMatchObject({ kind: 'error', code: 'ECONNRESET', notSent: false, staleSocket: true });
    expect(server.seen.filter((s) => s.method === 'POST')).toEqual([expect.objectContaining({ conn: 1, killed: true })]);

    // With the fix: the agent's idle clock passes N − 1 s of the hint, the socket is not handed out again.
    const { agents, clock } = expiringAgents(60_000);
    const c0 = server.connections();
    expect(await send(agents, `${server.url}/crm/v2/Leads`, 'GET')).toMatchObject({ kind: 'response', status: 200 });
    clock.t += 4000;
    server.expireIdle();
    expect(await send(agents, `${server.url}/crm/v2/Leads`, 'POST')).toMatchObject({ kind: 'response', status: 201 });
    const posts = server.seen.filter((s) => s.method === 'POST' && s.conn > c0);
    expect(posts).toEqual([expect.objectContaining({ conn: c0 + 2, killed: false })]); // once, on a new connection
  });

  // [server hint (s), idleMs, idle time on the agent's clock, reused?]. Reuse is only expected where the real
  // idle timer is ≥ 28 s, so a loaded machine cannot make it fire between two calls.
  it.each([
    [undefined, 60_000, 59_999, true],
    [undefined, 60_000, 60_000, false],
    [120, 60_000, 59_999, true], // a longer hint never lengthens the configured idle time
    [120, 60_000, 60_000, false],
    [30, 60_000, 28_999, true],
    [30, 60_000, 29_000, false], // hint 30 s → 29 s
    [5, 60_000, 4_000, false], // hint 5 s → 4 s
    [1, 60_000, 0, false], // hint 1 s: never kept (Node's rule)
    [undefined, undefined, 3_000, false], // the default, 3 s
  ] as const)('hint %s s, idleMs %s, idle %s ms → reused: %s', async (hint, idleMs, idle, reused) => {
    const server = await serve({ mode: 'reset', keepAliveHint: hint });
    const clock = { t: 5_000_000 };
    const agents = keepAliveAgents({ idleMs, now: () => clock.t });
    cleanups.push(() => destroyAgents(agents));
    expect(await send(agents, `${server.url}/a`, 'GET')).toMatchObject({ kind: 'response', status: 200 });
    clock.t += idle;
    expect(await send(agents, `${server.url}/b`, 'GET')).toMatchObject({ kind: 'response', status: 200 });
    expect(server.seen.map((s) => s.conn)).toEqual(reused ? [1, 1] : [1, 2]);
  });

  it('a dropped idle socket leaves the agent consistent (no leaked count, the next request gets a new socket)', async () => {
    const server = await serve({ mode: 'reset' });
    const { agents, clock } = expiringAgents(60_000);
    await send(agents, `${server.url}/a`, 'GET');
    clock.t += 60_000;
    await send(agents, `${server.url}/b`, 'GET');
    await send(agents, `${server.url}/c`, 'GET'); // reuses the second socket
    expect(server.seen.map((s) => s.conn)).toEqual([1, 2, 2]);
    expect((agents.http as unknown as { totalSocketCount: number }).totalSocketCount).toBe(1);
  });
});

describe('staleSocket: only a reused connection closed before any answer byte', () => {
  it.each(['reset', 'hangup'] as const)('a reused connection closed by the server (%s) is stale; the resend on a fresh connection is not reused', async (mode) => {
    const server = await serve({ mode });
    const agents = plainKeepAlive();
    await send(agents, `${server.url}/a`, 'GET');
    server.expireIdle();
    expect(await send(agents, `${server.url}/b`, 'GET')).toMatchObject({ kind: 'error', code: 'ECONNRESET', staleSocket: true });
    expect(await send(agents, `${server.url}/b`, 'GET', { freshConnection: true })).toMatchObject({ kind: 'response', status: 200 });
    expect(server.seen.map((s) => [s.conn, s.killed])).toEqual([
      [1, false],
      [1, true],
      [2, false],
    ]);
  });

  it('a new connection closed before answering is not stale (nothing suggests an idle close)', async () => {
    const server = await serve({ mode: 'reset' });
    server.killAll();
    const agents = plainKeepAlive();
    expect(await send(agents, `${server.url}/a`, 'GET')).toMatchObject({ kind: 'error', code: 'ECONNRESET', staleSocket: false });
    expect(server.seen).toEqual([expect.objectContaining({ conn: 1, killed: true })]);
  });

  it('an answer that began before the close is not stale', async () => {
    // A server that sends the status line, then resets: bytes were read, the request was processed.
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"da', () => socket.resetAndDestroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const agents = plainKeepAlive();
    const answer = await send(agents, `http://127.0.0.1:${(server.address() as AddressInfo).port}/a`, 'GET');
    expect(answer).toMatchObject({ kind: 'error', staleSocket: false });
  });
});

describe('ZohoClient and TokenManager on a connection the server closed while idle', () => {
  // keepAliveIdleMs 120 s: the real idle timer cannot fire between two calls, so the race is exercised every run.
  const extra = { keepAliveIdleMs: 120_000, maxRetries: 0 };

  it.each(['reset', 'hangup'] as const)('a read is resent at once on a new connection, outside the retry budget (%s)', async (mode) => {
    const server = await serve({ mode });
    const { client, events } = clientFor(server.url, extra);
    cleanups.push(() => client.close());
    expect((await client.get('/crm/v2/Leads/7')).status).toBe(200);
    server.expireIdle();
    const read = await client.get('/crm/v2/Leads/7');
    expect(read.status).toBe(200);
    expect(read.calls).toEqual([expect.objectContaining({ method: 'GET', status: 200, attempts: 2 })]);
    expect(events.retries).toEqual(['stale-connection']);
    expect(events.sleeps).toEqual([]); // at once, no backoff
    const gets = server.seen.filter((s) => s.method === 'GET');
    expect(gets.map((s) => s.killed)).toEqual([false, true, false]);
    expect(gets[2].conn).not.toBe(gets[1].conn);
  });

  it.each(['reset', 'hangup'] as const)('an insert written on it is never sent twice: in doubt (%s)', async (mode) => {
    const server = await serve({ mode });
    const { client, events } = clientFor(server.url, { ...extra, maxRetries: 4 });
    cleanups.push(() => client.close());
    expect((await client.get('/crm/v2/Leads/7')).status).toBe(200);
    server.expireIdle();
    const connectionsBefore = server.connections();
    const { outcome, calls } = await client.execute(insertLead('Stale'), 'insert');
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'upstream-failed', inDoubt: true });
    expect(outcome.kind === 'failure' && outcome.message).toMatch(/reused keep-alive connection/);
    expect(calls).toEqual([expect.objectContaining({ method: 'POST', attempts: 1 })]);
    expect(server.seen.filter((s) => s.method === 'POST' && !s.path.startsWith('/oauth'))).toEqual([
      expect.objectContaining({ killed: true }),
    ]);
    expect(server.connections()).toBe(connectionsBefore); // no second connection for a resend
    expect(events.retries).toEqual([]);
  });

  it('an update (repeatable) with maxRetries 0 is not resent: in doubt, sent once', async () => {
    const server = await serve({ mode: 'reset' });
    const { client, events } = clientFor(server.url, extra);
    cleanups.push(() => client.close());
    expect((await client.get('/crm/v2/Leads/7')).status).toBe(200);
    server.expireIdle();
    const { outcome } = await client.execute(updateLead('7', { Last_Name: 'X' }), 'update');
    expect(outcome).toMatchObject({ kind: 'failure', inDoubt: true });
    expect(events.retries).toEqual([]);
    expect(server.seen.filter((s) => s.method === 'PUT').map((s) => s.killed)).toEqual([true]);
  });

  it('an update (repeatable) is resent at once on a new connection, taking one retry; the journal record shows both attempts', async () => {
    const server = await serve({ mode: 'reset' });
    const { client, events } = clientFor(server.url, { ...extra, maxRetries: 1 });
    cleanups.push(() => client.close());
    expect((await client.get('/crm/v2/Leads/7')).status).toBe(200);
    server.expireIdle();
    const { outcome, calls } = await client.execute(updateLead('7', { Last_Name: 'X' }), 'update');
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(calls).toEqual([expect.objectContaining({ method: 'PUT', status: 200, attempts: 2 })]);
    expect(events.retries).toEqual(['stale-connection']);
    expect(server.seen.filter((s) => s.method === 'PUT').map((s) => s.killed)).toEqual([true, false]);
  });

  it.each([
    [0, ['stale-connection'], 2],
    [2, ['stale-connection', 'network', 'network'], 4],
  ] as const)('when the new connection fails too, the budget decides (maxRetries %s): one immediate resend only', async (maxRetries, retries, killedGets) => {
    const server = await serve({ mode: 'reset' });
    const { client, events } = clientFor(server.url, { ...extra, maxRetries });
    cleanups.push(() => client.close());
    await client.get('/crm/v2/Leads/7');
    server.killAll();
    await expect(client.get('/crm/v2/Leads/7')).rejects.toMatchObject({ reason: 'upstream-failed' });
    expect(events.retries).toEqual(retries);
    expect(server.seen.filter((s) => s.method === 'GET' && s.killed)).toHaveLength(killedGets);
  });

  it('the reachability probe (/readyz) asks again on a new connection instead of reporting the API unreachable', async () => {
    const server = await serve({ mode: 'reset' });
    const { client } = clientFor(server.url, extra);
    cleanups.push(() => client.close());
    await client.reach(60_000);
    server.expireIdle();
    await client.reach(60_000);
    const probes = server.seen.filter((s) => s.path === '/crm/v2/settings/modules');
    expect(probes.map((s) => s.killed)).toEqual([false, true, false]);
  });

  it.each(['reset', 'hangup'] as const)('a token refresh is resent at once on a new connection (%s)', async (mode) => {
    const server = await serve({ mode });
    const retries: string[] = [];
    const sleeps: number[] = [];
    const m = new TokenManager(profileFor(server.url, extra), new MemoryTokenStore(), {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      maxRefreshRetries: 0,
      observer: { onRetry: (e) => retries.push(e.reason) },
    });
    cleanups.push(() => m.close());
    const first = await m.getToken();
    await m.invalidate(first.accessToken);
    server.expireIdle();
    const second = await m.getToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(retries).toEqual(['stale-connection']);
    expect(sleeps).toEqual([]);
    expect(server.seen.map((s) => [s.conn, s.killed])).toEqual([
      [1, false],
      [1, true],
      [2, false],
    ]);
  });
});
