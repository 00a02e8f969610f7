/** The built CLI (`node dist/bin.js`), as the README's CLI reference documents it. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { zbridge, zbridgeServer } from './helpers.js';

const sh = promisify(execFile);
const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `zbridge-cli-${p}-`));

describe('zbridge sandbox', () => {
  it.skipIf(!existsSync('/usr/bin/curl'))('prints a token curl that works as pasted (public demo credentials)', async () => {
    const run = zbridgeServer(['sandbox', '--port', '0']);
    try {
      await run.waitFor(() => run.err().includes('admin:'), 'the banner');
      const line = /token:\s+(curl .*)$/m.exec(run.err())![1];
      expect(line).toContain("client_secret='sandbox-demo-secret'");
      const { stdout } = await sh('sh', ['-c', line]);
      const answer = JSON.parse(stdout) as { access_token?: string; api_domain?: string };
      expect(answer.access_token).toMatch(/^1000\./);
      const listing = /then:\s+(curl .*)$/m.exec(run.err())![1].replace('<access_token from the answer>', answer.access_token!);
      const leads = await sh('sh', ['-c', `${listing} -o /dev/null -w '%{http_code}'`]);
      expect(['200', '204']).toContain(leads.stdout);
    } finally {
      expect(await run.stop()).toBe(0);
    }
  }, 90_000);

  it('does not echo credentials given on the command line', async () => {
    const run = zbridgeServer(['sandbox', '--port', '0', '--client-id', '1000.MINE', '--client-secret', 'my-secret-value', '--refresh-token', '1000.my.refresh']);
    try {
      await run.waitFor(() => run.err().includes('admin:'), 'the banner');
      expect(run.err()).toContain("client_id='1000.MINE'");
      expect(run.err()).not.toContain('my-secret-value');
      expect(run.err()).not.toContain('1000.my.refresh');
      expect(run.err()).toContain("client_secret='<client secret>'");
    } finally {
      await run.stop();
    }
  }, 90_000);
});

describe('zbridge serve', () => {
  it('logs a JSON start-up line and a stopped line; --version prints the package version', async () => {
    const journal = tmp('journal');
    const run = zbridgeServer(['serve', '--port', '0'], { env: { HOST: '127.0.0.1', ZBRIDGE_JOURNAL_DIR: journal, ZBRIDGE_AUTHTOKENS: 'serve-token' } });
    await run.waitFor(() => run.out().includes('"msg":"started"'), 'the start-up line');
    const started = run.out().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'started');
    expect(started).toMatchObject({ version: VERSION, upstream: 'sandbox', profiles: ['sandbox'], journal, listen: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(await run.stop()).toBe(0);
    const lines = run.out().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped', version: VERSION, listen: started.listen });
    expect(run.out()).not.toContain('serve-token');
    const v = await zbridge(['--version']);
    expect(v.stdout.trim()).toBe(VERSION);
  }, 90_000);
});

describe('zbridge report', () => {
  it('--no-examples: no value from the inputs in any file written', async () => {
    const out = tmp('report');
    const r = await zbridge(['report', 'samples/corpus', '--out', out, '--no-examples']);
    expect(r.code).toBe(1); // samples/corpus/urls.log has an unreadable line
    for (const f of ['report.html', 'report.json', 'fields.csv']) {
      const text = readFileSync(join(out, f), 'utf8');
      for (const v of ['smith@example.com', 'Zillum', 'Acme', '31/31/1990']) expect(text, `${v} in ${f}`).not.toContain(v);
    }
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).examples).toBe(false);
  }, 90_000);

  it('an input without calls: "no inputs found", exit 1', async () => {
    const r = await zbridge(['report', 'samples/payloads/001-leads-100-rows.note.txt', '--out', tmp('report-empty')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no inputs found/);
  }, 90_000);
});

describe('zbridge sandbox options', () => {
  it('--host --data --metadata --client-id --client-secret --refresh-token --token-lifetime --concurrency-limit --credits-per-day --latency all take effect', async () => {
    const { cpSync, writeFileSync: write } = await import('node:fs');
    const { snapshotDir } = await import('../../src/paths.js');
    const meta = tmp('sandbox-meta');
    cpSync(snapshotDir, meta, { recursive: true });
    const modulesFile = join(meta, 'modules.json');
    const doc = JSON.parse(readFileSync(modulesFile, 'utf8')) as { modules: { api_name: string; singular_label: string }[] };
    doc.modules.find((m) => m.api_name === 'Leads')!.singular_label = 'Prospect';
    write(modulesFile, JSON.stringify(doc));
    const data = join(tmp('sandbox-data'), 'records.json');
    const run = zbridgeServer([
      'sandbox', '--port', '0', '--host', '127.0.0.1', '--data', data, '--metadata', meta,
      '--client-id', '1000.OPTS', '--client-secret', 'opts-secret', '--refresh-token', '1000.opts.refresh',
      '--token-lifetime', '120', '--concurrency-limit', '2', '--credits-per-day', '40', '--latency', '5',
    ]);
    try {
      await run.waitFor(() => run.err().includes('admin:'), 'the banner');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.err())![1];
      const token = (await (
        await fetch(`${url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: '1000.OPTS', client_secret: 'opts-secret', refresh_token: '1000.opts.refresh' }) })
      ).json()) as { access_token: string; expires_in: number };
      expect(token.expires_in).toBe(120);
      const auth = { Authorization: `Zoho-oauthtoken ${token.access_token}` };
      const modules = (await (await fetch(`${url}/crm/v2/settings/modules`, { headers: auth })).json()) as typeof doc;
      expect(modules.modules.find((m) => m.api_name === 'Leads')!.singular_label).toBe('Prospect');
      const created = await fetch(`${url}/crm/v2/Leads`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ data: [{ Last_Name: 'Opts', Company: 'C' }] }) });
      expect(created.status).toBe(201);
      const stats = (await (await fetch(`${url}/__sandbox/stats`)).json()) as { credits: { perDay: number }; concurrencyLimit: number; faults: { latencyMs?: number } };
      expect(stats.credits.perDay).toBe(40);
      expect(stats.concurrencyLimit).toBe(2);
      expect(stats.faults.latencyMs).toBe(5);
    } finally {
      expect(await run.stop()).toBe(0);
    }
    expect(readFileSync(data, 'utf8')).toContain('Opts');
  }, 90_000);
});

describe('the cli module run directly (newcomer finding 5)', () => {
  const usage = (text: string) => text.split('\n').filter((l) => l.startsWith('Usage: zbridge')).length;

  it.each([
    ['npx tsx src/cli.ts', ['--import', 'tsx', 'src/cli.ts']],
    ['node dist/cli.js', ['dist/cli.js']],
  ])('%s --help prints the usage once, exit 0', async (_name, args) => {
    const { stdout } = await sh(process.execPath, [...args, '--help'], { cwd: join(import.meta.dirname, '..', '..') });
    expect(usage(stdout)).toBe(1);
  });

  it('the bin prints it once too (importing cli.ts runs nothing by itself)', async () => {
    const run = await zbridge(['--help']);
    expect(run.code).toBe(0);
    expect(usage(run.stdout)).toBe(1);
    const imported = await sh(process.execPath, ['--input-type=module', '-e', "await import('./dist/cli.js'); console.log('imported')"], { cwd: join(import.meta.dirname, '..', '..') });
    expect(imported.stdout).toBe('imported\n');
  });
});
