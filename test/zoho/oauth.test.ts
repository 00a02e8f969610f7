import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { TokenManager, tokenLifetimeMs } from '../../src/zoho/oauth.js';
import { FileTokenStore, MemoryTokenStore, tokenKey } from '../../src/zoho/tokens.js';
import { CLIENT_SECRET, REFRESH_TOKEN, clientFor, insertLead, json, localServer, noSleep, profileFor, sandbox, type LocalServer } from './helpers.js';
import { legacyErrorOf } from '../../src/mapping/results.js';
import { legacyOutcome } from './helpers.js';

let sb: RunningSandbox | undefined;
let local: LocalServer | undefined;
const managers: TokenManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) m.close();
  await sb?.close();
  await local?.close();
  sb = local = undefined;
});

const grants = (s: RunningSandbox) => s.state.stats().tokenGrants.refresh_token;
function manager(url: string, options: ConstructorParameters<typeof TokenManager>[2] = {}, store = new MemoryTokenStore(), extra = {}) {
  const m = new TokenManager(profileFor(url, extra), store, { sleep: noSleep, ...options });
  managers.push(m);
  return m;
}

describe('TokenManager against the sandbox', () => {
  it('100 concurrent cold calls cause exactly one refresh', async () => {
    sb = await sandbox();
    const m = manager(sb.url);
    const tokens = await Promise.all(Array.from({ length: 100 }, () => m.getToken()));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(grants(sb)).toBe(1);
    expect(tokens[0].apiDomain).toBe(sb.url);
  });

  it('refreshes ahead of expiry (5 min by default), not before', async () => {
    let now = Date.now();
    sb = await sandbox({ now: () => now });
    const m = manager(sb.url, { now: () => now });
    const first = await m.getToken();
    expect(first.expiresAt).toBe(now + 3600_000);
    now += 54 * 60_000;
    expect((await m.getToken()).accessToken).toBe(first.accessToken);
    expect(grants(sb)).toBe(1);
    now += 2 * 60_000; // 56 min: inside the 5-minute window
    const second = await m.getToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(grants(sb)).toBe(2);
  });

  it('reads the legacy answer form: expires_in_sec seconds, expires_in in ms', async () => {
    sb = await sandbox({ tokenResponseForm: 'legacy', tokenLifetimeSeconds: 1800 });
    const before = Date.now();
    const t = await manager(sb.url).getToken();
    expect(t.expiresAt).toBeGreaterThanOrEqual(before + 1800_000);
    expect(t.expiresAt).toBeLessThan(before + 3600_000);
    expect(tokenLifetimeMs({ expires_in_sec: 3600, expires_in: 3600000 })).toBe(3600_000);
    expect(tokenLifetimeMs({ expires_in: 3600 })).toBe(3600_000);
    expect(tokenLifetimeMs({})).toBe(3600_000);
  });

  it('a short-lived token is not refreshed on every call', async () => {
    sb = await sandbox({ tokenLifetimeSeconds: 60 });
    const m = manager(sb.url);
    await m.getToken();
    await m.getToken();
    expect(grants(sb)).toBe(1);
  });

  it('a bad refresh token is 4500 (an upstream problem) without the secrets in the message', async () => {
    sb = await sandbox();
    const m = manager(sb.url, {}, new MemoryTokenStore(), { refreshToken: '1000.wrong.refresh' });
    const error = (await m.getToken().catch((e: unknown) => e)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(legacyErrorOf(error)).toEqual({ code: '4500', message: 'Problem occured while processing the request' });
    expect(error.v2Code).toBe('invalid_code');
    expect(error.message).not.toContain('1000.wrong.refresh');
    expect(error.message).not.toContain(CLIENT_SECRET);
  });

  it('a wrong client secret is 4500 (invalid_client) and the client turns it into a failure outcome', async () => {
    sb = await sandbox();
    const { client, events } = clientFor(sb.url, { clientSecret: 'not-the-secret' });
    const { outcome, calls } = await client.execute(insertLead('Nobody'), 'insert');
    client.close();
    expect(legacyOutcome(outcome)).toMatchObject({ kind: 'failure', error: { code: '4500' }, inDoubt: false });
    expect(calls).toEqual([]); // nothing reached v2
    expect(events.refreshes).toEqual([false]);
    expect(JSON.stringify(outcome)).not.toContain('not-the-secret');
    expect(sb.state.records('Leads')).toHaveLength(0);
  });

  it('a file store shares the token between managers (0600 file)', async () => {
    sb = await sandbox();
    const path = join(mkdtempSync(join(tmpdir(), 'zbridge-tokens-')), 'sub', 'tokens.json');
    const a = await manager(sb.url, {}, new FileTokenStore(path)).getToken();
    const b = await manager(sb.url, {}, new FileTokenStore(path)).getToken();
    expect(b.accessToken).toBe(a.accessToken);
    expect(grants(sb)).toBe(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toContain(REFRESH_TOKEN);
  });

  it('invalidate forgets only the token it names', async () => {
    const store = new MemoryTokenStore();
    const key = tokenKey('http://a', 'c', 'r');
    await store.set(key, { accessToken: 'new', apiDomain: 'http://a', expiresAt: 1 });
    await store.delete(key, 'old');
    expect(await store.get(key)).toBeDefined();
    await store.delete(key, 'new');
    expect(await store.get(key)).toBeUndefined();
    expect(key).not.toContain('r\n');
  });
});

describe('TokenManager against a local token server', () => {
  it('"Access Denied" throttling (HTTP 400) is retried with backoff', async () => {
    let hits = 0;
    local = await localServer((_req, res) => {
      hits++;
      if (hits <= 2) {
        json(res, 400, { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.' });
      } else {
        json(res, 200, { access_token: '1000.abc.def', api_domain: 'https://www.zohoapis.eu', token_type: 'Bearer', expires_in: 3600 });
      }
    });
    const retries: string[] = [];
    const sleeps: number[] = [];
    const m = new TokenManager(
      { id: 'p', clientId: 'c', clientSecret: 's', refreshToken: 'r', accountsUrl: local.url },
      new MemoryTokenStore(),
      { sleep: async (ms) => void sleeps.push(ms), observer: { onRetry: (e) => retries.push(e.reason) } },
    );
    managers.push(m);
    const t = await m.getToken();
    expect(t.accessToken).toBe('1000.abc.def');
    expect(t.apiDomain).toBe('https://www.zohoapis.eu'); // api_domain wins over the dc table
    expect(retries).toEqual(['oauth-throttle', 'oauth-throttle']);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0]);
  });

  it('throttling beyond the budget is a retryable 4820', async () => {
    local = await localServer((_req, res) => json(res, 400, { error: 'Access Denied' }));
    const m = manager(local.url, { maxRefreshRetries: 2 });
    const error = (await m.getToken().catch((e: unknown) => e)) as UpstreamError;
    expect(legacyErrorOf(error).code).toBe('4820');
    expect(error.retryable).toBe(true);
  });

  it('an HTTP-200 answer without access_token is 4500', async () => {
    local = await localServer((_req, res) => json(res, 200, { token_type: 'Bearer' }));
    const error = (await manager(local.url).getToken().catch((e: unknown) => e)) as UpstreamError;
    expect(legacyErrorOf(error).code).toBe('4500');
  });

  it('sends the refresh grant as a form with every field', async () => {
    let seen = '';
    local = await localServer((req, res, body) => {
      seen = `${req.method} ${req.url} ${req.headers['content-type']} ${body}`;
      json(res, 200, { access_token: 'x', expires_in: 3600 });
    });
    await manager(local.url).getToken();
    const [method, url, type, form] = seen.split(' ');
    expect([method, url, type]).toEqual(['POST', '/oauth/v2/token', 'application/x-www-form-urlencoded']);
    expect(Object.fromEntries(new URLSearchParams(form))).toEqual({
      grant_type: 'refresh_token',
      client_id: profileFor('').clientId,
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
    });
  });
});
