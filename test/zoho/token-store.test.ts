/** Token stores: the file store's mode, atomic replacement, compare-and-delete and tolerance of a bad file. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTokenStore, MemoryTokenStore, tokenKey, type StoredToken, type TokenStore } from '../../src/zoho/tokens.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'zbridge-store-'));
const token = (accessToken: string, expiresAt = 1_700_000_000_000): StoredToken => ({
  accessToken,
  apiDomain: 'https://www.zohoapis.eu',
  expiresAt,
});

describe.each([
  ['MemoryTokenStore', (): TokenStore => new MemoryTokenStore()],
  ['FileTokenStore', (): TokenStore => new FileTokenStore(join(dir(), 'tokens.json'))],
])('%s', (_name, create) => {
  it('stores, reads back and forgets per key', async () => {
    const store = create();
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', token('1000.a.a'));
    await store.set('b', token('1000.b.b', 5));
    expect(await store.get('a')).toEqual(token('1000.a.a'));
    expect(await store.get('b')).toEqual(token('1000.b.b', 5));
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toEqual(token('1000.b.b', 5));
  });

  it('delete with onlyIf removes only while the stored token is that one', async () => {
    const store = create();
    await store.set('k', token('1000.new.new'));
    await store.delete('k', '1000.old.old'); // another process already replaced the revoked token
    expect((await store.get('k'))?.accessToken).toBe('1000.new.new');
    await store.delete('k', '1000.new.new');
    expect(await store.get('k')).toBeUndefined();
    await store.delete('k', '1000.new.new'); // nothing left: harmless
    expect(await store.get('k')).toBeUndefined();
  });

  it('hands out copies: changing a read token does not change the store', async () => {
    const store = create();
    await store.set('k', token('1000.x.x'));
    const read = (await store.get('k'))!;
    read.accessToken = 'tampered';
    expect((await store.get('k'))?.accessToken).toBe('1000.x.x');
  });
});

describe('FileTokenStore on disk', () => {
  it('creates missing directories and a 0600 file, also when the file existed with a wider mode', async () => {
    const path = join(dir(), 'a', 'b', 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set('k', token('1000.one.one'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    chmodSync(path, 0o644);
    await store.set('k', token('1000.two.two'));
    expect(statSync(path).mode & 0o777).toBe(0o600); // replaced by a fresh 0600 file, not rewritten in place
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ k: token('1000.two.two') });
  });

  it('concurrent writes of one process are serialised: none is lost, no temp file stays behind', async () => {
    const folder = dir();
    const path = join(folder, 'tokens.json');
    const store = new FileTokenStore(path);
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.set(`key${i}`, token(`1000.t${i}.x`, i))));
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as Record<string, StoredToken>;
    expect(Object.keys(onDisk)).toHaveLength(25);
    expect(onDisk.key7).toEqual(token('1000.t7.x', 7));
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  });

  it('a reader never sees a half-written file (replaced atomically)', async () => {
    const path = join(dir(), 'tokens.json');
    const writer = new FileTokenStore(path);
    await writer.set('seed', token('1000.seed.seed'));
    let reads = 0;
    let broken = 0;
    const writes = Promise.all(
      Array.from({ length: 40 }, (_, i) => writer.set(`k${i}`, { ...token(`1000.${'z'.repeat(2000)}.${i}`) })),
    );
    let done = false;
    void writes.then(() => (done = true));
    while (!done) {
      try {
        JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        broken++;
      }
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    expect(broken).toBe(0);
  });

  it('a second store on the same file (another process) sees and keeps the first one\'s tokens', async () => {
    const path = join(dir(), 'tokens.json');
    const a = new FileTokenStore(path);
    const b = new FileTokenStore(path);
    await a.set('profile-a', token('1000.a.a'));
    expect(await b.get('profile-a')).toEqual(token('1000.a.a'));
    await b.set('profile-b', token('1000.b.b'));
    expect(await a.get('profile-a')).toEqual(token('1000.a.a'));
    expect(await a.get('profile-b')).toEqual(token('1000.b.b'));
  });

  it('a corrupt or foreign file reads as empty, and the next write repairs it', async () => {
    const path = join(dir(), 'tokens.json');
    writeFileSync(path, '{"k": {"accessToken": 1');
    const store = new FileTokenStore(path);
    expect(await store.get('k')).toBeUndefined();
    writeFileSync(path, JSON.stringify({ k: { accessToken: 'x' }, ok: token('1000.ok.ok'), arr: [1] }));
    expect(await store.get('k')).toBeUndefined(); // not a complete StoredToken
    expect(await store.get('ok')).toEqual(token('1000.ok.ok'));
    writeFileSync(path, 'not json at all');
    await store.set('k', token('1000.k.k'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ k: token('1000.k.k') });
  });

  it('a write that cannot happen names the file and error code, never the token', async () => {
    const folder = dir();
    const blocker = join(folder, 'file');
    writeFileSync(blocker, 'x');
    const store = new FileTokenStore(join(blocker, 'tokens.json')); // a directory that is a file
    const error = (await store.set('k', token('1000.secret.secret')).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(join(blocker, 'tokens.json'));
    expect(error.message).toMatch(/ENOTDIR|EEXIST/);
    expect(error.message).not.toContain('1000.secret.secret');
    // The queue survives a failed write.
    await expect(store.delete('k')).rejects.toThrow(/cannot write/);
  });
});

describe('tokenKey', () => {
  it('is stable, differs per credential, and reveals none of its inputs', () => {
    const key = tokenKey('https://accounts.zoho.eu', '1000.CLIENT', '1000.refresh.secret');
    expect(key).toBe(tokenKey('https://accounts.zoho.eu', '1000.CLIENT', '1000.refresh.secret'));
    expect(key).toMatch(/^zoho-token:[0-9a-f]{32}$/);
    expect(key).not.toContain('refresh');
    expect(tokenKey('https://accounts.zoho.com', '1000.CLIENT', '1000.refresh.secret')).not.toBe(key);
    expect(tokenKey('https://accounts.zoho.eu', '1000.OTHER', '1000.refresh.secret')).not.toBe(key);
    expect(tokenKey('https://accounts.zoho.eu', '1000.CLIENT', '1000.refresh.other')).not.toBe(key);
  });
});
