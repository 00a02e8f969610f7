/**
 * The v2 client and the two kinds of 429 (issue 17 item 8): a credits-exhausted 429 is not retried, answers
 * 4820 at once and stops the profile until the reset the answer names (or `creditsPauseMs` when it names none);
 * meanwhile calls are refused without reaching v2.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { ZohoClient } from '../../src/zoho/client.js';
import { DEFAULT_CREDITS_PAUSE_MS } from '../../src/zoho/rate-limit.js';
import { clientFor, insertLead, json, localServer, requestsOf, sandbox, withTokenEndpoint, type LocalServer } from './helpers.js';

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

describe('credits-exhausted 429', () => {
  it('the sandbox\'s spent budget: one attempt, rate-limited (v1 4820), stopped until its X-RATELIMIT-RESET; nothing sent meanwhile', async () => {
    let now = Date.UTC(2026, 4, 4, 10, 0, 0);
    const clock = () => now;
    sb = await sandbox({ creditsPerDay: 2, now: clock, tokenLifetimeSeconds: 200_000 });
    let e;
    ({ client, events: e } = clientFor(sb.url, {}, { now: clock }));
    expect((await client.execute(insertLead('one'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
    expect((await client.execute(insertLead('two'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
    const spentAt = now;
    now += 60_000;
    const refused = await client.execute(insertLead('three'), 'insert');
    expect(refused.outcome).toMatchObject({ kind: 'failure', reason: 'rate-limited', inDoubt: false });
    expect(refused.calls).toMatchObject([{ status: 429, attempts: 1 }]);
    expect(e.retries).toEqual([]);
    // The first credit frees when the first insert leaves the 24 h window.
    expect(client.credits.stoppedUntil()).toBe(spentAt + 86_400_000);

    const sent = requestsOf(sb, INSERTS);
    const again = await client.execute(insertLead('four'), 'insert');
    expect(again.outcome).toMatchObject({ kind: 'failure', reason: 'rate-limited' });
    expect(again.outcome.kind === 'failure' && again.outcome.message).toMatch(/credits are exhausted until 2026-05-05T10:00:00.000Z/);
    expect(again.calls).toEqual([]);
    await expect(client.get('/crm/v2/settings/modules')).rejects.toMatchObject({ reason: 'rate-limited' });
    expect(requestsOf(sb, INSERTS)).toBe(sent);

    now = spentAt + 86_400_000; // the reset time: the stop lifts by itself
    expect(client.credits.stoppedUntil()).toBeUndefined();
    expect((await client.execute(insertLead('five'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
  });

  it.each([
    ['Retry-After seconds', { 'x-api-credits-remaining': '0', 'retry-after': '7200' }, 7_200_000],
    ['X-RATELIMIT-RESET epoch ms', { 'x-ratelimit-day-remaining': '0', 'x-ratelimit-reset': 'RESET' }, 5_400_000],
    ['no reset header: creditsPauseMs', { 'x-ratelimit-day-remaining': '0' }, 900_000],
    ['no header at all, the credits message', {}, 900_000],
  ] as const)('%s decides the stop', async (_name, headers, pauseMs) => {
    const now = Date.UTC(2026, 4, 4, 10, 0, 0);
    let seen = 0;
    local = await localServer(
      withTokenEndpoint((_req, res) => {
        seen++;
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(headers)) h[k] = v === 'RESET' ? String(now + 5_400_000) : v;
        json(res, 429, { code: 'TOO_MANY_REQUESTS', details: {}, message: 'API credits exhausted for the rolling 24-hour window', status: 'error' }, h);
      }),
    );
    ({ client } = clientFor(local.url, { apiDomain: local.url, creditsPauseMs: 900_000 }, { now: () => now }));
    const { outcome } = await client.execute(insertLead('x'), 'insert');
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'rate-limited' });
    expect(seen).toBe(1);
    expect(client.credits.stoppedUntil()).toBe(now + pauseMs);
  });

  it('without creditsPauseMs the fallback is one hour', async () => {
    const now = Date.UTC(2026, 4, 4, 10, 0, 0);
    local = await localServer(withTokenEndpoint((_req, res) => json(res, 429, {}, { 'x-api-credits-remaining': '0' })));
    ({ client } = clientFor(local.url, { apiDomain: local.url }, { now: () => now }));
    await client.execute(insertLead('x'), 'insert');
    expect(client.credits.stoppedUntil()).toBe(now + DEFAULT_CREDITS_PAUSE_MS);
  });

  it('a concurrency 429 (credits left) is retried and never stops the profile', async () => {
    let calls = 0;
    local = await localServer(
      withTokenEndpoint((_req, res) => {
        calls++;
        if (calls === 1) return json(res, 429, { code: 'TOO_MANY_REQUESTS', details: {}, message: 'Many requests fired in concurrent than the allowed limit', status: 'error' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-day-remaining': '4000', 'retry-after': '1' });
        json(res, 201, { data: [{ code: 'SUCCESS', details: { id: '1' }, message: 'record added', status: 'success' }] });
      }),
    );
    let e;
    ({ client, events: e } = clientFor(local.url, { apiDomain: local.url }));
    expect((await client.execute(insertLead('x'), 'insert')).outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(e.retries).toEqual(['429']);
    expect(client.credits.stoppedUntil()).toBeUndefined();
  });
});
