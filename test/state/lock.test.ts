import { describe, expect, it } from 'vitest';
import { duplicateLockKey, MemoryKeyedLock } from '../../src/state/lock.js';

describe('MemoryKeyedLock', () => {
  it('keeps no memory for keys nobody holds', async () => {
    const lock = new MemoryKeyedLock();
    const units = await Promise.all(Array.from({ length: 50 }, (_, i) => lock.acquire([`k${i % 5}`, `k${(i + 1) % 5}`])).map(async (p) => (await p)()));
    expect(units).toHaveLength(50);
    expect(lock.size).toBe(0);
  });

  it('keys separate profile, module and value', () => {
    const keys = new Set([
      duplicateLockKey('p', 'Leads', 'a@x.io'),
      duplicateLockKey('p', 'Contacts', 'a@x.io'),
      duplicateLockKey('q', 'Leads', 'a@x.io'),
      duplicateLockKey('p', 'Leads', 'b@x.io'),
    ]);
    expect(keys.size).toBe(4);
  });
});
