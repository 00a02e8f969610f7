/**
 * Breaker finding 18: two deployments on one Redis with the same `keyPrefix` and the same profile name (the env
 * profile is always `env`) but different orgs must share nothing that belongs to an org: name → id lookups,
 * Notes parents, duplicate-check and lookup-create locks, the attachment map, slots and credits are keyed by the
 * upstream's identity (API domain, client id, refresh-token fingerprint), never by the profile name. And the
 * embedded emulator (each process its own org) is refused with shared state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/server/logger.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import { upstreamIdentity } from '../../src/zoho/identity.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';
import { ConfigError } from '../../src/errors.js';

const TOKEN = 'orgs-on-one-redis-token-0123456789';
const PREFIX = 'same:';

describe('upstreamIdentity: the one key of an org', () => {
  const base = { clientId: '1000.A', refreshToken: '1000.refresh.a', apiDomain: 'https://www.zohoapis.eu', accountsUrl: 'https://accounts.zoho.eu' };
  it.each([
    ['another API domain', { apiDomain: 'https://www.zohoapis.com' }],
    ['another data centre (no explicit URLs)', { apiDomain: undefined, accountsUrl: undefined, dc: 'in' as const }],
    ['another OAuth client', { clientId: '1000.B' }],
    ['another grant (refresh token)', { refreshToken: '1000.refresh.b' }],
  ])('%s is another scope', (_label, change) => {
    expect(upstreamIdentity({ ...base, ...change }).scope).not.toBe(upstreamIdentity(base).scope);
  });

  it('the same credential is the same scope whatever the profile is called; the scope holds no secret', () => {
    const id = upstreamIdentity(base);
    expect(upstreamIdentity({ ...base }).scope).toBe(id.scope);
    expect(id.scope).toMatch(/^u[0-9a-f]{24}$/);
    expect(id.grant).toMatch(/^fp:[0-9a-f]{12}$/);
    expect(JSON.stringify(id)).not.toContain(base.refreshToken);
    // The DC table and its explicit URLs name the same API domain: one org.
    expect(upstreamIdentity({ ...base, apiDomain: undefined, accountsUrl: undefined, dc: 'eu' }).scope).toBe(id.scope);
  });
});

describe('shared state with the embedded emulator is a configuration error', () => {
  it.each([
    ['config file', {}, { state: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }],
    ['ZBRIDGE_REDIS_URL and no config (the default upstream is the emulator)', { ZBRIDGE_REDIS_URL: 'redis://127.0.0.1:6379' }, {}],
    ['ZBRIDGE_UPSTREAM=sandbox over a zoho config', { ZBRIDGE_UPSTREAM: 'sandbox', ZBRIDGE_REDIS_URL: 'redis://127.0.0.1:6379' }, {}],
  ])('%s', (_label, env, doc) => {
    let error: unknown;
    try {
      parseConfig(doc, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    // Set by ZBRIDGE_REDIS_URL, the problem is named by the variable (README's environment table).
    expect((error as ConfigError).option).toBe(env.ZBRIDGE_REDIS_URL ? 'ZBRIDGE_REDIS_URL' : 'state.kind');
    expect((error as Error).message).toMatch(/needs upstream "zoho"/);
  });
});

describe.skipIf(!hasRedis)('two orgs on one Redis, same keyPrefix, same profile name', () => {
  let redis: TestRedis;
  const orgs: { sandbox: RunningSandbox; proxy: RunningProxy; http: ReturnType<typeof supertest> }[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const sandbox = await startSandbox();
      const config = parseConfig({
        port: 0,
        host: '127.0.0.1',
        upstream: 'zoho',
        // Same name, same OAuth client and grant (the demo client of both emulators): only the API domain differs.
        profiles: [
          {
            name: 'env',
            authtokens: [TOKEN],
            clientId: DEMO_CLIENT.clientId,
            clientSecret: DEMO_CLIENT.clientSecret,
            refreshToken: DEMO_CLIENT.refreshToken,
            accountsUrl: sandbox.url,
            apiDomain: sandbox.url,
            timeZone: 'UTC',
          },
        ],
        state: { kind: 'redis', url: redis.url, keyPrefix: PREFIX, commandTimeoutMs: 20_000 },
        journal: { dir: '' },
        logLevel: 'silent',
      });
      const proxy = await startProxy(config, { journal: new MemoryJournal(), defaultMetrics: false, logger: createLogger('silent') });
      orgs.push({ sandbox, proxy, http: supertest(proxy.url) });
    }
  }, 120_000);

  afterAll(async () => {
    for (const o of orgs) {
      await o.proxy.close();
      await o.sandbox.close();
    }
    await redis?.close();
  });

  const insert = async (org: number, module: string, fields: Record<string, string>): Promise<string> => {
    const fl = Object.entries(fields)
      .map(([k, v]) => `<FL val="${k}">${v}</FL>`)
      .join('');
    const res = await orgs[org].http
      .post(`/crm/private/xml/${module}/insertRecords`)
      .type('form')
      .send(new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: `<${module}><row no="1">${fl}</row></${module}>` }).toString());
    const id = /<FL val="Id">(\d+)<\/FL>/.exec(res.text)?.[1];
    expect(id, res.text).toBeDefined();
    return id!;
  };

  it('a lookup by name resolves in its own org: org 2 creates and links its own Account', async () => {
    // Org 2 has another Account at the id org 1's first Account will get (both emulators count from the same start).
    await insert(1, 'Accounts', { 'Account Name': 'Other2' });
    await insert(0, 'Contacts', { 'Last Name': 'S1', 'Account Name': 'SbxCo' });
    const s2 = await insert(1, 'Contacts', { 'Last Name': 'S2', 'Account Name': 'SbxCo' });

    const org2 = orgs[1].sandbox.state;
    const sbxCo2 = org2.records('Accounts').filter((r) => r.values.Account_Name === 'SbxCo');
    expect(sbxCo2).toHaveLength(1);
    const contact = org2.store.get('Contacts', s2)!;
    expect((contact.values.Account_Name as { id: string }).id).toBe(sbxCo2[0].id);
  });

  it('an attachment uploaded in org 1 is unknown in org 2 (4600 "id"), never fetched from org 2 by org 1\'s parent', async () => {
    const lead = await insert(0, 'Leads', { 'Last Name': 'Files', Company: 'X' });
    const up = await orgs[0].http
      .post('/crm/private/xml/Leads/uploadFile')
      .field('authtoken', TOKEN)
      .field('scope', 'crmapi')
      .field('id', lead)
      .attach('content', Buffer.from('hello'), { filename: 'a.txt', contentType: 'text/plain' });
    const attachmentId = /<FL val="Id">(\d+)<\/FL>/.exec(up.text)![1];
    const gets = () => Object.entries(orgs[1].sandbox.state.stats().requests).filter(([route]) => route.includes('Attachments')).reduce((n, [, c]) => n + c, 0);
    const before = gets();
    const down = await orgs[1].http.get(`/crm/private/xml/Leads/downloadFile?authtoken=${TOKEN}&scope=crmapi&id=${attachmentId}`);
    expect(down.text).toContain('<code>4600</code>');
    expect(down.text).toContain('"id" parameter');
    expect(gets()).toBe(before);
    // Org 1 still has it.
    const mine = await orgs[0].http.get(`/crm/private/xml/Leads/downloadFile?authtoken=${TOKEN}&scope=crmapi&id=${attachmentId}`);
    expect(mine.text).toBe('hello');
  });

  it('the Redis keys name no profile and hold no secret', async () => {
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    try {
      const keys = await admin.keys(`${PREFIX}*`);
      expect(keys.length).toBeGreaterThan(0);
      const text = keys.join('\n');
      expect(text).not.toMatch(/:env(:|$)/m);
      expect(text).not.toContain(DEMO_CLIENT.refreshToken);
      const [scope1, scope2] = orgs.map((o) => upstreamIdentity({ ...DEMO_CLIENT, apiDomain: o.sandbox.url, accountsUrl: o.sandbox.url }).scope);
      // Only org 1 uploaded: its map is under its own scope.
      expect(keys).toContain(`${PREFIX}attachments:${scope1}`);
      expect(keys).not.toContain(`${PREFIX}attachments:${scope2}`);
    } finally {
      admin.disconnect();
    }
  });
});
