/**
 * Deployment files: the Dockerfile and the systemd unit in deploy/. No container engine runs here, so the
 * Dockerfile is checked statically (stages, every file it copies exists, non-root user, command) and its
 * health-check command is run for real against a running proxy and against a closed port.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { configSchema } from '../../src/config.js';
import { startTestProxy, type TestProxy } from '../proxy/helpers.js';

const run = promisify(execFile);
const dockerfile = readFileSync(join(packageRoot, 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

function stages(): string[][] {
  const out: string[][] = [];
  for (const i of instructions) {
    if (/^FROM\s/i.test(i)) out.push([]);
    out[out.length - 1]?.push(i);
  }
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('Dockerfile', () => {
  it('is multi-stage and runs `node dist/bin.js serve` as a non-root user', () => {
    const s = stages();
    expect(s.length).toBeGreaterThanOrEqual(2);
    const final = s[s.length - 1];
    const user = final.filter((i) => /^USER\s/i.test(i)).pop();
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
    expect(final.filter((i) => /^CMD\s/i.test(i)).pop()).toBe('CMD ["node", "dist/bin.js", "serve"]');
    // The runtime stage copies only from the build stage (no sources, no dev dependencies).
    expect(final.filter((i) => /^COPY\s/i.test(i)).every((i) => /--from=build/.test(i))).toBe(true);
  });

  it('copies only files that exist, and ships what package.json "files" lists', () => {
    const copies = instructions.filter((i) => /^COPY\s/i.test(i) && !/--from=/.test(i));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      const args = c.split(/\s+/).slice(1).filter((a) => !a.startsWith('--'));
      for (const src of args.slice(0, -1)) expect(existsSync(join(packageRoot, src)), src).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { files: string[]; bin: Record<string, string> };
    expect(pkg.bin.zbridge).toBe('dist/bin.js');
    for (const f of pkg.files.filter((f) => f !== 'dist')) expect(existsSync(join(packageRoot, f)), f).toBe(true);
    const ignored = readFileSync(join(packageRoot, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('node_modules');
    expect(ignored).not.toContain('src');
  });

  describe('HEALTHCHECK', () => {
    const hc = instructions.find((i) => /^HEALTHCHECK\s/i.test(i))!;
    const cmd = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[];
    let t: TestProxy;
    beforeAll(async () => {
      t = await startTestProxy();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('runs `zbridge healthcheck` (the configuration loaded as serve loads it: test/cli/healthcheck.test.ts)', () => {
      expect(cmd).toEqual(['node', 'dist/bin.js', 'healthcheck']);
    });

    it('exits 0 against a ready proxy and 1 when nothing answers', async () => {
      const env = { ...process.env, PORT: String(t.proxy.port), HOST: '127.0.0.1', ZBRIDGE_ADMIN_PORT: '', ZBRIDGE_CONFIG: '' };
      await expect(run(process.execPath, cmd.slice(1), { env, cwd: packageRoot })).resolves.toBeDefined();
      const closed = await freePort();
      await expect(run(process.execPath, cmd.slice(1), { env: { ...env, PORT: String(closed) }, cwd: packageRoot })).rejects.toMatchObject({ code: 1 });
    }, 60_000);
  });
});

describe('deploy/zbridge.service', () => {
  const unit = readFileSync(join(packageRoot, 'deploy', 'zbridge.service'), 'utf8');
  const sections = new Map<string, Map<string, string[]>>();
  let current = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const head = /^\[(\w+)\]$/.exec(line);
    if (head) {
      current = head[1];
      sections.set(current, new Map());
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const values = sections.get(current)!.get(key) ?? [];
    values.push(line.slice(eq + 1));
    sections.get(current)!.set(key, values);
  }
  const service = sections.get('Service')!;
  const one = (k: string): string => service.get(k)![0];

  it('has the three sections and runs the built CLI as an unprivileged user', () => {
    expect([...sections.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(one('ExecStart')).toMatch(/^\/usr\/bin\/node \S+\/dist\/bin\.js serve$/);
    expect(one('ExecStartPre')).toMatch(/dist\/bin\.js config check$/);
    expect(one('User')).not.toBe('root');
    expect(sections.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('gives SIGTERM more time than the proxy takes to drain, and keeps state in its StateDirectory', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    const defaults = configSchema.parse({});
    expect(Number(one('TimeoutStopSec')) * 1000).toBeGreaterThan(defaults.shutdownGraceMs);
    expect(one('StateDirectory')).toBe('zbridge');
    const env = service.get('Environment')!;
    expect(env).toContain('ZBRIDGE_JOURNAL_DIR=/var/lib/zbridge/journal');
    expect(one('ProtectSystem')).toBe('strict');
  });
});
