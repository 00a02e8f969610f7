import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../src/sandbox/faults.js';
import { creditCost } from '../../src/sandbox/limits.js';
import { DEMO_USER, manualClock, refreshGrant, sandbox } from './helpers.js';

const lead = { Last_Name: 'Boyle', Company: 'Zylker' };
const tooMany = { code: 'TOO_MANY_REQUESTS', details: {}, message: 'Many requests fired in concurrent than the allowed limit', status: 'error' };
const creditsSpent = { code: 'TOO_MANY_REQUESTS', details: {}, message: 'API credits exhausted for the rolling 24-hour window', status: 'error' };

/** Wait (without timing assertions) until `predicate` holds. */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!predicate()) throw new Error('condition never held');
}

describe('rate limits', () => {
  it('credit cost: ceil(n/10) per write, at most 10; 1 for anything else', () => {
    expect([creditCost(true, 1), creditCost(true, 10), creditCost(true, 11), creditCost(true, 100), creditCost(false, 50)]).toEqual([1, 1, 2, 10, 1]);
  });

  it('concurrency limit per user and app → 429 while a request is in flight', async () => {
    const t = await sandbox({ concurrencyLimit: 1, faults: { latencyMs: 60_000 } });
    const held = t.http.get('/crm/v2/settings/modules').set(t.auth).then(
      () => 'answered',
      () => 'dropped',
    );
    await until(() => t.sb.state.concurrency!.current(`${DEMO_USER.id}:1000.SANDBOXDEMOCLIENT`) === 1);
    const res = await t.http.get('/crm/v2/settings/modules').set(t.auth);
    expect(res.status).toBe(429);
    expect(res.body).toEqual(tooMany);
    expect(res.headers['x-ratelimit-limit']).toBe('1');
    await t.sb.close();
    expect(await held).toBe('dropped');
  });

  it('concurrency slots are released after the answer', async () => {
    const t = await sandbox({ concurrencyLimit: 1 });
    for (let i = 0; i < 3; i++) expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(200);
  });

  it('rolling 24h credit budget → the credits 429 (its own message and headers) when spent, recovers after the window', async () => {
    const clock = manualClock();
    const t = await sandbox({ creditsPerDay: 4, now: clock.now, tokenLifetimeSeconds: 200_000 });
    const write = await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: Array.from({ length: 25 }, () => lead) }); // 3 credits
    expect(write.status).toBe(202);
    expect(write.headers['x-ratelimit-day-remaining']).toBe('1');
    const spentAt = clock.now();
    clock.advance(60_000);
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(200); // 1 credit
    const refused = await t.http.get('/crm/v2/settings/modules').set(t.auth);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(creditsSpent);
    expect(refused.body.message).not.toBe(tooMany.message);
    expect(refused.headers['x-ratelimit-day-limit']).toBe('4');
    expect(refused.headers['x-ratelimit-day-remaining']).toBe('0');
    expect(refused.headers['x-api-credits-remaining']).toBe('0');
    // One credit is needed: it frees when the write (3 credits, the oldest) leaves the window.
    expect(refused.headers['x-ratelimit-reset']).toBe(String(spentAt + 86_400_000));
    expect(refused.headers['retry-after']).toBe(String(86_400 - 60));
    expect(t.sb.state.records('Leads')).toHaveLength(25);
    clock.advance(86_400_000 - 60_000);
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(200);
  });

  it('the concurrency 429 carries X-RATELIMIT-LIMIT/REMAINING/RESET and Retry-After', async () => {
    const t = await sandbox({ concurrencyLimit: 1, faults: { latencyMs: 60_000 } });
    void t.http.get('/crm/v2/settings/modules').set(t.auth).then(() => undefined, () => undefined);
    await until(() => t.sb.state.concurrency!.current(`${DEMO_USER.id}:1000.SANDBOXDEMOCLIENT`) === 1);
    const res = await t.http.get('/crm/v2/settings/modules').set(t.auth);
    expect(res.status).toBe(429);
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['x-ratelimit-day-remaining']).toBeUndefined();
  });

  it.each([
    ['429', 'concurrency', { 'x-ratelimit-remaining': '0', 'retry-after': '1' }],
    ['429-credits', 'credits', { 'x-ratelimit-day-remaining': '0', 'x-api-credits-remaining': '0', 'retry-after': '3600' }],
  ] as const)('injected %s (%s) carries its headers', async (kind, _name, expected) => {
    const t = await sandbox();
    t.sb.state.setFaults({ failNext: { count: 1, kind } });
    const res = await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    expect(res.status).toBe(429);
    expect(res.body).toEqual(kind === '429' ? tooMany : creditsSpent);
    expect(res.headers).toMatchObject(expected);
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
  });
});

describe('random faults', () => {
  it('errorRate 1 → 500 INTERNAL_ERROR', async () => {
    const t = await sandbox({ faults: { errorRate: 1 } });
    const res = await t.http.get('/crm/v2/settings/modules').set(t.auth);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'INTERNAL_ERROR', details: {}, message: 'Internal server error occurred.', status: 'error' });
  });

  it('rateLimitRate 1 → 429', async () => {
    const t = await sandbox({ faults: { rateLimitRate: 1 } });
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(429);
  });

  it('resetRate 1 → the connection is destroyed without an answer', async () => {
    const t = await sandbox({ faults: { resetRate: 1 } });
    await expect(fetch(`${t.sb.url}/crm/v2/settings/modules`, { headers: t.auth })).rejects.toThrow();
  });

  it('slowRate 1 → no answer within the client timeout', async () => {
    const t = await sandbox({ faults: { slowRate: 1, slowMs: 60_000 } });
    await expect(t.http.get('/crm/v2/settings/modules').set(t.auth).timeout(150)).rejects.toThrow(/Timeout/i);
  });

  it('onlyWrites leaves reads alone', async () => {
    const t = await sandbox({ faults: { errorRate: 1, onlyWrites: true } });
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(200);
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(500);
    expect(t.sb.state.records('Leads')).toHaveLength(0);
  });

  it('the same faultSeed gives the same sequence; another seed differs', () => {
    const run = (seed: number) => {
      const f = new FaultInjector({ errorRate: 0.5, faultSeed: seed }, () => {});
      return Array.from({ length: 40 }, () => f.decide(false).fail ?? '-').join('');
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    expect(run(7)).toMatch(/500/);
    expect(run(7)).toMatch(/-/);
  });
});

describe('deterministic faults: failNext', () => {
  it('fails the next N writes only; reads do not consume it', async () => {
    const t = await sandbox({ faults: { failNext: { count: 2, kind: '500' } } });
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(200);
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(500);
    expect((await t.http.put('/crm/v2/Leads').set(t.auth).send({ data: [{ id: '1' }] })).status).toBe(500);
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(201);
    expect(t.sb.state.records('Leads')).toHaveLength(1);
  });

  it('applyAfterProcessing: the insert is applied, then 500 is answered (in doubt)', async () => {
    const t = await sandbox();
    t.sb.state.setFaults({ failNext: { count: 1, kind: '500', applyAfterProcessing: true } });
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(500);
    expect(t.sb.state.records('Leads')).toHaveLength(1);
  });

  it('kinds 429, reset and slow', async () => {
    const t = await sandbox();
    const post = () => t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    t.sb.state.setFaults({ failNext: { count: 1, kind: '429' } });
    expect((await post()).status).toBe(429);
    t.sb.state.setFaults({ failNext: { count: 1, kind: 'reset', applyAfterProcessing: true } });
    await expect(post()).rejects.toThrow();
    expect(t.sb.state.records('Leads')).toHaveLength(1);
    t.sb.state.setFaults({ failNext: { count: 1, kind: 'slow', applyAfterProcessing: true }, slowMs: 60_000 });
    await expect(post().timeout(150)).rejects.toThrow(/Timeout/i);
    expect(t.sb.state.records('Leads')).toHaveLength(2);
  });

  it('invalid-token: 401 and the token is gone; a fresh token works', async () => {
    const t = await sandbox({ faults: { failNext: { count: 1, kind: 'invalid-token' } } });
    const res = await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_TOKEN');
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(401);
    const fresh = await refreshGrant(t.sb);
    expect((await t.http.post('/crm/v2/Leads').set('Authorization', `Zoho-oauthtoken ${fresh}`).send({ data: [lead] })).status).toBe(201);
  });
});

describe('admin endpoint /__sandbox', () => {
  it('stats count requests by route pattern and token grants', async () => {
    const t = await sandbox();
    await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    await t.http.get('/crm/v2/Leads/123').set(t.auth);
    const stats = (await request(t.sb.url).get('/__sandbox/stats')).body;
    expect(stats.requests).toMatchObject({ 'POST /crm/v2/:module': 1, 'GET /crm/v2/:module/:id': 1, 'POST /oauth/v2/token': 1 });
    expect(stats.records).toEqual({ Leads: 1 });
    expect(stats.tokenGrants.refresh_token).toBe(1);
    expect(stats.liveAccessTokens).toBe(1);
  });

  it('POST faults, revoke-tokens and reset', async () => {
    const t = await sandbox();
    await request(t.sb.url).post('/__sandbox/faults').send({ errorRate: 1 }).expect(200);
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(500);
    await request(t.sb.url).post('/__sandbox/faults').send({}).expect(200);
    await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] }).expect(201);
    await request(t.sb.url).post('/__sandbox/reset').expect(200);
    expect(t.sb.state.records('Leads')).toHaveLength(0);
    expect((await request(t.sb.url).get('/__sandbox/stats')).body.requests).toEqual({});
    await request(t.sb.url).post('/__sandbox/revoke-tokens').expect(200);
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(401);
  });

  it('faults.revokeAllTokens acts once (a token revoked mid-run)', async () => {
    const t = await sandbox();
    t.sb.state.setFaults({ revokeAllTokens: true });
    expect((await t.http.get('/crm/v2/settings/modules').set(t.auth)).status).toBe(401);
    const fresh = await refreshGrant(t.sb);
    expect((await t.http.get('/crm/v2/settings/modules').set('Authorization', `Zoho-oauthtoken ${fresh}`)).status).toBe(200);
  });
});
