/** Refreshing ahead of expiry while the accounts server is failing: calls keep going with the current token. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ZohoClient } from '../../src/zoho/client.js';
import { clientFor, insertLead, json, localServer, type LocalServer } from './helpers.js';
import { legacyOutcome } from './helpers.js';

let local: LocalServer | undefined;
let client: ZohoClient | undefined;
afterEach(async () => {
  client?.close();
  await local?.close();
  local = client = undefined;
});

describe('refresh ahead with a failing accounts server', () => {
  it('uses the still-valid token at once and retries the refresh later, not on every call', async () => {
    const clock = { now: Date.UTC(2024, 0, 1) };
    const state = { tokenHits: 0, accountsDown: false, minted: 0, v2Tokens: [] as string[] };
    local = await localServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/oauth/v2/token')) {
        state.tokenHits++;
        if (state.accountsDown) return json(res, 503, { error: 'unavailable' });
        state.minted++;
        return json(res, 200, { access_token: `1000.token${state.minted}.x`, api_domain: 'http://unused.invalid', expires_in: 1200 });
      }
      state.v2Tokens.push(String(req.headers.authorization));
      json(res, 201, { data: [] });
    });
    let e;
    ({ client, events: e } = clientFor(local.url, {}, { now: () => clock.now }));
    await client.execute(insertLead('first'), 'insert');
    expect(state.tokenHits).toBe(1);

    clock.now += 16 * 60_000; // 4 minutes left: time to refresh, but the accounts server fails
    state.accountsDown = true;
    const during = await client.execute(insertLead('during'), 'insert');
    expect(during.outcome).toMatchObject({ kind: 'response', status: 201 });
    const failedAttempts = state.tokenHits - 1;
    expect(failedAttempts).toBeGreaterThan(0);
    expect(e.refreshes).toEqual([true, false]);
    // The next calls right after do not wait for another round of failing refreshes.
    for (let i = 0; i < 5; i++) await client.execute(insertLead(`next ${i}`), 'insert');
    expect(state.tokenHits - 1).toBe(failedAttempts);
    expect(new Set(state.v2Tokens)).toEqual(new Set(['Zoho-oauthtoken 1000.token1.x']));

    // Later it tries again and, with the accounts server back, switches to a new token.
    state.accountsDown = false;
    clock.now += 60_000;
    await client.execute(insertLead('later'), 'insert');
    expect(state.v2Tokens.at(-1)).toBe('Zoho-oauthtoken 1000.token2.x');
  });

  it('once the current token is about to expire, a failing refresh fails the call', async () => {
    const clock = { now: Date.UTC(2024, 0, 1) };
    let down = false;
    local = await localServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/oauth/v2/token')) {
        if (down) return json(res, 503, {});
        return json(res, 200, { access_token: '1000.only.x', expires_in: 1200 });
      }
      json(res, 201, { data: [] });
    });
    ({ client } = clientFor(local.url, {}, { now: () => clock.now }));
    await client.execute(insertLead('first'), 'insert');
    down = true;
    clock.now += 16 * 60_000;
    expect((await client.execute(insertLead('ok'), 'insert')).outcome.kind).toBe('response');
    clock.now += 4 * 60_000 - 10_000; // 10 s left: not worth sending
    const { outcome, calls } = await client.execute(insertLead('too late'), 'insert');
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: false });
    expect(calls).toEqual([]);
  });
});
