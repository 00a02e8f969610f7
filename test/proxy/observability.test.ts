/**
 * Logs and metrics as gateway users expect: one JSON access line per call (the same words and values as the
 * metric labels), a start-up and a stopped line, zbridge_build_info, counters present from the start, the
 * optional admin listener, and X-Request-Id on every answer.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import { listenUrl, startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { VERSION } from '../../src/version.js';

const TOKEN = 'obs-token-0123456789';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

async function start(extra: Record<string, unknown> = {}) {
  const log = capture();
  const config = parseConfig({ port: 0, host: '127.0.0.1', journal: { dir: '' }, sandbox: { authtokens: [TOKEN] }, ...extra });
  const proxy = await startProxy(config, { journal: new MemoryJournal(), defaultMetrics: false, logger: log.logger });
  return { proxy, log };
}

const insert = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/crm/private/xml/Leads/insertRecords`, {
    method: 'POST',
    headers: { 'User-Agent': 'PHP-Curl/7.4', ...headers },
    body: new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: '<Leads><row no="1"><FL val="Last Name">Obs</FL><FL val="Company">A</FL></row></Leads>' }),
  });

/** The value of one Prometheus series, or undefined when it is absent. */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('proxy logs and metrics', () => {
  let proxy: RunningProxy;
  let log: ReturnType<typeof capture>;

  beforeAll(async () => {
    ({ proxy, log } = await start());
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('writes a JSON start-up line: version, listen address, upstream, profiles by name', () => {
    const started = log.lines.find((l) => l.msg === 'started')!;
    expect(started).toMatchObject({ version: VERSION, listen: proxy.url, upstream: 'sandbox', profiles: ['sandbox'] });
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('has zbridge_build_info and per-profile counters at 0 before any call', async () => {
    const text = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(series(text, 'zbridge_build_info', { version: VERSION, node: process.versions.node })).toBe(1);
    expect(series(text, 'zbridge_upstream_429_total', { profile: 'sandbox' })).toBe(0);
    expect(series(text, 'zbridge_token_refreshes_total', { profile: 'sandbox', ok: 'false' })).toBe(0);
    expect(series(text, 'zbridge_in_doubt_calls_total', { profile: 'sandbox' })).toBe(0);
    expect(series(text, 'zbridge_upstream_retries_total', { profile: 'sandbox', reason: '5xx' })).toBe(0);
    expect(series(text, 'zbridge_credits_used_total', { profile: 'sandbox' })).toBe(0);
    expect(text).toMatch(/^zbridge_in_flight_calls 0$/m);
  });

  it('one access line per call, whose module/method/code/profile are the metric labels', async () => {
    const before = log.lines.length;
    const res = await insert(proxy.url, { 'X-Request-Id': 'nightly-42' });
    expect(res.headers.get('x-request-id')).toBe('nightly-42');
    await res.text();
    const bad = await fetch(`${proxy.url}/crm/private/xml/Leads/getNothing?authtoken=${TOKEN}&scope=crmapi`);
    await bad.text();
    await new Promise((r) => setImmediate(r));
    const access = log.lines.slice(before).filter((l) => l.msg === 'access');
    expect(access).toHaveLength(2);
    const [ok, unsupported] = access;
    expect(ok).toMatchObject({
      // reqId is the call's own unique id (its journal id); the client's reused id is kept beside it (issue 13).
      reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      clientRequestId: 'nightly-42',
      remote: expect.stringMatching(/127\.0\.0\.1/),
      userAgent: 'PHP-Curl/7.4',
      httpMethod: 'POST',
      module: 'Leads',
      method: 'insertRecords',
      code: '2000',
      status: 200,
      profile: 'sandbox',
      rows: 1,
      ms: expect.any(Number),
    });
    // getNothing is no v1 method: counted and logged as `other` (labels are bounded, issue 12).
    expect(unsupported).toMatchObject({ module: 'Leads', method: 'other', code: '4600', status: 200, reqId: bad.headers.get('x-request-id') });
    // No other per-call info line: the access line is the one line of a call.
    expect(log.lines.slice(before).filter((l) => l.level === 30 && l.msg !== 'access')).toEqual([]);
    const text = await (await fetch(`${proxy.url}/metrics`)).text();
    for (const line of [ok, unsupported]) {
      expect(series(text, 'zbridge_calls_total', { module: String(line.module), method: String(line.method), code: String(line.code) }), JSON.stringify(line)).toBeGreaterThanOrEqual(1);
    }
    expect(JSON.stringify(access)).not.toContain(TOKEN);
  });

  it('every answer carries X-Request-Id, health and metrics included; probes are logged at debug only', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/crm/private/xml/Leads/insertRecords']) {
      const res = await fetch(`${proxy.url}${path}`);
      await res.text();
      expect(res.headers.get('x-request-id'), path).toMatch(/^[\w.-]{1,64}$/);
    }
    await new Promise((r) => setImmediate(r));
    const probes = log.lines.filter((l) => l.msg === 'access' && l.path === '/healthz');
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((l) => l.level === 20)).toBe(true);
  });
});

describe('admin listener', () => {
  it('admin.port serves /metrics, /healthz, /readyz on loopback; the proxy port then answers them as legacy calls', async () => {
    const { proxy, log } = await start({ admin: { port: 0 } });
    try {
      expect(proxy.admin!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(log.lines.find((l) => l.msg === 'started')).toMatchObject({ admin: proxy.admin!.url });
      const metrics = await fetch(`${proxy.admin!.url}/metrics`);
      expect(await metrics.text()).toContain('zbridge_build_info');
      expect(metrics.headers.get('x-request-id')).toBeTruthy();
      const ready = await fetch(`${proxy.admin!.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.headers.get('x-request-id')).toBeTruthy();
      const other = await fetch(`${proxy.admin!.url}/crm/private/xml/Leads/insertRecords`);
      expect(other.status).toBe(404);
      const onProxy = await fetch(`${proxy.url}/metrics`);
      expect(await onProxy.text()).toContain('<code>4600</code>');
    } finally {
      await proxy.close();
    }
    expect(log.lines.at(-1)).toMatchObject({ msg: 'stopped', version: VERSION });
  });

  it('ZBRIDGE_ADMIN_PORT sets admin.port; admin.host defaults to 127.0.0.1', () => {
    expect(parseConfig({}, { ZBRIDGE_ADMIN_PORT: '9464' }).admin).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(parseConfig({}).admin).toEqual({ host: '127.0.0.1' });
    expect(() => parseConfig({}, { ZBRIDGE_ADMIN_PORT: 'x' })).toThrow(/ZBRIDGE_ADMIN_PORT/);
  });
});

describe('listen URLs', () => {
  it.each([
    ['0.0.0.0', 'http://127.0.0.1:8080'],
    ['127.0.0.1', 'http://127.0.0.1:8080'],
    ['::', 'http://[::1]:8080'],
    ['::1', 'http://[::1]:8080'],
    ['fe80::1', 'http://[fe80::1]:8080'],
    ['proxy.example', 'http://proxy.example:8080'],
  ])('%s → %s', (host, url) => {
    expect(listenUrl(host, 8080)).toBe(url);
  });

  it('a proxy on ::1 prints a URL that works', async () => {
    let started: Awaited<ReturnType<typeof start>>;
    try {
      started = await start({ host: '::1' });
    } catch (error) {
      // No IPv6 loopback on this machine: the URL form is still covered above.
      expect((error as NodeJS.ErrnoException).code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/);
      return;
    }
    try {
      expect(started.proxy.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${started.proxy.url}/healthz`)).status).toBe(200);
    } finally {
      await started.proxy.close();
    }
  });
});
