/**
 * Breaker finding 17: `zbridge config check` shows what serve would use — every environment override config.ts
 * reads (ZBRIDGE_REDIS_URL and ZBRIDGE_REPLICA_ID included), the shared state (kind, masked URL, key prefix,
 * replica), the journal folder this replica writes (`journal.dir/<replicaId>` with Redis) — and `--online` tries
 * Redis before the profiles.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARS } from '../../src/config.js';
import { runConfigCheck } from '../../src/config-check.js';
import { safeReplicaId } from '../../src/state/index.js';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { memoryIO } from '../convert/helpers.js';
import { hasRedis, startRedis, type TestRedis } from '../state/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'zbridge-config-check-state-'));
const REDIS_PASSWORD = 'R3disP4ss!word-in-url';
const write = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('environment overrides', () => {
  it('the list config check shows is every variable config.ts reads', () => {
    const source = readFileSync(join(__dirname, '../../src/config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual([...CONFIG_ENV_VARS].sort());
  });

  it('every variable set is listed; state, replica and the replica\'s journal folder are shown; no secret', async () => {
    const journal = join(dir, 'jr');
    const env: Record<string, string> = {
      PORT: '9001',
      HOST: '127.0.0.1',
      ZBRIDGE_TRUST_PROXY: '10.0.0.1',
      ZBRIDGE_ADMIN_PORT: '9002',
      ZBRIDGE_UPSTREAM: 'zoho',
      ZBRIDGE_AUTHTOKENS: 'legacy-env-token',
      ZBRIDGE_JOURNAL_DIR: journal,
      ZBRIDGE_SANDBOX_DATA: join(dir, 'sb.json'),
      ZBRIDGE_LOG_LEVEL: 'debug',
      ZBRIDGE_REDIS_URL: `redis://:${encodeURIComponent(REDIS_PASSWORD)}@127.0.0.1:16379/0`,
      ZBRIDGE_REPLICA_ID: 'envrep',
      ZOHO_CLIENT_ID: '1000.ENVCLIENT',
      ZOHO_CLIENT_SECRET: 'env-client-secret',
      ZOHO_REFRESH_TOKEN: '1000.env.refresh.secret',
      ZOHO_DC: 'eu',
      ZOHO_TIME_ZONE: 'Europe/Berlin',
    };
    expect(Object.keys(env).sort()).toEqual([...CONFIG_ENV_VARS].sort());
    const io = memoryIO();
    const { exitCode } = await runConfigCheck({ env }, io);
    expect(io.err()).toBe('');
    expect(exitCode).toBe(0);
    const out = io.out();
    expect(out).toContain(`environment overrides: ${CONFIG_ENV_VARS.join(', ')}`);
    expect(out).toContain('state: redis (redis://:***@127.0.0.1:16379/0, key prefix zbridge:, replica envrep)');
    expect(out).toContain(`journal: ${join(journal, 'envrep')} (this replica's folder under ${journal}, values full)`);
    expect(out).not.toMatch(/R3disP4ss|env-client-secret|1000\.env\.refresh\.secret|legacy-env-token/);
  });

  it('a config file with Redis state and no replicaId: the host name is the replica', async () => {
    const f = write(
      'redis.yaml',
      [
        'upstream: zoho',
        'profiles: [{ name: erp, authtokens: [t], clientId: 1000.C, clientSecret: s, refreshToken: r }]',
        `state: { kind: redis, url: "redis://u:${REDIS_PASSWORD}@redis.internal:6379/2", keyPrefix: "crm:" }`,
        `journal: { dir: ${JSON.stringify(join(dir, 'jr2'))} }`,
      ].join('\n'),
    );
    const io = memoryIO();
    expect((await runConfigCheck({ config: f, env: {} }, io)).exitCode).toBe(0);
    const replica = safeReplicaId(hostname()) || 'replica';
    expect(io.out()).toContain(`state: redis (redis://***:***@redis.internal:6379/2, key prefix crm:, replica ${replica} = the host name)`);
    expect(io.out()).toContain(`journal: ${join(dir, 'jr2', replica)} (this replica's folder under ${join(dir, 'jr2')}`);
    expect(io.out()).toContain('environment overrides: none');
    expect(io.out()).not.toContain(REDIS_PASSWORD);
  });

  it('memory state: said, and the journal is journal.dir itself', async () => {
    const io = memoryIO();
    expect((await runConfigCheck({ env: { ZBRIDGE_JOURNAL_DIR: join(dir, 'j'), ZBRIDGE_REPLICA_ID: 'r1' } }, io)).exitCode).toBe(0);
    expect(io.out()).toContain('state: memory (this process only)');
    expect(io.out()).toContain(`journal: ${join(dir, 'j')} (values full)`);
    expect(io.out()).toContain('environment overrides: ZBRIDGE_JOURNAL_DIR, ZBRIDGE_REPLICA_ID');
  });
});

describe('--online tries Redis', () => {
  let sandbox: RunningSandbox;
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox();
    if (hasRedis) redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  const configWith = (url: string) =>
    write(
      `online-${Math.random().toString(36).slice(2)}.json`,
      JSON.stringify({
        upstream: 'zoho',
        journal: { dir: '' },
        profiles: [{ name: 'erp', authtokens: ['t'], clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, refreshToken: DEMO_CLIENT.refreshToken, accountsUrl: sandbox.url, apiDomain: sandbox.url }],
        state: { kind: 'redis', url },
      }),
    );

  it('Redis unreachable: FAILED naming the cause, exit 1, the password never printed', async () => {
    const io = memoryIO();
    const { exitCode } = await runConfigCheck({ config: configWith(`redis://:${encodeURIComponent(REDIS_PASSWORD)}@127.0.0.1:1/0`), online: true, env: {} }, io);
    expect(exitCode).toBe(1);
    expect(io.out()).toContain('online state: FAILED: Redis unreachable: ECONNREFUSED');
    expect(io.out() + io.err()).not.toContain(REDIS_PASSWORD);
  }, 60_000);

  it.skipIf(!hasRedis)('Redis reachable: ok, then the profiles', async () => {
    const io = memoryIO();
    const { exitCode } = await runConfigCheck({ config: configWith(redis!.url), online: true, env: {} }, io);
    expect(io.out()).toContain('online state: ok (Redis reachable)');
    expect(io.out()).toMatch(/online erp: ok/);
    expect(exitCode).toBe(0);
  }, 60_000);
});
