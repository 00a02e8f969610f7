/** The real `zbridge serve` process: bad configuration stops start-up naming the option; SIGTERM drains and exits 0. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: packageRoot,
    env: { ...process.env, ZBRIDGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200; i += 1) { // 60 s: tsx start-up of a child on a loaded 2-core machine
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('zbridge serve', () => {
  it('stops at start-up with exit 2 and a message naming the bad option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-cli-'));
    const file = join(dir, 'zbridge.yaml');
    writeFileSync(file, 'upstream: zoho\nprofiles:\n  - name: erp\n    authtokens: [abc]\n    clientId: x\n    clientSecret: y\n    refreshToken: z\n    dc: mars\n');
    const run = runCli(['serve', '--config', file]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('config: profiles[0].dc');
  }, 120_000);

  it('prints the demo token and curl example, answers, and drains on SIGTERM with exit 0', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'zbridge-cli-journal-'));
    const run = runCli(['serve', '--port', '0'], { ZBRIDGE_AUTHTOKENS: 'cli-token', ZBRIDGE_JOURNAL_DIR: journalDir, HOST: '127.0.0.1' });
    await waitFor(() => run.err().includes('accepted authtoken'), 'the banner');
    // Said at once, before the seconds of module loading (newcomer finding 8).
    expect(run.err().indexOf('zbridge serve: starting')).toBe(0);
    expect(run.err().indexOf('zbridge serve: starting')).toBeLessThan(run.err().indexOf('listening on'));
    // A configured token is a secret: the banner shows its fingerprint and a placeholder in the curl.
    expect(run.err()).not.toContain('cli-token');
    expect(run.err()).toMatch(/accepted authtoken\(s\): fp:[0-9a-f]{12}/);
    expect(run.err()).toContain("authtoken=<your authtoken>");
    expect(run.err()).toContain("curl -s 'http://127.0.0.1:");
    const url = /listening on (http:\/\/[^\s]+)/.exec(run.err())![1];
    const body = new URLSearchParams({
      authtoken: 'cli-token',
      scope: 'crmapi',
      xmlData: '<Leads><row no="1"><FL val="Last Name">Cli</FL><FL val="Company">A</FL></row></Leads>',
    });
    const res = await fetch(`${url}/crm/private/xml/Leads/insertRecords`, { method: 'POST', body });
    expect(await res.text()).toContain('Record(s) added successfully');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const lines = readdirSync(journalDir).flatMap((f) => readFileSync(join(journalDir, f), 'utf8').split('\n').filter(Boolean));
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['request', 'outcome']);
    expect(lines.join('\n')).not.toContain('cli-token');
    expect(run.out()).not.toContain('cli-token');
  });

  it('a start-up failure exits non-zero in sandbox mode too: port in use, journal folder not creatable', async () => {
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const busyPort = (blocker.address() as { port: number }).port;
    try {
      const inUse = runCli(['serve', '--port', String(busyPort)], { HOST: '127.0.0.1', ZBRIDGE_JOURNAL_DIR: '' });
      expect(await inUse.exited).not.toBe(0);
      expect(inUse.err()).toMatch(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
    const file = join(mkdtempSync(join(tmpdir(), 'zbridge-cli-')), 'a-file');
    writeFileSync(file, 'x');
    const noJournal = runCli(['serve', '--port', '0'], { HOST: '127.0.0.1', ZBRIDGE_JOURNAL_DIR: join(file, 'journal') });
    expect(await noJournal.exited).not.toBe(0);
    expect(noJournal.err()).toMatch(/ENOTDIR|EEXIST|ENOENT/);
  }, 120_000);

  it('a banner with a generated demo token prints it (that is its purpose)', async () => {
    const run = runCli(['serve', '--port', '0'], { HOST: '127.0.0.1', ZBRIDGE_JOURNAL_DIR: '', ZBRIDGE_AUTHTOKENS: '' });
    await waitFor(() => run.err().includes('accepted authtoken'), 'the banner');
    const token = /accepted authtoken: ([0-9a-f]{32})/.exec(run.err())?.[1];
    expect(token).toBeDefined();
    expect(run.err()).toContain(`authtoken=${token}`);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 120_000);
});
