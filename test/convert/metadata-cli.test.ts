import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMetadataPull } from '../../src/convert/metadata-pull.js';
import { loadMetadataDir, bundledSnapshot } from '../../src/v2/snapshot.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { memoryIO, tempDir } from './helpers.js';

describe('metadata pull', () => {
  it('writes the snapshot format from the live upstream, loadable by loadMetadataDir', async () => {
    const creds = { clientId: '1000.PULLTEST', clientSecret: 'pull-secret', refreshToken: '1000.pull.refresh' };
    const sandbox = await startSandbox({ clients: [{ ...creds, refreshTokens: [{ token: creds.refreshToken, userId: bundledSnapshot().users[0].id }] }] });
    try {
      const config = join(tempDir('pull-config'), 'c.json');
      writeFileSync(config, JSON.stringify({ upstream: 'zoho', profiles: [{ name: 'sb', authtokens: ['u'], ...creds, accountsUrl: sandbox.url, apiDomain: sandbox.url }] }));
      const out = tempDir('pull-out');
      const { exitCode } = await runMetadataPull({ out, config }, memoryIO());
      expect(exitCode).toBe(0);
      const pulled = loadMetadataDir(out);
      const bundled = bundledSnapshot();
      expect(pulled.modules.map((m) => m.api_name).sort()).toEqual(bundled.modules.map((m) => m.api_name).sort());
      expect(pulled.fields.Leads.map((f) => f.api_name).sort()).toEqual(bundled.fields.Leads.map((f) => f.api_name).sort());
      expect(pulled.users.map((u) => u.id)).toEqual(bundled.users.map((u) => u.id));
      expect(readdirSync(join(out, 'fields')).length).toBeGreaterThan(10);
    } finally {
      await sandbox.close();
    }
  });
});

// Each case spawns tsx several times; on a loaded 2-core machine one start can take tens of seconds.
describe('the real CLI', { timeout: 180_000 }, () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

  // Three tsx start-ups in a row: generous for a loaded machine.
  it('zbridge convert writes JSONL to stdout; exit codes 0 and 2', { timeout: 180_000 }, () => {
    const ok = cli(['convert', 'samples/payloads/001-accounts-basic.xml', '--out', '-']);
    expect(ok.stderr).toContain('zbridge convert: 1 calls');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout.trim())).toMatchObject({ module: 'Accounts', requests: [{ method: 'POST', path: '/crm/v2/Accounts' }] });
    expect(cli(['convert', 'samples/payloads/001-accounts-basic.xml']).status).toBe(2); // --out missing
    expect(cli(['convert', 'samples/nope.xml', '--out', '-']).status).toBe(2);
  }, 180_000); // three child processes, each compiling src/ with tsx: slow on a loaded machine

  it('zbridge report writes its three files', { timeout: 120_000 }, () => {
    const out = tempDir('cli-report');
    const r = cli(['report', 'samples/payloads', '--out', out]);
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('What to fix first');
  }, 120_000);
});
