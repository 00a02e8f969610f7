/**
 * Breaker finding 15: during a graceful stop, requests pipelined on a keep-alive connection behind a call still
 * in flight are answered — the legacy 4500 with HTTP 503 and `Connection: close`, journaled as `shutting-down`
 * refusals — and never processed, instead of being dropped with no bytes (README, serve: "a request arriving
 * meanwhile gets the legacy 4500 with HTTP 503").
 *
 * Real parts: the CLI as a child process (`node dist/bin.js serve`), SIGTERM, one raw socket carrying the
 * pipelined requests, and a sandbox (in this process, reached over HTTP) whose injected write latency is held
 * until the test releases it — so "the insert is still in flight when the next request arrives" is a fact the
 * test arranges, not a timing bet. Every wait is on an observable event (a sandbox counter, a log line, the
 * in-flight gauge on the admin listener), never a sleep.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { AUTHTOKEN, externalSandbox, leadXml, readJournalDir, startServe, tempDir, waitFor, writeConfig, type CliRun } from './helpers.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The HTTP/1.1 answers in `bytes`, in order (Content-Length or chunked bodies); stops at an incomplete one. */
function parseAnswers(bytes: string): RawAnswer[] {
  const out: RawAnswer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const [statusLine, ...lines] = bytes.slice(at, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body = '';
    let next = headEnd + 4;
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (next + length > bytes.length) break;
      body = bytes.slice(next, next + length);
      next += length;
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const sizeEnd = bytes.indexOf('\r\n', next);
        if (sizeEnd < 0) return out;
        const size = parseInt(bytes.slice(next, sizeEnd), 16);
        next = sizeEnd + 2 + size + 2;
        if (next > bytes.length) return out;
        if (size === 0) break;
        body += bytes.slice(sizeEnd + 2, sizeEnd + 2 + size);
      }
    }
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    at = next;
  }
  return out;
}

const insertRequest = (last: string): string => {
  const body = new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', xmlData: leadXml(last) }).toString();
  return `POST /crm/private/xml/Leads/insertRecords HTTP/1.1\r\nHost: proxy\r\nUser-Agent: pipelining-client/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};
const readRequest = (tag: string): string =>
  `GET /crm/private/xml/Leads/getRecords?authtoken=${AUTHTOKEN}&scope=crmapi&fromIndex=1&toIndex=2&tag=${tag} HTTP/1.1\r\nHost: proxy\r\nUser-Agent: pipelining-client/1.0\r\n\r\n`;

describe('SIGTERM with requests pipelined behind a call in flight (real CLI, raw socket)', () => {
  let sandbox: RunningSandbox | undefined;
  let proxy: CliRun | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGKILL');
      await proxy.exited;
    }
    await sandbox?.close();
    sandbox = undefined;
    proxy = undefined;
    release = undefined;
  });

  /**
   * Proxy (info log, long grace) in front of a fresh sandbox, warmed up; then the sandbox's write latency is
   * injected and held: every write waits until `release()`.
   */
  async function start() {
    sandbox = await externalSandbox();
    const dir = tempDir('pipelined');
    const journalDir = join(dir, 'journal');
    // /metrics on an admin listener, which stays up while the proxy port drains.
    const config = writeConfig(dir, sandbox.url, { journalDir, top: { shutdownGraceMs: 120_000, logLevel: 'info', admin: { port: 0 } } });
    const run = await startServe(config, { env: { ZBRIDGE_LOG_LEVEL: 'info' } });
    proxy = run;
    await waitFor(() => /"msg":"started"/.test(run.out()), 'the started line');
    const admin = (JSON.parse(run.out().split('\n').find((l) => l.includes('"msg":"started"'))!) as { admin: string }).admin;
    const warm = await fetch(`${run.url}/crm/private/xml/Leads/insertRecords`, {
      method: 'POST',
      body: new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', xmlData: leadXml('Pipelined warm') }),
    });
    expect(await warm.text()).toContain('Record(s) added successfully');
    const state = sandbox.state;
    const realSleep = state.sleep.bind(state);
    const gate = new Promise<void>((resolve) => (release = resolve));
    state.sleep = (ms: number) => (ms > 0 ? gate.then(() => !state.isClosed) : realSleep(ms));
    state.faults.set({ latencyMs: 1, onlyWrites: true });
    return { run, journalDir, admin };
  }

  const writesSeen = () => sandbox!.state.requests.get('POST /crm/v2/:module') ?? 0;
  const readsSeen = () => [...sandbox!.state.requests.entries()].filter(([k]) => k.startsWith('GET /crm/v2')).reduce((n, [, v]) => n + v, 0);

  function rawConnection(url: string): { socket: Socket; text: () => string; closed: Promise<void> } {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, text: () => text, closed };
  }

  it.each([
    ['one read', [readRequest('a')]],
    ['two reads sent together', [readRequest('a') + readRequest('b')]],
    ['a write, then a read in a later packet', [insertRequest('Pipelined refused'), readRequest('c')]],
  ])('%s behind a busy insert: each answered 4500/503, journaled, never processed; the busy insert completes', async (_name, pipelined) => {
    const { run, journalDir, admin } = await start();
    const inFlight = async () => Number(/^zbridge_in_flight_calls (\d+)/m.exec(await (await fetch(`${admin}/metrics`)).text())?.[1]);
    const expected = pipelined.join('').split(/(?=GET |POST )/).length;
    const conn = rawConnection(run.url);
    await new Promise<void>((resolve) => conn.socket.once('connect', () => resolve()));
    const before = writesSeen();
    conn.socket.write(insertRequest('Pipelined busy'));
    await waitFor(() => writesSeen() - before >= 1, 'the insert in flight upstream');
    const readsBefore = readsSeen();

    run.child.kill('SIGTERM');
    await waitFor(() => run.out().includes('stopping: finishing in-flight calls'), 'the stopping line');
    for (const [i, bytes] of pipelined.entries()) {
      conn.socket.write(bytes);
      // Each refused request waits for its turn behind the busy insert: a call in flight until then.
      await waitFor(async () => (await inFlight()) >= 1 + (i === pipelined.length - 1 ? expected : i + 1), 'the refused requests waiting for their turn');
    }
    // Nothing is answered while the insert is held.
    expect(parseAnswers(conn.text())).toHaveLength(0);
    release!();
    await conn.closed;
    expect(await run.exited).toBe(0);

    const answers = parseAnswers(conn.text());
    expect(answers, conn.text()).toHaveLength(1 + expected);
    // The busy insert: answered normally; it keeps the connection open for the answers queued behind it.
    expect(answers[0].status).toBe(200);
    expect(answers[0].body).toContain('Record(s) added successfully');
    expect(answers[0].headers.connection).not.toBe('close');
    // The pipelined ones: the legacy 4500, HTTP 503; the last one closes the connection.
    for (const a of answers.slice(1)) {
      expect(a.status).toBe(503);
      expect(a.headers['content-type']).toBe('text/xml;charset=utf-8');
      expect(a.body).toContain('<code>4500</code>');
      expect(a.body).toMatch(/<response uri="\/crm\/private\/xml\/Leads\/(getRecords|insertRecords)">/);
    }
    expect(answers.at(-1)!.headers.connection).toBe('close');

    // Never processed: no v2 read, no second write, no request line for the refused insert.
    expect(readsSeen()).toBe(readsBefore);
    expect(writesSeen() - before).toBe(1);
    expect(sandbox!.state.records('Leads').filter((r) => r.values.Last_Name === 'Pipelined refused')).toHaveLength(0);
    const journal = readJournalDir(journalDir);
    expect(journal.torn).toEqual([]);
    expect(journal.requests.filter((r) => JSON.stringify(r.plan ?? {}).includes('Pipelined refused'))).toHaveLength(0);
    // Journaled like every refusal: outcome lines with the call's facts, nothing secret.
    const refused = journal.outcomes.filter((o) => o.category === 'shutting-down');
    expect(refused).toHaveLength(expected);
    for (const o of refused) {
      expect(o).toMatchObject({ type: 'outcome', upstream: false, v2Calls: [], legacy: { kind: 'error', code: '4500' }, module: 'Leads', client: { userAgent: 'pipelining-client/1.0' } });
      expect(['getRecords', 'insertRecords']).toContain(o.method);
      // The authtoken is read from the query only (a refused body is never read).
      if (o.method === 'getRecords') expect(o.client.tokenFingerprint).toMatch(/^fp:[0-9a-f]{12}$/);
      else expect(o.client.tokenFingerprint).toBeUndefined();
      expect(o.httpMethod).toBe(o.method === 'getRecords' ? 'GET' : 'POST');
      expect(o.httpStatus).toBe(503);
    }
    expect(JSON.stringify(journal.outcomes)).not.toContain(AUTHTOKEN);
    const busy = journal.requests.find((r) => JSON.stringify(r.plan ?? {}).includes('Pipelined busy'));
    expect(journal.outcomes.find((o) => o.id === busy?.id)?.legacy.kind).toBe('success');
    // Counted with the other shutdown refusals; the access lines say 503.
    const access = run
      .out()
      .split('\n')
      .filter((l) => l.includes('"msg":"access"'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.status === 503);
    expect(access).toHaveLength(expected);
    for (const l of access) expect(l).toMatchObject({ code: '4500', category: 'shutting-down' });
    expect(run.out()).not.toContain(AUTHTOKEN);
  }, 180_000);
  it('a refused request whose connection closes before its turn is journaled as not answered', async () => {
    const { run, journalDir, admin } = await start();
    const inFlight = async () => Number(/^zbridge_in_flight_calls (\d+)/m.exec(await (await fetch(`${admin}/metrics`)).text())?.[1]);
    const conn = rawConnection(run.url);
    await new Promise<void>((resolve) => conn.socket.once('connect', () => resolve()));
    const before = writesSeen();
    conn.socket.write(insertRequest('Pipelined gone'));
    await waitFor(() => writesSeen() - before >= 1, 'the insert in flight upstream');
    run.child.kill('SIGTERM');
    await waitFor(() => run.out().includes('stopping: finishing in-flight calls'), 'the stopping line');
    conn.socket.write(readRequest('gone'));
    await waitFor(async () => (await inFlight()) >= 2, 'the refused request waiting for its turn');
    // The client gives up: its refused request can no longer be answered.
    conn.socket.destroy();
    await waitFor(() => readJournalDir(journalDir).outcomes.some((o) => o.category === 'shutting-down'), 'the refusal journaled');
    release!();
    expect(await run.exited).toBe(0);
    const refused = readJournalDir(journalDir).outcomes.filter((o) => o.category === 'shutting-down');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ method: 'getRecords', httpStatus: 0, legacy: { kind: 'error' } });
    expect(refused[0].legacy.code).toBeUndefined();
    expect(refused[0].error).toContain('no answer');
  }, 180_000);
});
