/**
 * The SharedCache contract (name → id lookup cache) and the NoteParentStore contract (record id → module of a
 * Notes parent), run against every implementation: in-process MemoryCache and RedisCache.
 */
import { expect, it } from 'vitest';
import type { SharedCache } from '../../../src/state/cache.js';
import type { NoteParentStore } from '../../../src/zoho/records.js';
import { waitUntil, type Views } from './util.js';

export function sharedCacheContract(views: Views<SharedCache>): void {
  it('a value set on one view is read on the other; a missing key reads undefined', async () => {
    const [a, b] = await views();
    expect(await b.get('Accounts\u0000zylker')).toBeUndefined();
    await a.set('Accounts\u0000zylker', '3652397000000100001', 60_000);
    expect(await b.get('Accounts\u0000zylker')).toBe('3652397000000100001');
    await b.set('Accounts\u0000zylker', '3652397000000100002', 60_000);
    expect(await a.get('Accounts\u0000zylker')).toBe('3652397000000100002');
  });

  it('keys that differ in case, space or script are different keys', async () => {
    const [a, b] = await views();
    const keys = ['Accounts\u0000Zylker', 'Accounts\u0000zylker', 'Accounts\u0000zylker ', 'Accounts\u0000Zÿlker', 'Contacts\u0000zylker', 'a:b', 'a\u0000b:'];
    await Promise.all(keys.map((k, i) => a.set(k, String(i), 60_000)));
    expect(await Promise.all(keys.map((k) => b.get(k)))).toEqual(keys.map((_, i) => String(i)));
  });

  it('nothing is stored with a lifetime <= 0', async () => {
    const [a, b] = await views();
    await a.set('zero', 'x', 0);
    await a.set('negative', 'x', -5);
    expect(await b.get('zero')).toBeUndefined();
    expect(await b.get('negative')).toBeUndefined();
  });

  it('an entry expires after its lifetime', async () => {
    const [a, b] = await views();
    await a.set('short', 'x', 40);
    await a.set('long', 'y', 600_000);
    await waitUntil(async () => (await b.get('short')) === undefined, 'the short entry expires');
    expect(await b.get('long')).toBe('y');
  });
}

export function noteParentStoreContract(views: Views<NoteParentStore>): void {
  it('a parent remembered on one view is known on the other; unknown ids read undefined', async () => {
    const [a, b] = await views();
    expect(await b.get('3652397000000999999')).toBeUndefined();
    await a.set('3652397000000200001', 'Deals');
    await a.set('3652397000000200002', 'Contacts');
    expect(await b.get('3652397000000200001')).toBe('Deals');
    expect(await b.get('3652397000000200002')).toBe('Contacts');
  });

  it('a later answer for the same id replaces the earlier one', async () => {
    const [a, b] = await views();
    await a.set('3652397000000200003', 'Leads');
    await b.set('3652397000000200003', 'Contacts'); // converted
    expect(await a.get('3652397000000200003')).toBe('Contacts');
  });
}
