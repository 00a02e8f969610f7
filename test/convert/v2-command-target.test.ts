/**
 * Which upstream the v2-only commands (replay, metadata pull) target, over the environment a production `serve`
 * leaves in a shell (ZOHO_* credentials, ZBRIDGE_UPSTREAM, ZBRIDGE_REDIS_URL) with and without the explicit choice
 * (`--profile env`, `--config`). Fake credentials throughout: a run that is not explicitly pointed at Zoho must
 * go to the embedded sandbox (the fake credentials would fail anywhere else); the explicit ones run `--dry-run`
 * only, which contacts no upstream. Nothing here reaches the network.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadV2ClientConfig } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { runConvert } from '../../src/convert/convert.js';
import { runMetadataPull } from '../../src/convert/metadata-pull.js';
import { runReplay } from '../../src/convert/replay.js';
import { ConfigError } from '../../src/errors.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { memoryIO, tempDir } from './helpers.js';

/** What a production zbridge.env holds (fake values), without ZBRIDGE_AUTHTOKENS. */
const PROD_ENV = { ZOHO_CLIENT_ID: '1000.FAKEPROD', ZOHO_CLIENT_SECRET: 'fake-prod-secret', ZOHO_REFRESH_TOKEN: '1000.fake.prod.refresh' };
const SANDBOX_TARGET = '→ an in-memory sandbox';
const ZOHO_US = '→ zoho https://www.zohoapis.com profile=env grant=fp:';

let source: string;
beforeAll(async () => {
  source = tempDir('target-convert');
  expect((await runConvert({ inputs: ['samples/payloads/001-accounts-basic.xml'], out: source }, memoryIO())).exitCode).toBe(0);
});

interface Row {
  name: string;
  env: NodeJS.ProcessEnv;
  profile?: string;
  /** Text of the plan's target. */
  target: string;
  /** A notice that must be printed (variables ignored) or must not be (undefined). */
  notice?: RegExp;
}

const ROWS: Row[] = [
  { name: 'no environment', env: {}, target: SANDBOX_TARGET },
  { name: 'env credentials, no choice', env: PROD_ENV, target: SANDBOX_TARGET, notice: /ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN ignored: without --config .* --profile env/ },
  {
    name: 'env credentials + ZBRIDGE_UPSTREAM=zoho + ZOHO_DC + Redis, no choice',
    env: { ...PROD_ENV, ZOHO_DC: 'eu', ZBRIDGE_UPSTREAM: 'zoho', ZBRIDGE_REDIS_URL: 'redis://127.0.0.1:1' },
    target: SANDBOX_TARGET,
    notice: /ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, ZOHO_DC, ZBRIDGE_UPSTREAM, ZBRIDGE_REDIS_URL ignored/,
  },
  { name: 'only a lone ZOHO_DC, no choice', env: { ZOHO_DC: 'eu' }, target: SANDBOX_TARGET, notice: /ZOHO_DC ignored/ },
  { name: 'env credentials + --profile env', env: PROD_ENV, profile: 'env', target: ZOHO_US },
  { name: 'env credentials + ZOHO_DC=eu + --profile env', env: { ...PROD_ENV, ZOHO_DC: 'eu' }, profile: 'env', target: '→ zoho https://www.zohoapis.eu profile=env' },
  {
    name: 'env credentials + ZBRIDGE_UPSTREAM=sandbox + --profile env (the flag wins, said so)',
    env: { ...PROD_ENV, ZBRIDGE_UPSTREAM: 'sandbox' },
    profile: 'env',
    target: ZOHO_US,
    notice: /ZBRIDGE_UPSTREAM ignored: --profile env selects/,
  },
];

describe('replay --dry-run: the target printed in the plan, per environment', () => {
  it.each(ROWS)('$name', async (row) => {
    const io = memoryIO();
    const r = await runReplay({ source, dryRun: true, profile: row.profile, env: row.env }, io);
    expect(io.err()).toContain(row.target);
    if (row.notice) expect(io.err()).toMatch(row.notice);
    else expect(io.err()).not.toMatch(/ignored/);
    expect(io.err()).not.toContain(PROD_ENV.ZOHO_CLIENT_SECRET);
    expect(io.err()).not.toContain(PROD_ENV.ZOHO_REFRESH_TOKEN);
    expect(r.exitCode).toBe(0);
  });
});

describe('without the explicit choice the commands really run against the embedded sandbox', () => {
  const implicit = ROWS.filter((r) => r.target === SANDBOX_TARGET);

  it.each(implicit)('replay (sent, not a dry run): $name', async (row) => {
    const io = memoryIO();
    const r = await runReplay({ source, env: row.env }, io);
    expect(io.err()).toContain(SANDBOX_TARGET);
    // The fake credentials would fail at any real accounts server: the one request was sent and applied.
    expect(r.summary).toMatchObject({ requests: 1, sent: 1, done: 1 });
    expect(r.exitCode).toBe(0);
  });

  it.each(implicit)('metadata pull: $name', async (row) => {
    const io = memoryIO();
    const out = tempDir('target-pull');
    const r = await runMetadataPull({ out, env: row.env }, io);
    expect(io.err()).toContain('upstream is "sandbox"');
    if (row.notice) expect(io.err()).toMatch(row.notice);
    expect(io.err()).toMatch(new RegExp(`${bundledSnapshot().modules.length} modules`));
    expect(r.exitCode).toBe(0);
  });
});

describe('the configuration each choice selects (no client opened)', () => {
  it.each(ROWS)('$name', (row) => {
    const { config } = loadV2ClientConfig(undefined, row.profile, row.env);
    if (row.target === SANDBOX_TARGET) {
      expect(config).toMatchObject({ upstream: 'sandbox', profiles: [], state: { kind: 'memory' } });
    } else {
      expect(config.upstream).toBe('zoho');
      // No legacy authtokens needed: these commands never accept a legacy call.
      expect(config.profiles).toMatchObject([{ name: 'env', clientId: PROD_ENV.ZOHO_CLIENT_ID, authtokens: [], authtokenSha256: [] }]);
    }
  });

  it('--profile env with ZOHO_* and ZBRIDGE_REDIS_URL shares the replicas\' state', () => {
    const { config } = loadV2ClientConfig(undefined, 'env', { ...PROD_ENV, ZBRIDGE_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(config).toMatchObject({ upstream: 'zoho', state: { kind: 'redis', url: 'redis://127.0.0.1:1' } });
  });

  it('serve still needs the env profile\'s legacy authtokens', () => {
    const error = (() => {
      try {
        loadConfig(undefined, PROD_ENV);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.option).toBe('ZBRIDGE_AUTHTOKENS');
  });
});

describe('usage errors (exit 2, nothing sent)', () => {
  const cases: { name: string; env: NodeJS.ProcessEnv; profile: string; message: RegExp }[] = [
    { name: '--profile env without any ZOHO_* credential', env: {}, profile: 'env', message: /ZOHO_CLIENT_ID: not set: --profile env without --config/ },
    { name: '--profile env with ZOHO_DC only', env: { ZOHO_DC: 'eu' }, profile: 'env', message: /ZOHO_CLIENT_ID: not set/ },
    { name: '--profile env with a credential missing', env: { ZOHO_CLIENT_ID: 'x', ZOHO_CLIENT_SECRET: 'y' }, profile: 'env', message: /ZOHO_REFRESH_TOKEN: not set/ },
    { name: 'another --profile without --config', env: PROD_ENV, profile: 'main', message: /--profile: unknown profile "main": without --config/ },
  ];
  it.each(cases)('replay: $name', async (c) => {
    const io = memoryIO();
    const r = await runReplay({ source, dryRun: true, profile: c.profile, env: c.env }, io);
    expect(io.err()).toMatch(c.message);
    expect(r.exitCode).toBe(2);
  });
  it.each(cases)('metadata pull: $name', async (c) => {
    const io = memoryIO();
    const r = await runMetadataPull({ out: tempDir('target-pull-err'), profile: c.profile, env: c.env }, io);
    expect(io.err()).toMatch(c.message);
    expect(r.exitCode).toBe(2);
  });
});

describe('--config: the file chooses, the environment applies as for serve, no authtokens needed', () => {
  let sandbox: RunningSandbox;
  let configFile: string;
  const creds = { clientId: '1000.TARGETFILE', clientSecret: 'file-secret', refreshToken: '1000.file.refresh' };
  beforeAll(async () => {
    sandbox = await startSandbox({ clients: [{ ...creds, refreshTokens: [{ token: creds.refreshToken, userId: bundledSnapshot().users[0].id }] }] });
    configFile = join(tempDir('target-config'), 'zbridge.json');
    // A profile without authtokens: valid for replay and metadata pull.
    writeFileSync(configFile, JSON.stringify({ upstream: 'zoho', profiles: [{ name: 'file', ...creds, accountsUrl: sandbox.url, apiDomain: sandbox.url, timeZone: 'UTC' }] }));
  });
  afterAll(() => sandbox.close());

  it.each([
    { name: 'no environment', env: {} },
    { name: 'env credentials set too (they add a second profile; the first, the file\'s, is used)', env: PROD_ENV },
  ])('replay and metadata pull: $name', async ({ env }) => {
    const io = memoryIO();
    const r = await runReplay({ source, config: configFile, env, state: join(tempDir('target-state'), 's.jsonl') }, io);
    expect(io.err()).toContain(`→ zoho ${sandbox.url} profile=file`);
    expect(io.err()).not.toMatch(/ignored/);
    expect(r.summary).toMatchObject({ requests: 1, sent: 1, done: 1 });
    const pull = memoryIO();
    expect((await runMetadataPull({ out: tempDir('target-pull-file'), config: configFile, env }, pull)).exitCode).toBe(0);
    expect(pull.err()).toContain(`upstream zoho ${sandbox.url} profile=file`);
  });

  it('a file without `upstream` and the env credentials: the env profile, as for serve (dry run)', async () => {
    const empty = join(tempDir('target-empty'), 'zbridge.json');
    writeFileSync(empty, '{}');
    const io = memoryIO();
    const r = await runReplay({ source, config: empty, env: PROD_ENV, dryRun: true }, io);
    expect(io.err()).toContain(ZOHO_US);
    expect(r.exitCode).toBe(0);
  });
});

// One start of the real binary: --config / ZBRIDGE_CONFIG and the environment reach the command as above.
describe('the real CLI', { timeout: 180_000 }, () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], { encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, ...env } });

  it('zbridge replay --dry-run with the production env: sandbox and the notice; with --profile env: Zoho', { timeout: 180_000 }, () => {
    const implicit = cli(['replay', source, '--dry-run'], PROD_ENV);
    expect(implicit.stderr).toContain(SANDBOX_TARGET);
    expect(implicit.stderr).toMatch(/ZOHO_REFRESH_TOKEN ignored/);
    expect(implicit.status).toBe(0);
    const explicit = cli(['replay', source, '--dry-run', '--profile', 'env'], PROD_ENV);
    expect(explicit.stderr).toContain(ZOHO_US);
    expect(explicit.status).toBe(0);
  });
});
