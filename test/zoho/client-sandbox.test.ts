/**
 * ZohoClient over real HTTP against the sandbox: tokens (cold start, refresh ahead by the clock, both answer forms,
 * refusals, shared stores), retries per operation, timeouts, the sandbox's own concurrency limit, credits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import type { V2Request } from '../../src/mapping/types.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { DAY_MS } from '../../src/zoho/limiter.js';
import { ZohoClient } from '../../src/zoho/client.js';
import { MemoryTokenStore, type TokenStore } from '../../src/zoho/tokens.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  clientFor,
  freePort,
  insertLead,
  json,
  localServer,
  noSleep,
  profileFor,
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
const clients: ZohoClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sb?.close();
  await local?.close();
  sb = local = undefined;
});

/** clientFor, closed after the test. */
function track(made: ReturnType<typeof clientFor>): ReturnType<typeof clientFor> {
  clients.push(made.client);
  return made;
}

const INSERTS = 'POST /crm/v2/:module';
const UPSERTS = 'POST /crm/v2/:module/upsert';
const UPDATES = 'PUT /crm/v2/:module/:id';
const grants = (s: RunningSandbox) => s.state.stats().tokenGrants;
const leads = (s: RunningSandbox, last: string) => s.state.records('Leads').filter((r) => r.values.Last_Name === last);
const idOf = (body: unknown): string => (body as { data: { details: { id: string } }[] }).data[0].details.id;

function upsertLead(lastName: string, email: string, company: string): V2Request {
  return {
    method: 'POST',
    path: '/crm/v2/Leads/upsert',
    body: { data: [{ Last_Name: lastName, Email: email, Company: company }], trigger: [], duplicate_check_fields: ['Email'] },
    rows: [0],
  };
}

async function insertId(client: ZohoClient, last: string): Promise<string> {
  const { outcome } = await client.execute(insertLead(last), 'insert');
  if (outcome.kind !== 'response') throw new Error(outcome.message);
  return idOf(outcome.body);
}

describe('tokens through the client', () => {
  it('cold start: 100 concurrent execute() calls share one token grant', async () => {
    sb = await sandbox();
    const { client } = track(clientFor(sb.url, { concurrency: 10 }));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => client.execute(insertLead(`Cold ${i}`), 'insert')));
    expect(results.every((r) => r.outcome.kind === 'response' && r.outcome.status === 201)).toBe(true);
    expect(grants(sb)).toMatchObject({ refresh_token: 1, errors: 0 });
    expect(requestsOf(sb, 'POST /oauth/v2/token')).toBe(1);
    expect(requestsOf(sb, INSERTS)).toBe(100);
    expect(sb.state.records('Leads')).toHaveLength(100);
  });

  it.each(['modern', 'legacy'] as const)('refreshes ahead of expiry by the injected clock (%s answer form)', async (form) => {
    // 20-minute tokens: `expires_in: 1200` (modern) or `expires_in_sec: 1200` + `expires_in: 1200000` (legacy).
    const clock = { now: Date.UTC(2024, 5, 1, 12) };
    sb = await sandbox({ now: () => clock.now, tokenLifetimeSeconds: 1200, tokenResponseForm: form });
    const { client, events } = track(clientFor(sb.url, {}, { now: () => clock.now }));
    await client.execute(insertLead('t0'), 'insert');
    const first = await client.tokens.getToken();
    expect(first.expiresAt).toBe(clock.now + 1200_000);
    clock.now += 14 * 60_000; // 6 min left: not yet
    await client.execute(insertLead('t14'), 'insert');
    expect(grants(sb).refresh_token).toBe(1);
    clock.now += 2 * 60_000; // 4 min left: inside the 5-minute window
    const { calls } = await client.execute(insertLead('t16'), 'insert');
    expect(grants(sb).refresh_token).toBe(2);
    expect((await client.tokens.getToken()).accessToken).not.toBe(first.accessToken);
    expect(calls[0].attempts).toBe(1); // refreshed before sending, not after an INVALID_TOKEN
    clock.now += 19 * 60_000; // the first token has expired at the sandbox; the client no longer uses it
    expect((await client.execute(insertLead('t35'), 'insert')).calls[0].attempts).toBe(1);
    expect(events.retries).toEqual([]);
  });

  it('a token that expired while idle is replaced before the call, not after a 401', async () => {
    const clock = { now: Date.UTC(2024, 5, 1, 12) };
    sb = await sandbox({ now: () => clock.now });
    const { client, events } = track(clientFor(sb.url, {}, { now: () => clock.now }));
    await client.execute(insertLead('Day 1'), 'insert');
    clock.now += DAY_MS;
    const { outcome, calls } = await client.execute(insertLead('Day 2'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0].attempts).toBe(1);
    expect(events.retries).toEqual([]);
    expect(grants(sb).refresh_token).toBe(2);
  });

  it('a bad refresh token: a 4500 failure outcome, nothing sent to v2, no secret in the message', async () => {
    sb = await sandbox();
    const { client, events } = track(clientFor(sb.url, { refreshToken: '1000.revoked.refresh' }));
    const { outcome, calls } = await client.execute(insertLead('Never'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500', message: 'Problem occured while processing the request' }, inDoubt: false });
    expect(calls).toEqual([]);
    expect(requestsOf(sb, INSERTS)).toBe(0);
    expect(events.refreshes).toEqual([false]);
    const text = JSON.stringify(outcome);
    for (const secret of ['1000.revoked.refresh', CLIENT_SECRET, CLIENT_ID]) expect(text).not.toContain(secret);
    expect((outcome as { message: string }).message).toContain('invalid_code');
    // GETs throw the same error.
    const error = (await client.get('/crm/v2/settings/modules').catch((e: unknown) => e)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(legacyErrorOf(error).code).toBe('4500');
  });

  it('an unknown client id is HTTP 200 {"error":"invalid_client"}: 4500', async () => {
    sb = await sandbox();
    const { client } = track(clientFor(sb.url, { clientId: '1000.UNKNOWNCLIENT' }));
    const { outcome } = await client.execute(insertLead('Never'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: false });
    expect((outcome as { message: string }).message).toContain('invalid_client');
    expect((outcome as { message: string }).message).not.toContain('1000.UNKNOWNCLIENT');
  });

  it('a refused refresh is shared by concurrent callers and backed off: no new refresh until the pause ends', async () => {
    sb = await sandbox();
    const clock = { now: Date.UTC(2024, 0, 1) };
    const { client } = track(clientFor(sb.url, { refreshToken: '1000.bad.refresh' }, { now: () => clock.now }));
    const results = await Promise.all(Array.from({ length: 20 }, () => client.execute(insertLead('x'), 'insert')));
    expect(results.every((r) => r.outcome.kind === 'failure' && legacyOutcome(r.outcome).error?.code === '4500')).toBe(true);
    expect(grants(sb).errors).toBe(1);
    // Within the back-off every call fails at once with the same reason: no refresh storm.
    for (let i = 0; i < 10; i += 1) {
      const { outcome } = await client.execute(insertLead('x'), 'insert');
      expect((outcome as { message: string }).message).toContain('invalid_code');
    }
    expect(grants(sb).errors).toBe(1);
    expect(client.tokens.health()).toMatchObject({ ok: false, reason: expect.stringContaining('invalid_code') });
    clock.now += 5_001;
    await client.execute(insertLead('x'), 'insert');
    expect(grants(sb).errors).toBe(2);
    // The pause doubles after a second refusal.
    clock.now += 5_001;
    await client.execute(insertLead('x'), 'insert');
    expect(grants(sb).errors).toBe(2);
    clock.now += 5_000;
    await client.execute(insertLead('x'), 'insert');
    expect(grants(sb).errors).toBe(3);
  });

  it('an unreachable accounts server: refresh retried, then 4500 not in doubt, nothing sent', async () => {
    sb = await sandbox();
    const accounts = `http://127.0.0.1:${await freePort()}`;
    const { client, events } = track(clientFor(sb.url, { accountsUrl: accounts }));
    const { outcome, calls } = await client.execute(insertLead('Unreached'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: false });
    expect((outcome as { message: string }).message).toMatch(/token refresh failed: ECONNREFUSED/);
    expect(calls).toEqual([]);
    expect(events.retries).toEqual(['network', 'network', 'network']);
    expect(requestsOf(sb, INSERTS)).toBe(0);
  });

  it('clients sharing a token store: a revoked token is replaced once, a newer one is not deleted', async () => {
    sb = await sandbox();
    const store = new MemoryTokenStore();
    const a = track(clientFor(sb.url, {}, { tokenStore: store }));
    const b = track(clientFor(sb.url, {}, { tokenStore: store }));
    await a.client.execute(insertLead('A1'), 'insert');
    await b.client.execute(insertLead('B1'), 'insert'); // reads A's token from the store
    expect(grants(sb).refresh_token).toBe(1);
    sb.state.revokeAllTokens();
    expect((await a.client.execute(insertLead('A2'), 'insert')).calls[0].attempts).toBe(2); // 401, refresh, retry
    expect(grants(sb).refresh_token).toBe(2);
    // B still holds the revoked token: its 401 must not delete A's fresh token, and B picks that one up.
    const { outcome, calls } = await b.client.execute(insertLead('B2'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0].attempts).toBe(2);
    expect(grants(sb).refresh_token).toBe(2);
    expect((await b.client.tokens.getToken()).accessToken).toBe((await a.client.tokens.getToken()).accessToken);
  });

  it('a token store that fails does not stop calls, not even the INVALID_TOKEN recovery', async () => {
    sb = await sandbox();
    const broken: TokenStore = {
      get: () => Promise.reject(new Error('store down')),
      set: () => Promise.reject(new Error('store down')),
      delete: () => Promise.reject(new Error('store down')),
    };
    const { client, events } = track(clientFor(sb.url, {}, { tokenStore: broken }));
    expect((await client.execute(insertLead('S1'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
    sb.state.revokeAllTokens();
    const { outcome, calls } = await client.execute(insertLead('S2'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0].attempts).toBe(2);
    expect(events.retries).toEqual(['invalid-token']);
    sb.state.revokeAllTokens();
    expect((await client.get('/crm/v2/settings/modules')).status).toBe(200);
  });
});

describe('a shared store that cannot forget', () => {
  it('a revoked token the store still hands out is not used again', async () => {
    sb = await sandbox();
    // Another process stored a token that has since been revoked; this store's deletes fail (read-only file).
    const stale = { accessToken: '1000.revoked.elsewhere', apiDomain: sb.url, expiresAt: Date.now() + 3600_000 };
    let current = stale;
    const sticky: TokenStore = {
      get: async () => ({ ...current }),
      set: async (_key, token) => void (current = token),
      delete: () => Promise.reject(new Error('EROFS')),
    };
    const { client, events } = track(clientFor(sb.url, {}, { tokenStore: sticky }));
    const { outcome, calls } = await client.execute(insertLead('Sticky'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0].attempts).toBe(2);
    expect(events.retries).toEqual(['invalid-token']);
    expect(grants(sb).refresh_token).toBe(1);
  });

  it('…also when its set fails too', async () => {
    sb = await sandbox();
    const stale = { accessToken: '1000.revoked.elsewhere', apiDomain: sb.url, expiresAt: Date.now() + 3600_000 };
    const readOnly: TokenStore = {
      get: async () => ({ ...stale }),
      set: () => Promise.reject(new Error('EROFS')),
      delete: () => Promise.reject(new Error('EROFS')),
    };
    const { client } = track(clientFor(sb.url, {}, { tokenStore: readOnly }));
    for (let i = 0; i < 3; i++) {
      expect((await client.execute(insertLead(`RO ${i}`), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
    }
    expect(grants(sb).refresh_token).toBe(1);
  });
});

describe('retries per operation against the sandbox', () => {
  it('500 on an upsert is retried and applied once', async () => {
    sb = await sandbox();
    const { client, events } = track(clientFor(sb.url));
    sb.state.setFaults({ failNext: { count: 2, kind: '500' } });
    const { outcome, calls } = await client.execute(upsertLead('Ups', 'ups@example.com', 'First'), 'upsert');
    expect(outcome).toMatchObject({ kind: 'response' });
    expect(calls[0]).toMatchObject({ attempts: 3, status: (outcome as { status: number }).status });
    expect(events.retries).toEqual(['5xx', '5xx']);
    expect(requestsOf(sb, UPSERTS)).toBe(3);
    expect(leads(sb, 'Ups')).toHaveLength(1);
  });

  it('500 after an upsert was applied: the retry updates the same record', async () => {
    sb = await sandbox();
    const { client } = track(clientFor(sb.url));
    sb.state.setFaults({ failNext: { count: 1, kind: '500', applyAfterProcessing: true } });
    const { outcome } = await client.execute(upsertLead('Twice', 'twice@example.com', 'Same'), 'upsert');
    expect(outcome).toMatchObject({ kind: 'response' });
    expect(requestsOf(sb, UPSERTS)).toBe(2);
    expect(leads(sb, 'Twice')).toHaveLength(1); // the duplicate-check field made the resend safe
  });

  it('a reset on an update is retried; on an insert it is in doubt with one request', async () => {
    sb = await sandbox();
    const { client } = track(clientFor(sb.url));
    const id = await insertId(client, 'Resettable');
    sb.state.setFaults({ failNext: { count: 1, kind: 'reset' } });
    const update = await client.execute(updateLead(id, { Company: 'After reset' }), 'update');
    expect(update.outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(update.calls[0].attempts).toBe(2);
    expect(requestsOf(sb, UPDATES)).toBe(2);
    sb.state.setFaults({ failNext: { count: 1, kind: 'reset', applyAfterProcessing: true } });
    const insert = await client.execute(insertLead('Reset insert'), 'insert');
    expect(legacyOutcome(insert.outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: true });
    expect(insert.calls[0]).toMatchObject({ attempts: 1 });
    expect(insert.calls[0].status).toBeUndefined();
    expect(requestsOf(sb, INSERTS)).toBe(2); // the warm-up insert and this one
    expect(leads(sb, 'Reset insert')).toHaveLength(1);
  });

  it('a slow sandbox answer times out: insert in doubt after one request, update retried', async () => {
    sb = await sandbox({ faults: { slowMs: 20_000 } });
    const { client } = track(clientFor(sb.url, { requestTimeoutMs: 250, maxRetries: 2 }));
    const id = await insertId(client, 'Slowpoke');
    sb.state.setFaults({ slowMs: 20_000, failNext: { count: 1, kind: 'slow' } });
    const insert = await client.execute(insertLead('Slow insert'), 'insert');
    expect(legacyOutcome(insert.outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: true });
    expect((insert.outcome as { message: string }).message).toContain('timeout after 250 ms');
    expect(insert.calls[0]).toMatchObject({ attempts: 1, error: expect.stringContaining('timeout') });
    expect(requestsOf(sb, INSERTS)).toBe(2);
    sb.state.setFaults({ slowMs: 20_000, failNext: { count: 1, kind: 'slow' } });
    const update = await client.execute(updateLead(id, { Company: 'Eventually' }), 'update');
    expect(update.outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(update.calls[0]).toMatchObject({ attempts: 2, status: 200 });
    expect(update.calls[0].error).toBeUndefined(); // the record shows the last attempt
  });

  it('429 forever on an update is 4820, not in doubt (429 means not processed)', async () => {
    sb = await sandbox();
    const { client, events } = track(clientFor(sb.url, { maxRetries: 3 }));
    const id = await insertId(client, 'Limited');
    sb.state.setFaults({ failNext: { count: 100, kind: '429' } });
    const { outcome, calls } = await client.execute(updateLead(id, { Company: 'No' }), 'update');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4820' }, inDoubt: false });
    expect(calls[0]).toMatchObject({ attempts: 4, status: 429 });
    expect(events.retries).toEqual(['429', '429', '429']);
    expect(requestsOf(sb, UPDATES)).toBe(4);
  });

  it('a 429 in between does not use up the INVALID_TOKEN retry, and vice versa', async () => {
    sb = await sandbox();
    const { client, events } = track(clientFor(sb.url));
    await client.execute(insertLead('Warm'), 'insert');
    sb.state.revokeAllTokens();
    const { outcome, calls } = await client.execute(insertLead('Mixed'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    sb.state.setFaults({ failNext: { count: 1, kind: '429' } });
    const second = await client.execute(insertLead('Mixed 2'), 'insert');
    expect(second.outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(calls[0].attempts).toBe(2);
    expect(events.retries).toEqual(['invalid-token', '429']);
  });
});

describe('limits', () => {
  it('with concurrency at the sandbox\'s limit, the sandbox never answers 429', async () => {
    sb = await sandbox({ concurrencyLimit: 2, faults: { latencyMs: 15 } });
    const { client, events } = track(clientFor(sb.url, { concurrency: 2 }));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => client.execute(insertLead(`Gate ${i}`), 'insert')));
    expect(results.every((r) => r.outcome.kind === 'response' && r.outcome.status === 201)).toBe(true);
    expect(events.retries).toEqual([]);
    expect(requestsOf(sb, INSERTS)).toBe(12);
    expect(client.limiter.inFlight).toBe(0);
  });

  it('the limiter is released after failures too', async () => {
    sb = await sandbox();
    const { client } = track(clientFor(sb.url, { concurrency: 1, maxQueue: 0, maxRetries: 0 }));
    sb.state.setFaults({ failNext: { count: 3, kind: '500' } });
    for (let i = 0; i < 3; i++) expect((await client.execute(insertLead(`F${i}`), 'insert')).outcome.kind).toBe('failure');
    expect(client.limiter.inFlight).toBe(0);
    expect((await client.execute(insertLead('OK'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
  });

  it('a local credit budget over a rolling day with an injected clock; unprocessed calls are refunded', async () => {
    const clock = { now: Date.UTC(2024, 0, 1) };
    sb = await sandbox({ now: () => clock.now });
    const { client } = track(clientFor(sb.url, { creditsPerDay: 3, maxRetries: 1 }, { now: () => clock.now }));
    expect((await client.execute(insertLead('c1'), 'insert')).outcome.kind).toBe('response');
    // A 429 was not processed: its credit comes back.
    sb.state.setFaults({ failNext: { count: 2, kind: '429' } });
    expect(legacyOutcome((await client.execute(insertLead('c429'), 'insert')).outcome)).toMatchObject({ error: { code: '4820' } });
    expect(await client.credits.used()).toBe(1);
    // A 500 on an insert was processed (maybe applied): it is charged.
    sb.state.setFaults({ failNext: { count: 1, kind: '500' } });
    expect((await client.execute(insertLead('c500'), 'insert')).outcome).toMatchObject({ inDoubt: true });
    expect(await client.credits.used()).toBe(2);
    clock.now += 60_000;
    expect((await client.execute(insertLead('c3'), 'insert')).outcome.kind).toBe('response');
    expect(await client.credits.remaining()).toBe(0);
    const before = requestsOf(sb, INSERTS);
    const refused = await client.execute(insertLead('c4'), 'insert');
    expect(legacyOutcome(refused.outcome)).toMatchObject({ kind: 'failure', error: { code: '4820' }, inDoubt: false });
    expect((refused.outcome as { message: string }).message).toContain('credit budget of 3 per day');
    expect(requestsOf(sb, INSERTS)).toBe(before);
    const get = await client.get('/crm/v2/settings/modules').catch((e: unknown) => e);
    expect(legacyErrorOf(get).code).toBe('4820');
    // The first two reservations leave the window 24 h after they were made; the third stays.
    clock.now += DAY_MS - 60_000;
    expect(await client.credits.used()).toBe(1);
    expect((await client.execute(insertLead('c5'), 'insert')).outcome.kind).toBe('response');
    expect((await client.execute(insertLead('c6'), 'insert')).outcome.kind).toBe('response');
    expect(legacyOutcome((await client.execute(insertLead('c7'), 'insert')).outcome)).toMatchObject({ error: { code: '4820' } });
  });
});

describe('answers the client passes on (local server)', () => {
  it('a 401 that is not INVALID_TOKEN is not retried: execute returns it, get throws 4500', async () => {
    let hits = 0;
    local = await localServer(withTokenEndpoint((_req, res) => {
      hits++;
      json(res, 401, { code: 'OAUTH_SCOPE_MISMATCH', details: {}, message: 'invalid oauth scope to access this URL', status: 'error' });
    }));
    const { client, events } = track(clientFor(local.url));
    const { outcome, calls } = await client.execute(insertLead('Scope'), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 401, body: { code: 'OAUTH_SCOPE_MISMATCH' } });
    expect(calls[0].attempts).toBe(1);
    const error = (await client.get('/crm/v2/settings/modules').catch((e: unknown) => e)) as UpstreamError;
    expect(legacyErrorOf(error).code).toBe('4500');
    expect(error.v2Code).toBe('OAUTH_SCOPE_MISMATCH');
    expect(hits).toBe(2);
    expect(events.retries).toEqual([]);
  });

  it('an observer that throws never breaks a call', async () => {
    local = await localServer(withTokenEndpoint((_req, res) => json(res, 201, { data: [] })));
    const boom = () => {
      throw new Error('observer bug');
    };
    const client = new ZohoClient(profileFor(local.url), {
      sleep: noSleep,
      observer: { onUpstreamCall: boom, onRetry: boom, onTokenRefresh: boom, onCredits: boom },
    });
    clients.push(client);
    expect((await client.execute(insertLead('Robust'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
  });

  it('GET query values are percent-encoded (no "+" for spaces), the path carries no query in the record', async () => {
    let url = '';
    local = await localServer(withTokenEndpoint((req, res) => {
      url = req.url ?? '';
      json(res, 200, { data: [] });
    }));
    const { client } = track(clientFor(local.url));
    const { calls } = await client.get('/crm/v2/Leads/search', { criteria: '(Last_Name:equals:a b+c\\,d)', email: 'x@y.z' });
    expect(url).toBe('/crm/v2/Leads/search?criteria=(Last_Name%3Aequals%3Aa%20b%2Bc%5C%2Cd)&email=x%40y.z');
    expect(calls[0].path).toBe('/crm/v2/Leads/search');
  });
});
