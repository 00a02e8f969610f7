import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { waitHintMs, type ZohoClient } from '../../src/zoho/client.js';
import { MemoryTokenStore, tokenKey } from '../../src/zoho/tokens.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  REFRESH_TOKEN,
  clientFor,
  freePort,
  insertLead,
  json,
  localServer,
  requestsOf,
  sandbox,
  updateLead,
  withTokenEndpoint,
  type LocalServer,
} from './helpers.js';
import { legacyErrorOf } from '../../src/mapping/results.js';
import { legacyOutcome } from './helpers.js';

let sb: RunningSandbox | undefined;
let local: LocalServer | undefined;
let client: ZohoClient | undefined;
afterEach(async () => {
  client?.close();
  await sb?.close();
  await local?.close();
  sb = local = client = undefined;
});

const INSERTS = 'POST /crm/v2/:module';

/** A store that already holds a live token for the test credential at `url`. */
async function cachedToken(url: string): Promise<MemoryTokenStore> {
  const store = new MemoryTokenStore();
  await store.set(tokenKey(url, CLIENT_ID, REFRESH_TOKEN), { accessToken: 'cached', apiDomain: url, expiresAt: Date.now() + 3600_000 });
  return store;
}
const UPDATES = 'PUT /crm/v2/:module/:id';
const grants = (s: RunningSandbox) => s.state.stats().tokenGrants.refresh_token;
const leads = (s: RunningSandbox, last: string) => s.state.records('Leads').filter((r) => r.values.Last_Name === last);
const idOf = (body: unknown): string => (body as { data: { details: { id: string } }[] }).data[0].details.id;

describe('ZohoClient.execute against the sandbox', () => {
  it('inserts with the OAuth header and returns the raw v2 answer', async () => {
    sb = await sandbox();
    let e;
    ({ client, events: e } = clientFor(sb.url));
    const { outcome, calls } = await client.execute(insertLead('Plain'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(idOf((outcome as { body: unknown }).body)).toMatch(/^\d{19}$/);
    expect(calls).toEqual([{ method: 'POST', path: '/crm/v2/Leads', status: 201, durationMs: expect.any(Number), attempts: 1 }]);
    expect(e.attempts).toBe(1);
    expect(leads(sb, 'Plain')).toHaveLength(1);
  });

  it('INVALID_TOKEN mid-run: invalidate, refresh once, retry once', async () => {
    sb = await sandbox();
    let e;
    ({ client, events: e } = clientFor(sb.url));
    await client.execute(insertLead('Before'), 'insert');
    sb.state.revokeAllTokens();
    const { outcome, calls } = await client.execute(insertLead('After'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0]).toMatchObject({ status: 201, attempts: 2 });
    expect(e.retries).toEqual(['invalid-token']);
    expect(grants(sb)).toBe(2);
    expect(leads(sb, 'After')).toHaveLength(1);
  });

  it('INVALID_TOKEN again with the fresh token is 4500 (the bridge\'s credentials, not the client\'s authtoken)', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    sb.state.setFaults({ failNext: { count: 2, kind: 'invalid-token' } });
    const { outcome, calls } = await client.execute(insertLead('Never'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500', message: 'Problem occured while processing the request' }, inDoubt: false });
    expect(calls[0]).toMatchObject({ status: 401, attempts: 2 });
    expect(leads(sb, 'Never')).toHaveLength(0);
  });

  it('429 is retried, then succeeds', async () => {
    sb = await sandbox();
    let e;
    ({ client, events: e } = clientFor(sb.url));
    sb.state.setFaults({ failNext: { count: 2, kind: '429' } });
    const { outcome, calls } = await client.execute(insertLead('Patient'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0]).toMatchObject({ status: 201, attempts: 3 });
    expect(e.retries).toEqual(['429', '429']);
    // The sandbox's concurrency 429 says Retry-After: 1 (and X-RATELIMIT-RESET one second on): the waits honour it.
    for (const ms of e.sleeps.slice(0, 2)) expect(ms).toBeGreaterThanOrEqual(1000);
    expect(leads(sb, 'Patient')).toHaveLength(1);
  });

  it('429 beyond the retry budget is 4820, and its credits are given back', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url, { maxRetries: 2, creditsPerDay: 100 }));
    sb.state.setFaults({ failNext: { count: 10, kind: '429' } });
    const { outcome, calls } = await client.execute(insertLead('Throttled'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({
      kind: 'failure',
      error: { code: '4820', message: 'API call cannot be completed as you have exceeded the "rate limit".' },
      inDoubt: false,
    });
    expect(calls[0]).toMatchObject({ status: 429, attempts: 3 });
    expect(requestsOf(sb, INSERTS)).toBe(3);
    expect(await client.credits.used()).toBe(0);
  });

  it('500 on an insert is not retried: 4500 in doubt, exactly one request', async () => {
    sb = await sandbox();
    let e;
    ({ client, events: e } = clientFor(sb.url));
    sb.state.setFaults({ failNext: { count: 1, kind: '500', applyAfterProcessing: true } });
    const { outcome, calls } = await client.execute(insertLead('Maybe'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: true });
    expect(calls[0]).toMatchObject({ status: 500, attempts: 1 });
    expect(requestsOf(sb, INSERTS)).toBe(1);
    expect(e.retries).toEqual([]);
    expect(leads(sb, 'Maybe')).toHaveLength(1); // it was applied: "in doubt" was right
  });

  it('500 on an update is retried', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const inserted = await client.execute(insertLead('Update me'), 'insert');
    const id = idOf((inserted.outcome as { body: unknown }).body);
    sb.state.setFaults({ failNext: { count: 1, kind: '500' } });
    const { outcome, calls } = await client.execute(updateLead(id, { Company: 'Retried' }), 'update');
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(calls[0]).toMatchObject({ status: 200, attempts: 2 });
    expect(requestsOf(sb, UPDATES)).toBe(2);
    expect(sb.state.records('Leads').find((r) => r.id === id)?.values.Company).toBe('Retried');
  });

  it('500 on every update attempt ends in doubt', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url, { maxRetries: 1 }));
    const inserted = await client.execute(insertLead('Stubborn'), 'insert');
    const id = idOf((inserted.outcome as { body: unknown }).body);
    sb.state.setFaults({ failNext: { count: 5, kind: '500' } });
    const { outcome } = await client.execute(updateLead(id, { Company: 'X' }), 'update');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: true });
    expect(requestsOf(sb, UPDATES)).toBe(2);
  });

  it('a connection reset after sending an insert is in doubt and not resent', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    await client.execute(insertLead('Warm up'), 'insert'); // the next call reuses a keep-alive socket
    sb.state.setFaults({ failNext: { count: 1, kind: 'reset' } });
    const { outcome } = await client.execute(insertLead('Reset'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: true });
    expect(requestsOf(sb, INSERTS)).toBe(2);
  });

  it('a local credit budget refuses before calling', async () => {
    sb = await sandbox();
    const credited: number[] = [];
    ({ client } = clientFor(sb.url, { creditsPerDay: 2 }, { observer: { onCredits: (e) => credited.push(e.credits) } }));
    const many = { ...insertLead('A'), body: { data: Array.from({ length: 11 }, (_, i) => ({ Last_Name: `Bulk ${i}`, Company: 'C' })), trigger: [] } };
    expect((await client.execute(many, 'insert')).outcome).toMatchObject({ kind: 'response' });
    expect(credited).toEqual([2]);
    const { outcome, calls } = await client.execute(insertLead('Over budget'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4820' }, inDoubt: false });
    expect(calls).toEqual([]);
    expect(requestsOf(sb, INSERTS)).toBe(1);
  });

  it('never puts tokens or secrets into outcomes', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const token = (await client.tokens.getToken()).accessToken;
    sb.state.setFaults({ failNext: { count: 1, kind: 'reset' } });
    const result = JSON.stringify(await client.execute(insertLead('Secretless'), 'insert'));
    for (const secret of [token, CLIENT_SECRET, REFRESH_TOKEN]) expect(result).not.toContain(secret);
  });
});

describe('ZohoClient transport failures (local servers)', () => {
  it('connection refused is retried (nothing was sent), then 4500 not in doubt', async () => {
    const port = await freePort();
    let e;
    const url = `http://127.0.0.1:${port}`;
    // The token is already cached, so only the v2 call meets the closed port.
    ({ client, events: e } = clientFor(url, { maxRetries: 3 }, { tokenStore: await cachedToken(url) }));
    const { outcome, calls } = await client.execute(insertLead('Refused'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: false });
    expect(calls[0]).toMatchObject({ attempts: 4, error: expect.stringContaining('ECONNREFUSED') });
    expect(e.retries).toEqual(['network', 'network', 'network']);
  });

  it('connection refused on an insert, then the server comes up: retried and created once', async () => {
    const port = await freePort();
    let created = 0;
    const server = http.createServer(
      withTokenEndpoint((_req, res) => {
        created++;
        json(res, 201, { data: [{ code: 'SUCCESS', details: { id: '1' }, message: 'record added', status: 'success' }] });
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    ({ client } = clientFor(url, {}, {
      tokenStore: await cachedToken(url),
      sleep: () => new Promise<void>((resolve) => (server.listening ? resolve() : server.listen(port, '127.0.0.1', () => resolve()))),
    }));
    try {
      const { outcome, calls } = await client.execute(insertLead('Late server'), 'insert');
      expect(outcome).toMatchObject({ kind: 'response', status: 201 });
      expect(calls[0]).toMatchObject({ status: 201, attempts: 2 });
      expect(created).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a timeout on an insert is in doubt and not retried; on an update it is retried', async () => {
    let seen = 0;
    local = await localServer(withTokenEndpoint(() => void seen++)); // never answers
    ({ client } = clientFor(local.url, { requestTimeoutMs: 150, maxRetries: 2 }));
    const insert = await client.execute(insertLead('Slow'), 'insert');
    expect(legacyOutcome(insert.outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: true });
    expect(seen).toBe(1);
    seen = 0;
    const update = await client.execute(updateLead('1', { Company: 'Slow' }), 'update');
    expect(update.outcome).toMatchObject({ kind: 'failure', inDoubt: true });
    expect(update.calls[0]).toMatchObject({ attempts: 3, error: expect.stringContaining('timeout') });
    expect(seen).toBe(3);
  });

  it('honours Retry-After on a 429, capped', async () => {
    let n = 0;
    local = await localServer(
      withTokenEndpoint((_req, res) => {
        n++;
        if (n === 1) return json(res, 429, { code: 'TOO_MANY_REQUESTS' }, { 'Retry-After': '7' });
        if (n === 2) return json(res, 429, { code: 'TOO_MANY_REQUESTS' }, { 'Retry-After': '9999' });
        json(res, 201, { data: [] });
      }),
    );
    let e;
    ({ client, events: e } = clientFor(local.url, {}, { backoffBaseMs: 100, backoffMaxMs: 20_000 }));
    const { outcome } = await client.execute(insertLead('Hinted'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(e.sleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(e.sleeps[0]).toBeLessThanOrEqual(7050);
    expect(e.sleeps[1]).toBe(20_000);
  });

  it('reads wait hints: Retry-After seconds or date, X-RATELIMIT-RESET epoch ms', () => {
    const now = Date.UTC(2024, 0, 1);
    expect(waitHintMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(waitHintMs({ 'retry-after': new Date(now + 5000).toUTCString() }, now)).toBe(5000);
    expect(waitHintMs({ 'x-ratelimit-reset': String(now + 1500) }, now)).toBe(1500);
    expect(waitHintMs({}, now)).toBeUndefined();
  });

  it('a body that is not JSON: execute passes it on, get throws 4500', async () => {
    local = await localServer(withTokenEndpoint((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    }));
    ({ client } = clientFor(local.url));
    const { outcome } = await client.execute(insertLead('Html'), 'insert');
    expect(outcome).toEqual({ kind: 'response', status: 200, body: '<html>maintenance</html>' });
    const error = (await client.get('/crm/v2/settings/modules').catch((e: unknown) => e)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(legacyErrorOf(error).code).toBe('4500');
  });

  it('sends exact decimal literals and the v2 headers', async () => {
    let seen: { auth?: string; type?: string; body?: string } = {};
    local = await localServer(withTokenEndpoint((req, res, body) => {
      seen = { auth: req.headers.authorization, type: req.headers['content-type'], body };
      json(res, 201, { data: [] });
    }));
    ({ client } = clientFor(local.url));
    const { DecimalLiteral } = await import('../../src/v2/json.js');
    await client.execute(insertLead('Rich', { Annual_Revenue: new DecimalLiteral('12345678901234567.123456789') }), 'insert');
    expect(seen.auth).toBe('Zoho-oauthtoken 1000.localaccesstoken.secret');
    expect(seen.type).toBe('application/json');
    expect(seen.body).toContain('"Annual_Revenue":12345678901234567.123456789');
  });
});

describe('ZohoClient concurrency', () => {
  it('never has more than `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    local = await localServer(withTokenEndpoint((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, { modules: [] });
      }, 20);
    }));
    ({ client } = clientFor(local.url, { concurrency: 3 }));
    await Promise.all(Array.from({ length: 20 }, () => client!.get('/crm/v2/settings/modules')));
    expect(peak).toBe(3);
  });

  it('a full queue answers 4820 at once', async () => {
    const pending: (() => void)[] = [];
    local = await localServer(withTokenEndpoint((_req, res) => pending.push(() => json(res, 201, { data: [] }))));
    ({ client } = clientFor(local.url, { concurrency: 1, maxQueue: 2 }));
    await client.tokens.getToken();
    const calls = Array.from({ length: 5 }, (_, i) => client!.execute(insertLead(`Q${i}`), 'insert'));
    const refused = await Promise.all(calls.slice(3));
    for (const r of refused) expect(legacyOutcome(r.outcome)).toMatchObject({ kind: 'failure', error: { code: '4820' }, inDoubt: false });
    // Let the admitted ones through, one slot at a time.
    const done = Promise.all(calls.slice(0, 3));
    const drain = setInterval(() => pending.shift()?.(), 5);
    try {
      for (const r of await done) expect(r.outcome).toMatchObject({ kind: 'response', status: 201 });
    } finally {
      clearInterval(drain);
    }
  });
});

describe('ZohoClient.get', () => {
  it('answers 2xx–4xx as data, 204 without a body, and throws on 401', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const modules = await client.get('/crm/v2/settings/modules');
    expect(modules.status).toBe(200);
    expect(Array.isArray((modules.body as { modules: unknown[] }).modules)).toBe(true);
    const none = await client.get('/crm/v2/Leads/search', { email: 'nobody@example.com' });
    expect(none).toMatchObject({ status: 204, body: undefined });
    const bad = await client.get('/crm/v2/NoSuchModule/search', { word: 'x' });
    expect(bad.status).toBe(400);
    sb.state.revokeAllTokens();
    expect((await client.get('/crm/v2/settings/modules')).status).toBe(200); // refreshed and retried
  });

  it('rejects a path outside the API domain', async () => {
    ({ client } = clientFor('http://127.0.0.1:1'));
    await expect(client.get('//evil.example/x')).rejects.toBeInstanceOf(UpstreamError);
  });
});
