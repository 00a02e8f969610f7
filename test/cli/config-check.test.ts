/** `zbridge config check`: every problem at once, environment overrides resolved, --online per profile. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectConfig } from '../../src/config.js';
import { runConfigCheck } from '../../src/config-check.js';
import { upstreamProblems } from '../../src/upstream.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { memoryIO } from '../convert/helpers.js';
import { zbridge } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'zbridge-config-check-'));
const write = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('collectConfig: every problem, not only the first', () => {
  it('lists each bad value and each unknown key with its option path', () => {
    const f = write(
      'many.yaml',
      [
        'port: 99999',
        'logLevel: loud',
        'colour: blue',
        'journal: { maxFiles: 0, values: clear }',
        'profiles:',
        '  - name: erp',
        '    authtokens: [a]',
        '    clientId: x',
        '    clientSecret: y',
        '    refreshToken: z',
        '    dc: mars',
        '    concurency: 5',
      ].join('\n'),
    );
    const { config, problems } = collectConfig(f, {});
    expect(config).toBeUndefined();
    expect(problems.map((p) => p.option).sort()).toEqual(
      ['colour', 'journal.maxFiles', 'journal.values', 'logLevel', 'port', 'profiles[0].concurency', 'profiles[0].dc'].sort(),
    );
  });

  it('post-checks are problems too (zoho without profiles, duplicate names)', () => {
    const p = { authtokens: ['a'], clientId: 'x', clientSecret: 'y', refreshToken: 'z' };
    expect(collectConfig(write('dup.json', JSON.stringify({ upstream: 'zoho', profiles: [{ name: 'a', ...p }, { name: 'a', ...p, authtokens: ['b'] }] })), {}).problems).toEqual([
      { option: 'profiles[1].name', message: 'duplicate profile name "a"' },
    ]);
    expect(collectConfig(write('noprof.json', '{"upstream":"zoho"}'), {}).problems.map((x) => x.option)).toEqual(['profiles']);
    expect(collectConfig(join(dir, 'missing.yaml'), {}).problems).toEqual([{ option: '--config', message: expect.stringContaining('ENOENT') }]);
  });
});

describe('runConfigCheck', () => {
  it('a valid file: exit 0, the configuration in effect with env overrides, no secret printed', async () => {
    const f = write(
      'ok.yaml',
      ['upstream: zoho', 'profiles:', '  - name: erp', '    authtokens: [legacy-token-1]', '    clientId: 1000.CLIENT', '    clientSecret: very-secret', '    refreshToken: 1000.refresh.secret', '    dc: eu'].join('\n'),
    );
    const io = memoryIO();
    const journal = join(dir, 'journal-ok');
    const { exitCode } = await runConfigCheck({ config: f, env: { PORT: '9000', ZBRIDGE_JOURNAL_DIR: journal } }, io);
    expect(exitCode).toBe(0);
    expect(io.out()).toContain('valid');
    expect(io.out()).toContain('listen: 0.0.0.0:9000');
    expect(io.out()).toContain(`journal: ${journal}`);
    expect(io.out()).toContain('profile erp: dc eu, 1 authtoken(s), client 1000.CLIENT');
    expect(io.out()).toContain('environment overrides: PORT, ZBRIDGE_JOURNAL_DIR');
    expect(io.out() + io.err()).not.toMatch(/very-secret|1000\.refresh\.secret|legacy-token-1/);
  });

  it('missing metadata folders, an unwritable journal and an admin port equal to the proxy port: exit 2 naming each option', async () => {
    const file = write('afile', 'x');
    const f = write(
      'fs.json',
      JSON.stringify({
        port: 8080,
        admin: { port: 8080 },
        sandbox: { metadataDir: join(dir, 'no-such-meta') },
        metadata: { snapshotDir: dir },
        journal: { dir: join(file, 'journal') },
      }),
    );
    const io = memoryIO();
    const { exitCode, problems } = await runConfigCheck({ config: f, env: {} }, io);
    expect(exitCode).toBe(2);
    expect(problems.map((p) => p.option)).toEqual(['sandbox.metadataDir', 'metadata.snapshotDir', 'journal.dir', 'admin.port']);
    expect(io.err()).toContain('zbridge config check: sandbox.metadataDir: no such folder');
    expect(io.err()).toContain('metadata.snapshotDir:');
    expect(io.err()).toContain('modules.json');
    expect(io.err()).toContain('4 problem(s)');
  });

  it('credentials from the environment only: a missing variable is named as the environment table names it', async () => {
    const io = memoryIO();
    const { exitCode, problems } = await runConfigCheck({ env: { ZOHO_CLIENT_ID: 'cid' } }, io);
    expect(exitCode).toBe(2);
    expect(problems.map((p) => p.option)).toEqual(['ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN']);
    expect(io.err()).toContain('zbridge config check: ZOHO_CLIENT_SECRET: not set: ZOHO_CLIENT_ID adds the credential profile "env", which needs ZOHO_CLIENT_SECRET too\n');
    expect(io.err()).not.toMatch(/profiles\[/);
  });

  it('credential profiles next to the default upstream sandbox: the problem serve logs and /readyz fails with, exit 2', async () => {
    const profile = ['profiles:', '  - name: erp', '    authtokens: [legacy-token-1]', '    clientId: 1000.CLIENT', '    clientSecret: very-secret', '    refreshToken: 1000.refresh.secret'];
    const config = collectConfig(write('sbprof-same.yaml', profile.join('\n')), {}).config!;
    const served = upstreamProblems(config);
    expect(served.map((p) => p.message)).toEqual([expect.stringContaining('credential profiles are configured but upstream is "sandbox"')]);
    const cases: Array<[string, string[], NodeJS.ProcessEnv, string]> = [
      ['no upstream line (default sandbox)', profile, {}, 'upstream'],
      ['upstream: sandbox written out', ['upstream: sandbox', ...profile], {}, 'upstream'],
      ['upstream: zoho in the file, ZBRIDGE_UPSTREAM=sandbox', ['upstream: zoho', ...profile], { ZBRIDGE_UPSTREAM: 'sandbox' }, 'ZBRIDGE_UPSTREAM'],
    ];
    for (const [what, lines, env, option] of cases) {
      const io = memoryIO();
      const { exitCode, problems } = await runConfigCheck({ config: write(`sbprof-${option}-${lines.length}.yaml`, lines.join('\n')), env }, io);
      expect(exitCode, what).toBe(2);
      expect(problems.map((p) => p.option), what).toEqual([option]);
      // The same text serve logs at start and /readyz reports (upstream.ts upstreamProblems).
      expect(problems[0].message, what).toContain(served[0].message);
      expect(io.err(), what).toContain(`zbridge config check: ${option}: credential profiles are configured but upstream is "sandbox"`);
      expect(io.out(), what).not.toContain('valid');
      expect(io.out() + io.err(), what).not.toMatch(/very-secret|1000\.refresh\.secret|legacy-token-1/);
    }
    // upstream: zoho with the same profile is valid; a sandbox with only sandbox authtokens too.
    for (const lines of [['upstream: zoho', ...profile], ['sandbox: { authtokens: [t] }']]) {
      const io = memoryIO();
      expect((await runConfigCheck({ config: write(`sbok-${lines.length}.yaml`, lines.join('\n')), env: {} }, io)).exitCode, io.err()).toBe(0);
    }
  });

  it('file-system problems of options set by variables name the variables', async () => {
    const file = write('not-a-folder', 'x');
    const io = memoryIO();
    const { exitCode, problems } = await runConfigCheck({ env: { ZBRIDGE_JOURNAL_DIR: file, PORT: '9100', ZBRIDGE_ADMIN_PORT: '9100' } }, io);
    expect(exitCode).toBe(2);
    expect(problems).toEqual([
      { option: 'ZBRIDGE_JOURNAL_DIR', message: `${file} is a file, not a folder (ZBRIDGE_JOURNAL_DIR sets journal.dir)` },
      { option: 'ZBRIDGE_ADMIN_PORT', message: 'is the proxy port 9100: give the admin listener a port of its own (ZBRIDGE_ADMIN_PORT sets admin.port)' },
    ]);
  });

  describe('--online', () => {
    let sandbox: RunningSandbox;
    const creds = { clientId: '1000.CHECKCLIENT', clientSecret: 'check-secret', refreshToken: '1000.check.refresh' };
    beforeAll(async () => {
      sandbox = await startSandbox({ clients: [{ ...creds, refreshTokens: [{ token: creds.refreshToken, userId: bundledSnapshot().users[0].id }] }] });
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    it('gets a token and reads metadata per profile: ok, or FAILED with the reason and exit 1', async () => {
      const profile = (name: string, refreshToken: string) => ({ name, authtokens: [`t-${name}`], ...creds, refreshToken, accountsUrl: sandbox.url, apiDomain: sandbox.url });
      const f = write('online.json', JSON.stringify({ upstream: 'zoho', journal: { dir: '' }, profiles: [profile('good', creds.refreshToken), profile('bad', '1000.wrong.refresh')] }));
      const io = memoryIO();
      const { exitCode } = await runConfigCheck({ config: f, online: true, env: {} }, io);
      expect(io.out()).toMatch(/online good: ok \(token, \/settings\/modules/);
      expect(io.out()).toMatch(/online bad: FAILED: /);
      expect(io.out()).not.toContain('1000.wrong.refresh');
      expect(io.out()).not.toContain(creds.clientSecret);
      expect(exitCode).toBe(1);
    }, 60_000);
  });
});

describe('the built CLI', () => {
  it('the same authtoken in two profiles (clear, or clear and digest): config check and serve exit 2 naming both places', async () => {
    const creds = '    clientId: x\n    clientSecret: y\n    refreshToken: z\n';
    const clearTwice = write('shared-clear.yaml', `upstream: zoho\njournal: { dir: "" }\nprofiles:\n  - name: a\n    authtokens: [t1]\n${creds}  - name: b\n    authtokens: [t1]\n${creds}`);
    const { createHash } = await import('node:crypto');
    const t1 = createHash('sha256').update('t1').digest('hex');
    const clearAndDigest = write('shared-digest.yaml', `upstream: zoho\njournal: { dir: "" }\nprofiles:\n  - name: a\n    authtokens: [t1]\n${creds}  - name: b\n    authtokenSha256: ["sha256:${t1}"]\n${creds}`);
    for (const [file, option] of [[clearTwice, 'profiles[1].authtokens[0]'], [clearAndDigest, 'profiles[1].authtokenSha256[0]']]) {
      const check = await zbridge(['config', 'check', '--config', file]);
      expect(check.code).toBe(2);
      expect(check.stderr).toContain(`${option}: the same authtoken as profiles[0].authtokens[0] (profile "a")`);
      const serve = await zbridge(['serve', '--config', file, '--port', '0']);
      expect(serve.code).toBe(2);
      expect(serve.stderr).toContain(option);
      expect(check.stdout + check.stderr + serve.stdout + serve.stderr).not.toMatch(/\bt1\b/);
    }
  }, 120_000);

  it('zbridge config check --config F: exit 2 with every problem; exit 0 for a valid file', async () => {
    const bad = write('cli-bad.yaml', 'port: -1\nshutdownGraceMs: 0\n');
    const r = await zbridge(['config', 'check', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('zbridge config check: port:');
    expect(r.stderr).toContain('zbridge config check: shutdownGraceMs:');
    const envOnly = await zbridge(['config', 'check'], { env: { ZOHO_CLIENT_ID: 'cid', ZOHO_CLIENT_SECRET: '', ZOHO_REFRESH_TOKEN: '' } });
    expect(envOnly.code).toBe(2);
    expect(envOnly.stderr).toContain('zbridge config check: ZOHO_CLIENT_SECRET: not set (empty):');
    expect(envOnly.stderr).toContain('zbridge config check: ZOHO_REFRESH_TOKEN: not set (empty):');
    const ok = await zbridge(['config', 'check'], { env: { ZBRIDGE_CONFIG: write('cli-ok.yaml', 'port: 8081\njournal: { dir: "" }\n') } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('listen: 0.0.0.0:8081');
  }, 60_000);
});
