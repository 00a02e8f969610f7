/**
 * The state contracts (test/state/contracts/) against the in-process implementations — the same suites
 * contracts-redis.test.ts runs against Redis. An in-process "second replica" is the same object.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { MemoryCache, noteParentStore } from '../../src/state/cache.js';
import { MemoryKeyedLock } from '../../src/state/lock.js';
import { RollingCreditMeter, Semaphore } from '../../src/zoho/limiter.js';
import { FileTokenStore, MemoryTokenStore } from '../../src/zoho/tokens.js';
import { ATTACHMENT_INDEX_FILE, FileAttachmentIndex, MemoryAttachmentIndex } from '../../src/state/attachments.js';
import { attachmentIndexContract } from './contracts/attachments.js';
import { noteParentStoreContract, sharedCacheContract } from './contracts/cache.js';
import { creditMeterContract } from './contracts/credit-meter.js';
import { keyedLockContract } from './contracts/keyed-lock.js';
import { limiterContract } from './contracts/limiter.js';
import { tokenStoreContract } from './contracts/token-store.js';

const twice = <T>(x: T): [T, T] => [x, x];

describe('state contracts: in process', () => {
  describe('TokenStore: MemoryTokenStore', () => tokenStoreContract(async () => twice(new MemoryTokenStore())));
  describe('TokenStore: FileTokenStore (two stores on one file)', () =>
    tokenStoreContract(async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'zbridge-tokens-')), 'tokens.json');
      return [new FileTokenStore(file), new FileTokenStore(file)];
    }));
  describe('ConcurrencyLimiter: Semaphore', () =>
    limiterContract(async (limit, maxQueue) => {
      const s = new Semaphore(limit, maxQueue, 'p');
      return { views: twice(s), queued: async () => s.queued };
    }));
  describe('CreditMeter: RollingCreditMeter', () => creditMeterContract(async (budget, now) => twice(new RollingCreditMeter(budget, now))));
  describe('lookup cache: MemoryCache', () => sharedCacheContract(async () => twice(new MemoryCache(300_000))));
  describe('note-parent store: MemoryCache', () => noteParentStoreContract(async () => twice(noteParentStore(new MemoryCache(300_000)))));
  describe('KeyedLock: MemoryKeyedLock', () => keyedLockContract(async () => twice(new MemoryKeyedLock())));
  describe('attachment map: MemoryAttachmentIndex', () => attachmentIndexContract(async () => twice(new MemoryAttachmentIndex())));
  describe('attachment map: FileAttachmentIndex (one process; a restart reloads the file)', () => {
    const files = new WeakMap<object, string>();
    attachmentIndexContract(
      async () => {
        const file = join(mkdtempSync(join(tmpdir(), 'zbridge-attachments-')), ATTACHMENT_INDEX_FILE);
        const index = new FileAttachmentIndex(file);
        files.set(index, file);
        return twice(index);
      },
      (index) => new FileAttachmentIndex(files.get(index)!),
    );
  });
});
