/**
 * Issue 12, items 5, 13, 14 and 15, over real sockets against an in-process sandbox (or a hanging accounts server):
 * - 14: every failure's access line names its cause (upstream down, upstream 5xx, local credit budget, queue
 *   full, credits exhausted, refused refresh — all without Redis: the single-process limiter, meter and token
 *   store); `logLevel: debug` logs each v2 call without a secret or record value;
 * - 13: an accounts server that accepts and never answers: calls answer 4500 after one token timeout, /readyz
 *   answers first and says why, and the breaker stops further token requests;
 * - 15: profiles with the emulator upstream fail /readyz with the reason;
 * - 5: custom modules of the live org are metric labels by name; unknown names stay `other`.
 * Assertions are on counts and order (and one bound relative to the configured timeout), never absolute times.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import { snapshotDir } from '../../src/paths.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';

const TOKEN = 'causes-authtoken-0123456789';
const CREDS = { clientId: '1000.CAUSES', clientSecret: 'causes-client-secret-value', refreshToken: '1000.causes.refresh-token-value' };
const SECRETS = [TOKEN, CREDS.clientSecret, CREDS.refreshToken];

type Line = Record<string, any>;
let sandbox: RunningSandbox | undefined;
let proxy: RunningProxy | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await proxy?.close();
  await sandbox?.close();
  for (const c of cleanups.splice(0)) await c();
  proxy = undefined;
  sandbox = undefined;
});

async function startUpstream(metadataDir?: string): Promise<RunningSandbox> {
  sandbox = await startSandbox({
    metadataDir,
    clients: [{ clientId: CREDS.clientId, clientSecret: CREDS.clientSecret, refreshTokens: [{ token: CREDS.refreshToken, userId: bundledSnapshot().users[0].id }] }],
  });
  return sandbox;
}

/** The proxy (upstream zoho) with one profile; every log line captured (raw text too, for the secret check). */
async function startZohoProxy(base: string, profile: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  const lines: Line[] = [];
  let text = '';
  const stream = new Writable({
    write(chunk, _e, done) {
      text += String(chunk);
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const config = parseConfig({
    port: 0,
    host: '127.0.0.1',
    upstream: 'zoho',
    journal: { dir: '' },
    profiles: [{ name: 'p', authtokens: [TOKEN], ...CREDS, accountsUrl: base, apiDomain: base, timeZone: 'UTC', maxRetries: 1, ...profile }],
    ...top,
  });
  const journal = new MemoryJournal();
  proxy = await startProxy(config, { journal, defaultMetrics: false, logger: createLogger('debug', stream) });
  return { proxy, lines, journal, text: () => text };
}

const leadXml = (last: string, extra = '') => `<Leads><row no="1"><FL val="Last Name">${last}</FL><FL val="Company">Causes</FL>${extra}</row></Leads>`;

async function insert(url: string, last: string, params: Record<string, string> = {}, extra = ''): Promise<{ code?: string; text: string }> {
  const res = await fetch(`${url}/crm/private/xml/Leads/insertRecords`, {
    method: 'POST',
    body: new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: leadXml(last, extra), ...params }),
  });
  const text = await res.text();
  return { code: /<code>([^<]+)<\/code>/.exec(text)?.[1], text };
}

const accessLines = (lines: Line[]) => lines.filter((l) => l.msg === 'access' && l.method === 'insertRecords');

describe('every failure names its cause in its log line (item 14)', () => {
  it.each([
    {
      name: 'upstream down (connection refused)',
      code: '4500',
      cause: /ECONNREFUSED|connect/i,
      arrange: async () => {
        await sandbox!.close();
      },
    },
    {
      name: 'upstream 5xx after the retries',
      code: '4500',
      cause: /HTTP 500/,
      arrange: async () => sandbox!.state.setFaults({ failNext: { count: 5, kind: '500' } }),
    },
    {
      name: 'credits exhausted upstream (429)',
      code: '4820',
      cause: /credits exhausted/,
      arrange: async () => sandbox!.state.setFaults({ failNext: { count: 1, kind: '429-credits' } }),
    },
    {
      name: 'local credit budget spent',
      code: '4820',
      cause: /local credit budget of \d+ per day is spent/,
      profile: { creditsPerDay: 3 },
      arrange: async (url: string) => {
        // Spend the budget (the warm-up already used some of it).
        for (let i = 0; i < 5; i += 1) if ((await insert(url, `Spend ${i}`)).code === '4820') break;
      },
    },
  ])('$name → $code with the cause in the access line and the journal', async ({ code, cause, arrange, profile }) => {
    const sb = await startUpstream();
    const { proxy: p, lines, journal } = await startZohoProxy(sb.url, profile ?? {});
    expect((await insert(p.url, 'Warm')).text).toContain('Record(s) added successfully');
    await arrange(p.url);
    const answer = await insert(p.url, 'Cause');
    expect(answer.code).toBe(code);
    const line = accessLines(lines).at(-1)!;
    if (line.code !== code || !cause.test(line.err ?? '') || line.level !== 40) console.log(line);
    expect(line.code).toBe(code);
    expect(line.err).toMatch(cause);
    expect(line.level).toBe(40); // warn: an operator's alert sees it
    const outcome = journal.entries.filter((e) => e.type === 'outcome').at(-1) as Line;
    expect(outcome.error).toMatch(cause);
  });

  it('queue full (local concurrency) → 4820 naming the queue', async () => {
    const sb = await startUpstream();
    const { proxy: p, lines } = await startZohoProxy(sb.url, { concurrency: 1, maxQueue: 1 });
    expect((await insert(p.url, 'Warm')).text).toContain('Record(s) added successfully');
    sb.state.setFaults({ latencyMs: 1500, onlyWrites: true });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => insert(p.url, `Queue ${i}`)));
    expect(answers.filter((a) => a.code === '4820').length).toBeGreaterThan(0);
    const refused = accessLines(lines).filter((l) => l.code === '4820');
    expect(refused.length).toBe(answers.filter((a) => a.code === '4820').length);
    for (const l of refused) expect(l.err).toMatch(/calls already queued for 1 upstream slots/);
  });

  it('a refused token refresh → 4500 (not 4834) naming the refusal; a warn line says why', async () => {
    const sb = await startUpstream();
    const { proxy: p, lines } = await startZohoProxy(sb.url, { refreshToken: '1000.not.the.right.refresh.token' });
    const answer = await insert(p.url, 'Refused');
    expect(answer.code).toBe('4500');
    expect(accessLines(lines).at(-1)!.err).toMatch(/token refresh refused: invalid_code/);
    expect(lines.find((l) => l.msg === 'token refresh failed')).toMatchObject({ level: 40, reason: expect.stringMatching(/invalid_code/) });
    // A bad LEGACY authtoken is still the client's problem: 4834.
    const bad = await fetch(`${p.url}/crm/private/xml/Leads/insertRecords?authtoken=wrong&scope=crmapi&xmlData=${encodeURIComponent(leadXml('x'))}`);
    expect(await bad.text()).toContain('<code>4834</code>');
  });

  it('logLevel debug: one line per v2 call with method, path, status, duration — never a secret or record value', async () => {
    const sb = await startUpstream();
    const { proxy: p, lines, text } = await startZohoProxy(sb.url);
    const value = 'Debugvalue Xq7';
    const email = 'debug.secret.person@zylker.example';
    expect((await insert(p.url, value, { duplicateCheck: '1' }, `<FL val="Email">${email}</FL>`)).text).toContain('Record(s) added successfully');
    const v2 = lines.filter((l) => l.msg === 'v2 call');
    // The duplicate pre-check search and the insert at least.
    expect(v2.map((l) => `${l.v2Method} ${l.v2Path}`)).toEqual(expect.arrayContaining(['POST /crm/v2/Leads', 'GET /crm/v2/Leads/search']));
    for (const l of v2) {
      expect(l).toMatchObject({ level: 20, profile: 'p', status: expect.any(Number), ms: expect.any(Number) });
      expect(l.v2Path).not.toContain('?');
    }
    for (const secret of [...SECRETS, value, email, encodeURIComponent(email)]) expect(text(), secret).not.toContain(secret);
  });
});

describe('an accounts server that accepts and never answers (item 13)', () => {
  /** Accepts connections, reads requests, never answers; counts token requests. */
  async function hangingAccounts(): Promise<{ url: string; requests: () => number; server: Server }> {
    const sockets = new Set<Socket>();
    let requests = 0;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (c) => (requests += (String(c).match(/POST \/oauth\/v2\/token/g) ?? []).length));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    );
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests: () => requests, server };
  }

  it('calls answer 4500 after one token timeout, /readyz answers first with the reason, the breaker stops hammering', async () => {
    const accounts = await hangingAccounts();
    const requestTimeoutMs = 10_000; // the token request times out after min(this, 5 s)
    const { proxy: p, lines } = await startZohoProxy(accounts.url, { requestTimeoutMs });
    const order: string[] = [];
    const started = Date.now();
    const calls = [1, 2, 3, 4, 5].map((i) =>
      insert(p.url, `Hang ${i}`).then((a) => {
        order.push('call');
        return a;
      }),
    );
    for (let i = 0; i < 500 && accounts.requests() === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(accounts.requests()).toBe(1);
    const ready = fetch(`${p.url}/readyz`).then(async (res) => {
      order.push('readyz');
      return { status: res.status, body: await res.json() };
    });
    const answers = await Promise.all(calls);
    const elapsed = Date.now() - started;
    const duringHang = await ready;

    // /readyz did not wait for the hanging refresh: it answered before any call did, not ready, with the reason.
    expect(order[0]).toBe('readyz');
    expect(duringHang.status).toBe(503);
    expect(duringHang.body.profiles[0]).toMatchObject({ profile: 'p', ok: false, error: expect.stringMatching(/no answer within/) });
    // Every call 4500 after ONE token request (single flight, no retry after a timeout). The old code held each
    // call for 4 × requestTimeoutMs; a generous bound of 2 × requestTimeoutMs still tells them apart.
    expect(answers.map((a) => a.code)).toEqual(['4500', '4500', '4500', '4500', '4500']);
    expect(accounts.requests()).toBe(1);
    expect(elapsed).toBeLessThan(2 * requestTimeoutMs);
    for (const l of accessLines(lines)) expect(l.err).toMatch(/token refresh failed: .*timeout|timed out/i);
    expect(lines.find((l) => l.msg === 'token refresh failed')?.reason).toMatch(/timeout|timed out/i);

    // The breaker is open: ten more calls fail at once without a single new token request.
    for (let i = 0; i < 10; i += 1) expect((await insert(p.url, `Breaker ${i}`)).code).toBe('4500');
    expect(accounts.requests()).toBe(1);
    const after = await fetch(`${p.url}/readyz`);
    expect(after.status).toBe(503);
    const body = await after.json();
    expect(body.profiles[0]).toMatchObject({ ok: false, error: expect.stringMatching(/timeout|timed out/i), retryAt: expect.any(String) });
    expect(accounts.requests()).toBe(1);
  }, 90_000);
});

describe('profiles next to the emulator upstream (item 15)', () => {
  it('/readyz fails with the reason, not only the start-up line', async () => {
    const lines: Line[] = [];
    const stream = new Writable({ write: (c, _e, done) => (String(c).split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))), done()) });
    const config = parseConfig({
      port: 0,
      host: '127.0.0.1',
      journal: { dir: '' },
      sandbox: { authtokens: [TOKEN] },
      profiles: [{ name: 'erp', authtokens: ['erp-token'], ...CREDS }],
    });
    proxy = await startProxy(config, { journal: new MemoryJournal(), defaultMetrics: false, logger: createLogger('info', stream) });
    expect(lines.find((l) => l.level === 50 && /upstream is "sandbox"/.test(l.msg))).toBeDefined();
    const res = await fetch(`${proxy.url}/readyz`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.status).toBe('not ready');
    expect(body.config).toMatchObject({ ok: false, error: expect.stringMatching(/profiles are configured but upstream is "sandbox".*erp/) });
  });

  it('without profiles the emulator is ready', async () => {
    const config = parseConfig({ port: 0, host: '127.0.0.1', journal: { dir: '' }, sandbox: { authtokens: [TOKEN] } });
    proxy = await startProxy(config, { journal: new MemoryJournal(), defaultMetrics: false, logger: createLogger('silent') });
    const res = await fetch(`${proxy.url}/readyz`);
    expect(res.status).toBe(200);
  });
});

describe('custom modules of the live org are metric labels (item 5)', () => {
  /** The bundled snapshot plus a custom module the bundled snapshot does not know (CustomModule7 = Shipments). */
  function metadataWithCustomModule(): string {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-custom-'));
    cpSync(snapshotDir, dir, { recursive: true });
    const doc = JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8'));
    const template = doc.modules.find((m: Line) => m.module_name === 'CustomModule1');
    doc.modules.push({ ...template, id: '306129000000000777', module_name: 'CustomModule7', api_name: 'Shipments', plural_label: 'Shipments', singular_label: 'Shipment' });
    writeFileSync(join(dir, 'modules.json'), JSON.stringify(doc));
    cpSync(join(dir, 'fields', 'Course_Progress.json'), join(dir, 'fields', 'Shipments.json'));
    return dir;
  }

  it('named after an authenticated call resolved them; unknown names stay other', async () => {
    const sb = await startUpstream(metadataWithCustomModule());
    const { proxy: p, lines } = await startZohoProxy(sb.url);
    const get = (module: string, token = TOKEN) => fetch(`${p.url}/crm/private/xml/${module}/getRecords?authtoken=${token}&scope=crmapi`).then((r) => r.text());
    // Unauthenticated first: a name cannot become a label without an authenticated call resolving it.
    await get('CustomModule7', 'not-a-token');
    await get('CustomModule7');
    await get('CustomModule8');
    await get('Shipments');
    const metrics = await p.metrics.registry.metrics();
    const series = metrics.split('\n').filter((l) => l.startsWith('zbridge_calls_total{'));
    expect(series.find((l) => l.includes('module="CustomModule7"') && l.includes('code="4834"'))).toBeUndefined();
    expect(series.find((l) => l.includes('module="CustomModule7"') && l.includes('method="getRecords"') && !l.includes('code="4834"'))).toBeDefined();
    expect(series.find((l) => l.includes('module="CustomModule8"'))).toBeUndefined();
    expect(series.filter((l) => l.includes('module="other"')).length).toBeGreaterThan(0);
    const access = lines.filter((l) => l.msg === 'access' && l.method === 'getRecords').map((l) => l.module);
    expect(access).toEqual(['other', 'CustomModule7', 'other', expect.stringMatching(/^(other|Shipments)$/)]);
  });
});
