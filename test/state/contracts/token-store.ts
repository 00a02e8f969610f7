/**
 * The TokenStore contract (OAuth access tokens per credential key), run against every implementation: in-process
 * MemoryTokenStore, FileTokenStore (two stores on one file = two processes), RedisTokenStore (two connections).
 * The optional parts (exclusive refresh, refused-token events) are checked where an implementation has them.
 */
import { expect, it } from 'vitest';
import type { StoredToken, TokenStore } from '../../../src/zoho/tokens.js';
import { turns, waitUntil, type Views } from './util.js';

const token = (accessToken: string): StoredToken => ({ accessToken, apiDomain: 'https://www.zohoapis.eu', expiresAt: Date.now() + 3_600_000 });

export function tokenStoreContract(views: Views<TokenStore>): void {
  it('a stored token is read back by the other view; a missing key reads undefined', async () => {
    const [a, b] = await views();
    expect(await b.get('k-missing')).toBeUndefined();
    const t = token('1000.aaa.bbb');
    await a.set('k1', t);
    expect(await b.get('k1')).toEqual(t);
    await b.set('k1', token('1000.ccc.ddd'));
    expect((await a.get('k1'))?.accessToken).toBe('1000.ccc.ddd');
  });

  it('delete with onlyIf is compare-and-delete: a newer token is kept; without onlyIf it goes', async () => {
    const [a, b] = await views();
    const t = token('1000.old.token');
    await a.set('k2', t);
    await b.delete('k2', '1000.some.other');
    expect(await a.get('k2')).toEqual(t);
    await b.delete('k2', t.accessToken);
    expect(await a.get('k2')).toBeUndefined();
    await a.set('k2', t);
    await b.delete('k2');
    expect(await a.get('k2')).toBeUndefined();
  });

  it('keys are independent', async () => {
    const [a, b] = await views();
    await a.set('k3', token('1000.three'));
    await a.set('k4', token('1000.four'));
    await b.delete('k3');
    expect((await b.get('k4'))?.accessToken).toBe('1000.four');
  });

  it('exclusive (where offered): one holder of a key across views at a time, then the next sees its token', async () => {
    const [a, b] = await views();
    if (!a.exclusive || !b.exclusive) return expect(a.exclusive ?? b.exclusive).toBeUndefined();
    let inside = 0;
    let max = 0;
    let refreshes = 0;
    const obtain = (store: TokenStore) =>
      store.exclusive!('k5', async () => {
        inside++;
        max = Math.max(max, inside);
        const stored = await store.get('k5');
        if (!stored) {
          refreshes++;
          await turns(5);
          await store.set('k5', token('1000.fresh'));
        }
        inside--;
        return (await store.get('k5'))!.accessToken;
      });
    const got = await Promise.all(Array.from({ length: 10 }, (_, i) => obtain(i % 2 ? a : b)));
    expect(max).toBe(1);
    expect(refreshes).toBe(1);
    expect(new Set(got)).toEqual(new Set(['1000.fresh']));
  });

  it('refused tokens (where announced) reach the other view by hash, never the token', async () => {
    const [a, b] = await views();
    if (!b.onRefused) return expect(a.onRefused).toBeUndefined();
    const heard: string[] = [];
    const stop = b.onRefused((key, hash) => heard.push(`${key}:${hash}`));
    const t = token('1000.secret.refused');
    await a.set('k6', t);
    await a.delete('k6', t.accessToken);
    await waitUntil(() => heard.length >= 1, 'the refusal is announced');
    expect(heard[0]).toMatch(/^k6:[0-9a-f]{32}$/);
    expect(heard.join()).not.toContain('secret');
    stop();
  });

  it('refresh failures (where shared) reach the other view until their time; a fresh token clears them', async () => {
    const [a, b] = await views();
    if (!a.noteRefreshFailure || !b.refreshFailure) return expect(a.refreshFailure ?? b.noteRefreshFailure).toBeUndefined();
    expect(await b.refreshFailure('k7')).toBeUndefined();
    const failure = { message: 'profile p: token refresh refused: invalid_code', reason: 'oauth-refused', status: 200, v2Code: 'invalid_code', until: Date.now() + 600_000, backoffMs: 5000 };
    await a.noteRefreshFailure('k7', failure);
    expect(await b.refreshFailure('k7')).toEqual(failure);
    expect(await b.refreshFailure('k8')).toBeUndefined();
    await b.set('k7', token('1000.after.failure'));
    expect(await a.refreshFailure('k7')).toBeUndefined();
    await a.noteRefreshFailure('k7', { ...failure, until: Date.now() + 30 });
    await waitUntil(async () => (await b.refreshFailure('k7')) === undefined, 'the failure ends at its time');
  });
}
