/**
 * Breaker finding 4: requests refused at the HTTP layer — a bad HTTP method, a request head beyond
 * limits.maxHeaderBytes, a request that does not parse, a head not received in time, a body cut short — each get
 * their answer, a log line naming the cause, a count in zbridge_rejected_requests_total{reason} and a journal
 * `outcome` line (sampled like every unauthenticated reject) with what is known: path (scrubbed), v1 module and
 * method, HTTP method, user agent, client address, the fingerprint of an authtoken read from the query, and the
 * cause as `category`. Nothing secret in any of it.
 *
 * Real sockets: the proxy on 127.0.0.1:0 over the embedded sandbox; every request is written as raw bytes with
 * `net` (most of these cannot be sent by an HTTP client at all). A refusal during a stop is covered by
 * test/durability/shutdown-pipelined.test.ts (the real CLI and SIGTERM).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalOutcomeEntry } from '../../src/journal/types.js';
import { tokenFingerprint } from '../../src/journal/redact.js';
import { runReport } from '../../src/report/run.js';
import type { ReportData } from '../../src/report/types.js';
import { memoryIO, tempDir } from '../convert/helpers.js';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  lines = [];
});

async function start(config: Record<string, unknown> = {}): Promise<TestProxy> {
  const sink = new Writable({ write: (c, _e, done) => (String(c).split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))), done()) });
  t = await startTestProxy(config, { logDestination: sink, logLevel: 'info' });
  return t;
}

/**
 * Raw bytes over one socket, in `pieces` (each written after the previous one was flushed); optionally half-closed
 * after the last. Resolves with everything the server sent once it closes the connection.
 */
function raw(p: TestProxy, pieces: (string | Buffer)[], options: { halfClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(p.proxy.url);
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
    socket.once('connect', async () => {
      for (const piece of pieces) await new Promise<void>((r) => socket.write(piece, () => r()));
      if (options.halfClose) socket.end();
    });
  });
}

async function rejectedCount(p: TestProxy, reason: string): Promise<number> {
  const text = await (await fetch(`${p.proxy.url}/metrics`)).text();
  return Number(new RegExp(`^zbridge_rejected_requests_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

/** The one journal outcome line the refusal left (waiting for it: a dropped connection is journaled when Node notices). */
async function refusalLine(p: TestProxy, category: string): Promise<JournalOutcomeEntry> {
  for (let i = 0; i < 400 && !p.outcomes().some((o) => o.category === category); i += 1) await new Promise((r) => setTimeout(r, 25));
  const found = p.outcomes().filter((o) => o.category === category);
  expect(found, JSON.stringify(p.outcomes())).toHaveLength(1);
  return found[0];
}

const query = `authtoken=${TOKEN}&scope=crmapi`;
const FP = tokenFingerprint(TOKEN);
const bigXml = `<Leads><row no="1"><FL val="Last Name">${'a'.repeat(120_000)}</FL></row></Leads>`;

/** One refusal kind: the request, the config it needs, the answer expected and the journal line expected. */
interface Kind {
  name: string;
  config?: Record<string, unknown>;
  pieces: (string | Buffer)[];
  halfClose?: boolean;
  category: string;
  /** Expected HTTP status line start and legacy answer (code and uri), or null when no answer is written. */
  answer: { status: number; legacy?: { code: string; uri: string; message?: string; json?: boolean } } | null;
  line: Partial<JournalOutcomeEntry> & { fingerprint?: boolean };
  /** The log line naming the cause: `connection rejected` (below express) or the access line. */
  log: 'connection' | 'access';
}

const methods = ['HEAD', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND'];

const kinds: Kind[] = [
  ...methods.map(
    (m): Kind => ({
      name: `${m}: 405`,
      pieces: [`${m} /crm/private/xml/Leads/insertRecords?${query} HTTP/1.1\r\nHost: x\r\nUser-Agent: ua-${m}\r\nConnection: close\r\n\r\n`],
      category: 'method-not-allowed',
      answer: { status: 405 },
      line: { httpMethod: m, httpStatus: 405, module: 'Leads', method: 'insertRecords', path: '/crm/private/xml/Leads/insertRecords', client: { address: '127.0.0.1', userAgent: `ua-${m}` }, fingerprint: true },
      log: 'access',
    }),
  ),
  {
    name: 'a bad method with the authtoken as a path segment: scrubbed',
    pieces: [`DELETE /crm/private/xml/${TOKEN}/deleteRecords?scope=crmapi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    category: 'method-not-allowed',
    answer: { status: 405 },
    line: { httpMethod: 'DELETE', httpStatus: 405, module: '***', method: 'deleteRecords', path: '/crm/private/xml/***/deleteRecords', fingerprint: false },
    log: 'access',
  },
  {
    name: 'header overflow: a 120 KB GET insert in one write',
    pieces: [`GET /crm/private/xml/Leads/insertRecords?${query}&xmlData=${encodeURIComponent(bigXml)} HTTP/1.1\r\nHost: x\r\nUser-Agent: big-get\r\n\r\n`],
    category: 'header-overflow',
    answer: { status: 200, legacy: { code: '4600', uri: '/crm/private/xml/Leads/insertRecords', message: '"xmlData" parameter' } },
    // The user agent comes after the 120 KB request line: never read.
    line: { httpMethod: 'GET', httpStatus: 200, module: 'Leads', method: 'insertRecords', path: '/crm/private/xml/Leads/insertRecords', legacy: { kind: 'error', code: '4600' }, fingerprint: true },
    log: 'connection',
  },
  {
    name: 'header overflow: the same request in 1 KB packets',
    pieces: (() => {
      const bytes = Buffer.from(`GET /crm/private/xml/Leads/insertRecords?${query}&xmlData=${encodeURIComponent(bigXml)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1');
      return Array.from({ length: Math.ceil(bytes.length / 1024) }, (_, i) => bytes.subarray(i * 1024, (i + 1) * 1024));
    })(),
    category: 'header-overflow',
    answer: { status: 200, legacy: { code: '4600', uri: '/crm/private/xml/Leads/insertRecords' } },
    line: { httpMethod: 'GET', httpStatus: 200, module: 'Leads', method: 'insertRecords', path: '/crm/private/xml/Leads/insertRecords', fingerprint: true },
    log: 'connection',
  },
  {
    name: 'header overflow: a JSON-path call with 100 KB of headers',
    pieces: [`GET /crm/private/json/Contacts/getRecords?${query} HTTP/1.1\r\nHost: x\r\nUser-Agent: many-headers\r\n${Array.from({ length: 100 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(1000)}\r\n`).join('')}\r\n`],
    category: 'header-overflow',
    answer: { status: 200, legacy: { code: '4600', uri: '/crm/private/json/Contacts/getRecords', json: true } },
    line: { httpMethod: 'GET', httpStatus: 200, module: 'Contacts', method: 'getRecords', path: '/crm/private/json/Contacts/getRecords', format: 'json', client: { address: '127.0.0.1', userAgent: 'many-headers' }, fingerprint: true },
    log: 'connection',
  },
  {
    name: 'unparseable request line: a raw space in the query',
    pieces: [`GET /crm/private/xml/Leads/getSearchRecords?${query}&searchCondition=(Last Name|=|Smith) HTTP/1.1\r\nHost: x\r\nUser-Agent: raw-space\r\n\r\n`],
    category: 'unparseable-request',
    answer: { status: 200, legacy: { code: '4600', uri: '/crm/private/xml/Leads/getSearchRecords' } },
    line: { httpMethod: 'GET', httpStatus: 200, module: 'Leads', method: 'getSearchRecords', path: '/crm/private/xml/Leads/getSearchRecords', legacy: { kind: 'error', code: '4600' }, fingerprint: true },
    log: 'connection',
  },
  {
    name: 'unparseable request: a method token HTTP does not know',
    pieces: [`FROB /crm/private/xml/Leads/getRecords?${query} HTTP/1.1\r\nHost: x\r\n\r\n`],
    category: 'unparseable-request',
    answer: { status: 200, legacy: { code: '4600', uri: '/crm/private/xml/Leads/getRecords' } },
    line: { httpMethod: 'FROB', httpStatus: 200, module: 'Leads', method: 'getRecords', path: '/crm/private/xml/Leads/getRecords', fingerprint: true },
    log: 'connection',
  },
  {
    name: 'unparseable request: a broken header line after a readable request line',
    pieces: [`POST /crm/private/xml/Leads/updateRecords?${query} HTTP/1.1\r\nHost: x\r\nUser-Agent: broken-header\r\nBad Header: x\r\n\r\n`],
    category: 'unparseable-request',
    answer: { status: 200, legacy: { code: '4600', uri: '/crm/private/xml/Leads/updateRecords' } },
    line: { httpMethod: 'POST', httpStatus: 200, module: 'Leads', method: 'updateRecords', client: { address: '127.0.0.1', userAgent: 'broken-header' }, fingerprint: true },
    log: 'connection',
  },
  {
    name: 'unparseable request: bytes that are no HTTP at all (a TLS hello)',
    pieces: [Buffer.from('16030100a5010000a103030000000000000000000000000000000000000000000000000000000000000000', 'hex')],
    category: 'unparseable-request',
    answer: { status: 200, legacy: { code: '4600', uri: '/' } },
    line: { httpStatus: 200, path: '', module: '', method: '', fingerprint: false },
    log: 'connection',
  },
  {
    name: 'header timeout: a head that stops half-way',
    config: { limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1000 } },
    pieces: [`GET /crm/private/xml/Leads/getRecords?${query}&toIndex=5 HTTP/1.1\r\nHost: x\r\nUser-Agent: slow-head\r\nX-Never: `],
    category: 'header-timeout',
    answer: { status: 408 },
    line: { httpMethod: 'GET', httpStatus: 408, module: 'Leads', method: 'getRecords', path: '/crm/private/xml/Leads/getRecords', client: { address: '127.0.0.1', userAgent: 'slow-head' }, fingerprint: true },
    log: 'connection',
  },
  {
    name: 'body cut short by limits.requestTimeoutMs',
    config: { limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1000 } },
    pieces: [`POST /crm/private/xml/Leads/insertRecords?${query} HTTP/1.1\r\nHost: x\r\nUser-Agent: slow-body\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nxmlData=%3CLeads%3E`],
    category: 'body-incomplete',
    answer: null,
    line: { httpMethod: 'POST', httpStatus: 0, module: 'Leads', method: 'insertRecords', path: '/crm/private/xml/Leads/insertRecords', client: { address: '127.0.0.1', userAgent: 'slow-body' }, fingerprint: true },
    log: 'access',
  },
  {
    name: 'body cut short: the client half-closes mid-body',
    pieces: [`POST /crm/private/xml/Leads/insertRecords HTTP/1.1\r\nHost: x\r\nUser-Agent: half-close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nauthtoken=${TOKEN}&scope=crmapi&xmlData=%3CLe`],
    halfClose: true,
    category: 'body-incomplete',
    answer: null,
    // The authtoken is in the body, which is never read: no fingerprint.
    line: { httpMethod: 'POST', httpStatus: 0, module: 'Leads', method: 'insertRecords', client: { address: '127.0.0.1', userAgent: 'half-close' }, fingerprint: false },
    log: 'access',
  },
];

describe('requests refused at the HTTP layer: answered, counted, logged and journaled', () => {
  it.each(kinds.map((k) => [k.name, k] as const))('%s', async (_name, kind) => {
    const p = await start(kind.config);
    const text = await raw(p, kind.pieces, { halfClose: kind.halfClose });

    // The answer.
    if (kind.answer === null) expect(text).toBe('');
    else {
      expect(text, text.slice(0, 300)).toMatch(new RegExp(`^HTTP/1\\.1 ${kind.answer.status} `));
      if (kind.answer.status === 405) expect(text).toMatch(/\r\nAllow: GET, POST\r\n/i);
      const legacy = kind.answer.legacy;
      if (legacy?.json) {
        const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
        expect(body.response.uri).toBe(legacy.uri);
        expect(JSON.stringify(body)).toContain(legacy.code);
      } else if (legacy) {
        expect(text).toContain('Content-Type: text/xml;charset=utf-8');
        expect(text).toContain(`<response uri="${legacy.uri}"><error><code>${legacy.code}</code>`);
        if (legacy.message) expect(text).toContain(legacy.message);
      }
    }

    // The journal line, with what is known and nothing secret.
    const line = await refusalLine(p, kind.category);
    const { fingerprint, client, ...expected } = kind.line;
    expect(line).toMatchObject({ type: 'outcome', upstream: false, v2Calls: [], rows: [], params: {}, ...expected });
    if (client) expect(line.client).toMatchObject(client);
    expect(line.client.address).toBe('127.0.0.1');
    expect(line.client.tokenFingerprint).toBe(fingerprint ? FP : undefined);
    expect(typeof line.error).toBe('string');
    expect(line.error!.length).toBeGreaterThan(0);
    if (kind.answer?.legacy) expect(line.legacy).toMatchObject({ kind: 'error', code: kind.answer.legacy.code });
    else expect(line.legacy).toEqual({ kind: 'error' });

    // The metric, counted once.
    expect(await rejectedCount(p, kind.category)).toBe(1);

    // The log line naming the cause, matching the journal line by id.
    const log = lines.find((l) => l.reqId === line.id && (kind.log === 'connection' ? l.msg === 'connection rejected' : l.msg === 'access'));
    expect(log, JSON.stringify(lines)).toBeDefined();
    if (kind.log === 'connection') expect(log).toMatchObject({ reason: kind.category, err: line.error, ...(line.path ? { path: line.path } : {}) });
    else expect(log).toMatchObject({ category: kind.category });

    // Nothing secret anywhere, nothing processed.
    expect(JSON.stringify(p.journal.entries)).not.toContain(TOKEN);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(p.requests()).toHaveLength(0);
    expect(t!.sandbox.state.records('Leads')).toHaveLength(0);
  });

  it('a connection that sends nothing until the header timeout holds no request: counted and logged, not journaled', async () => {
    const p = await start({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1000 } });
    const text = await raw(p, []);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(await rejectedCount(p, 'header-timeout')).toBe(1);
    expect(lines.some((l) => l.msg === 'connection rejected' && l.reason === 'header-timeout')).toBe(true);
    expect(p.outcomes()).toHaveLength(0);
  });

  it('a keep-alive connection: a refused head after a served call is journaled with its own path', async () => {
    const p = await start();
    const served = `GET /crm/private/xml/Leads/getRecords?${query}&toIndex=1 HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { hostname, port } = new URL(p.proxy.url);
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(served);
    for (let i = 0; i < 400 && !text.includes('</response>'); i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    socket.write(`GET /crm/private/xml/Accounts/insertRecords?${query}&xmlData=${'y'.repeat(120_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await closed;
    expect(text).toContain('<response uri="/crm/private/xml/Accounts/insertRecords"><error><code>4600</code>');
    const line = await refusalLine(p, 'header-overflow');
    expect(line).toMatchObject({ module: 'Accounts', method: 'insertRecords', path: '/crm/private/xml/Accounts/insertRecords', client: { tokenFingerprint: FP } });
  });

  it('zbridge report over the journal: the refusals are failed calls of their integration, under their code', async () => {
    const p = await start({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1000 } });
    await raw(p, [`GET /crm/private/xml/Leads/insertRecords?${query}&xmlData=${encodeURIComponent(bigXml)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    await raw(p, [`PUT /crm/private/xml/Leads/insertRecords?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    await raw(p, [`POST /crm/private/xml/Leads/insertRecords?${query} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nxml`]);
    await refusalLine(p, 'body-incomplete');
    const dir = tempDir('http-rejects-report');
    const journal = join(dir, 'journal.jsonl');
    writeFileSync(journal, p.journal.entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const out = join(dir, 'report');
    await runReport({ inputs: [journal], out, now: new Date() }, memoryIO());
    const data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
    expect(data.totals.failedCalls).toBe(3);
    expect(data.unsupportedMethods).toEqual([]);
    expect(data.codes.map((c) => c.code).sort()).toEqual(['4600', 'HTTP 405', 'no answer']);
    const integration = data.integrations.find((i) => i.tokenFingerprint === FP);
    expect(integration?.failed).toBe(3);
    expect(integration?.methods.map((m) => m.method)).toEqual(['insertRecords']);
    expect(JSON.stringify(data)).not.toContain(TOKEN);
  });

  it('a flood of refusals is counted whole but journaled and logged only as a sample', async () => {
    const p = await start();
    const started = Date.now();
    const n = 150;
    for (let i = 0; i < n; i += 1) {
      await raw(p, [`${i % 2 ? 'PUT' : 'FROB'} /crm/private/xml/Leads/insertRecords?scope=crmapi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    }
    const elapsed = (Date.now() - started) / 1000;
    expect((await rejectedCount(p, 'method-not-allowed')) + (await rejectedCount(p, 'unparseable-request'))).toBe(n);
    // Burst 50 plus the refill of 5 per second during the loop (bridge/reject-sampler.ts), one sample for the
    // journal line and the log line of a refusal.
    const bound = 51 + Math.ceil(elapsed * 5);
    const journaled = p.outcomes().length;
    expect(journaled).toBeLessThanOrEqual(bound);
    if (bound < n) expect(journaled).toBeLessThan(n);
    expect(lines.filter((l) => l.msg === 'connection rejected').length).toBeLessThanOrEqual(bound);
    expect(journaled).toBeGreaterThanOrEqual(50);
  });

  it('calls with an unknown authtoken are logged on the same sample as they are journaled, user agent capped', async () => {
    const p = await start();
    const started = Date.now();
    const n = 150;
    const agents = ['x'.repeat(60_000), 'curl/8.5'];
    await Promise.all(
      Array.from({ length: 10 }, async (_, worker) => {
        for (let i = worker; i < n; i += 10) {
          const res = await fetch(`${p.proxy.url}/crm/private/xml/Leads/getRecords?authtoken=bad${i}&scope=crmapi`, { headers: { 'user-agent': agents[i % 2] } });
          expect(await res.text()).toContain('<code>4834</code>');
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const bound = 51 + Math.ceil(elapsed * 5);
    const access = lines.filter((l) => l.msg === 'access' && l.code === '4834');
    expect(access.length).toBe(p.outcomes().filter((o) => o.legacy.code === '4834').length);
    expect(access.length).toBeLessThanOrEqual(bound);
    expect(access.length).toBeGreaterThanOrEqual(50);
    for (const line of access) expect(String(line.userAgent).length).toBeLessThanOrEqual(256);
    if (bound < n) expect(access.some((l) => Number(l.suppressedRejects) > 0)).toBe(true);
    // An authenticated call is always logged, with its whole user agent.
    await fetch(`${p.proxy.url}/crm/private/xml/Leads/getRecords?authtoken=${TOKEN}&scope=crmapi`, { headers: { 'user-agent': 'y'.repeat(1000) } });
    await new Promise((r) => setImmediate(r));
    expect(lines.filter((l) => l.msg === 'access' && String(l.userAgent).length === 1000)).toHaveLength(1);
  });
});
