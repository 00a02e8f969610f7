/**
 * Issue 12 item 10: SIGTERM under keep-alive load, on the real CLI (`node dist/bin.js serve`) and real sockets.
 * The upstream is a sandbox in this process, its write calls made slow by latency injection, so some calls are
 * provably in flight upstream when the signal arrives while keep-alive clients keep firing fast reads.
 *
 * - With a grace longer than the slow calls: new requests stop at once (idle keep-alive sockets closed before any
 *   in-flight call finishes; nothing sent after the stop is served), the in-flight calls finish with
 *   `Connection: close`, their outcome lines are in the journal, exit 0.
 * - With a grace shorter than the slow calls: exit non-zero, a log line naming the cut calls (request ids =
 *   journal ids) as in doubt, and the journal has their request lines without outcome.
 *
 * Every assertion is about order and counts, never about elapsed time.
 */
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { AUTHTOKEN, externalSandbox, leadXml, readJournalDir, startServe, tempDir, waitFor, writeConfig, type CliRun } from './helpers.js';

interface Reply {
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: string;
  error?: string;
}

/** One request over `agent` (keep-alive); connection failures are replies too. */
function call(url: string, agent: Agent, method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
  return new Promise((resolve) => {
    const req = httpRequest(
      `${url}${path}`,
      { method, agent, headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
        res.on('error', (e) => resolve({ error: e.message }));
      },
    );
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(body);
  });
}

const insertBody = (last: string) => new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', xmlData: leadXml(last) }).toString();
const readPath = `/crm/private/xml/Leads/getRecords?authtoken=${AUTHTOKEN}&scope=crmapi&fromIndex=1&toIndex=2`;

/** A raw keep-alive connection that made one call and now sits idle; `closed` resolves when the proxy closes it. */
async function idleKeepAlive(url: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let seen = '';
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (c) => {
      seen += c.toString('latin1');
      if (seen.includes('\r\n\r\n') && /"status"/.test(seen)) resolve();
    });
  });
  socket.on('error', () => undefined);
  socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  await answered;
  return { socket, closed };
}

describe('SIGTERM under keep-alive load (real CLI)', () => {
  let sandbox: RunningSandbox | undefined;
  let proxy: CliRun | undefined;
  afterEach(async () => {
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGKILL');
      await proxy.exited;
    }
    await sandbox?.close();
    sandbox = undefined;
    proxy = undefined;
  });

  /** Proxy (info log) in front of a fresh sandbox, warmed up (token, metadata) before the writes are slowed. */
  async function start(shutdownGraceMs: number) {
    sandbox = await externalSandbox();
    const dir = tempDir('drain');
    const journalDir = join(dir, 'journal');
    const config = writeConfig(dir, sandbox.url, { journalDir, top: { shutdownGraceMs, logLevel: 'info' } });
    const run = await startServe(config, { env: { ZBRIDGE_LOG_LEVEL: 'info' } });
    proxy = run;
    const warm = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(run.url, warm, 'POST', '/crm/private/xml/Leads/insertRecords', insertBody('Drain warm'))).body).toContain('Record(s) added successfully');
    expect((await call(run.url, warm, 'GET', readPath)).status).toBe(200);
    warm.destroy();
    return { run, journalDir };
  }

  const writesSeen = () => sandbox!.state.requests.get('POST /crm/v2/:module') ?? 0;

  it('stops new requests at once, finishes in-flight calls with their outcome lines, exits 0', async () => {
    const { run, journalDir } = await start(120_000);
    const events: string[] = [];
    let stopSeen = false;
    let stopLoad = false;

    // Idle keep-alive connections (one call each, then silent).
    const idle = await Promise.all([1, 2, 3].map(() => idleKeepAlive(run.url)));
    idle.forEach((c, i) => void c.closed.then(() => events.push(`idle-closed-${i}`)));

    // Keep-alive clients firing fast reads continuously.
    const served = { before: 0, after: 0, refusedAfter: 0 };
    const afterStop: Reply[] = [];
    const load = [1, 2, 3, 4].map(async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stopLoad) {
        const sentAfterStop = stopSeen;
        const reply = await call(run.url, agent, 'GET', readPath);
        if (!sentAfterStop) {
          if (reply.status === 200) served.before += 1;
          continue;
        }
        afterStop.push(reply);
        if (reply.status === 200) served.after += 1;
        else served.refusedAfter += 1;
        if (reply.error === 'ECONNREFUSED') break; // the listener is gone: nothing more to learn
      }
      agent.destroy();
    });
    await waitFor(() => served.before >= 8, 'the keep-alive load to run');

    // Slow the writes, then put three of them in flight upstream.
    sandbox!.state.faults.set({ latencyMs: 8_000, onlyWrites: true });
    const before = writesSeen();
    const slowAgent = new Agent({ keepAlive: true, maxSockets: 3 });
    const slow = ['Drain A', 'Drain B', 'Drain C'].map((name, i) =>
      call(run.url, slowAgent, 'POST', '/crm/private/xml/Leads/insertRecords', insertBody(name)).then((r) => {
        events.push(`slow-answered-${i}`);
        return r;
      }),
    );
    await waitFor(() => writesSeen() - before >= 3, 'three writes in flight upstream');

    run.child.kill('SIGTERM');
    await waitFor(() => run.out().includes('stopping: finishing in-flight calls'), 'the stopping line');
    stopSeen = true;
    await Promise.all(idle.map((c) => c.closed));
    const slowReplies = await Promise.all(slow);
    stopLoad = true;
    await Promise.all(load);
    const exitCode = await run.exited;
    if (exitCode !== 0) console.log(run.out(), run.err(), events, served);
    expect(exitCode).toBe(0);

    // Idle keep-alive sockets were closed at once: before any of the slow in-flight calls had finished.
    const firstSlow = events.findIndex((e) => e.startsWith('slow-answered'));
    expect(events.slice(0, firstSlow).filter((e) => e.startsWith('idle-closed'))).toHaveLength(3);
    // Nothing sent after the stop was served; every such request was refused (503 + Connection: close, or a
    // closed connection).
    expect(served.after).toBe(0);
    expect(afterStop.length).toBeGreaterThan(0);
    for (const r of afterStop) {
      if (r.status !== undefined) {
        expect(r.status).toBe(503);
        expect(r.headers!.connection).toBe('close');
        expect(r.body).toContain('<code>4500</code>');
      } else expect(r.error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up|EPIPE/);
    }
    // The in-flight calls finished, told their clients the connection closes, and are journaled.
    for (const r of slowReplies) {
      expect(r.body).toContain('Record(s) added successfully');
      expect(r.headers!.connection).toBe('close');
    }
    const journal = readJournalDir(journalDir);
    expect(journal.torn).toEqual([]);
    for (const name of ['Drain A', 'Drain B', 'Drain C']) {
      const req = journal.requests.find((r) => JSON.stringify(r.plan ?? {}).includes(name));
      expect(req, `request line for ${name}`).toBeDefined();
      const outcome = journal.outcomes.find((o) => o.id === req.id);
      expect(outcome, `outcome line for ${name}`).toBeDefined();
      expect(outcome.legacy.kind).not.toBe('error');
    }
    expect(sandbox!.state.records('Leads').filter((r) => String(r.values.Last_Name).startsWith('Drain '))).toHaveLength(4);
    expect(run.out()).toMatch(/"msg":"stopped"/);
    expect(run.out()).not.toMatch(/shutdown grace ran out/);
  }, 180_000);

  it('a grace shorter than an in-flight call: exit non-zero, the cut calls named as in doubt', async () => {
    const { run, journalDir } = await start(1_500);
    sandbox!.state.faults.set({ latencyMs: 60_000, onlyWrites: true });
    const before = writesSeen();
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const slow = ['Cut A', 'Cut B'].map((name) => call(run.url, agent, 'POST', '/crm/private/xml/Leads/insertRecords', insertBody(name)));
    await waitFor(() => writesSeen() - before >= 2, 'two writes in flight upstream');
    run.child.kill('SIGTERM');
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    // The clients lose their connection (no answer is invented for a call whose fate is unknown).
    for (const r of await Promise.all(slow)) expect(r.status).toBeUndefined();

    const journal = readJournalDir(journalDir);
    const cutIds = ['Cut A', 'Cut B'].map((name) => journal.requests.find((r) => JSON.stringify(r.plan ?? {}).includes(name))?.id);
    expect(cutIds.every(Boolean)).toBe(true);
    for (const id of cutIds) expect(journal.outcomes.find((o) => o.id === id), `no outcome for cut call ${id}`).toBeUndefined();
    const line = run
      .out()
      .split('\n')
      .filter((l) => l.includes('shutdown grace ran out'))
      .map((l) => JSON.parse(l))[0];
    expect(line, 'the cut-calls log line').toBeDefined();
    expect(line.cut).toBe(2);
    expect(line.calls.map((c: { requestId: string }) => c.requestId).sort()).toEqual([...cutIds].sort());
    for (const c of line.calls) {
      expect(c.path).toBe('/crm/private/xml/Leads/insertRecords');
      expect(c.journal).toBe('in doubt');
    }
    agent.destroy();
  }, 180_000);
});
