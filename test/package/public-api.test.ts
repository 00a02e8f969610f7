/**
 * The package as users get it: package.json `main` imported from dist/ (not from src/), and the `zbridge` bin run
 * with node. CI runs `npm run build` before `npm test`; test/global-build.ts rebuilds dist/ before any test when
 * it is missing or older than src/, so this never runs against a stale build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { main: string; bin: Record<string, string> };

type Api = typeof import('../../src/index.js');
let api: Api;

beforeAll(async () => {
  api = (await import(pathToFileURL(resolve(root, pkg.main)).href)) as Api;
}, 120_000);

describe('the built package', () => {
  it('package.json main and bin point at files the build produced', () => {
    expect(pkg.main).toMatch(/^dist\//);
    expect(existsSync(resolve(root, pkg.main))).toBe(true);
    for (const file of Object.values(pkg.bin)) expect(existsSync(resolve(root, file)), file).toBe(true);
  });

  it('exports the public surface', () => {
    for (const name of ['startProxy', 'startSandbox', 'runConvert', 'runReport', 'runReplay', 'runMetadataPull', 'loadConfig', 'parseConfig', 'translateCall', 'runCli'] as const) {
      expect(typeof api[name], name).toBe('function');
    }
    expect(api.TRANSLATED_METHODS.has('insertRecords')).toBe(true);
    expect(new api.ConfigError('port', 'bad')).toBeInstanceOf(api.ZbridgeError);
  });

  it('translates a call with the bundled snapshot found from dist/', () => {
    const call = api.parseLegacyUrlLine(
      '/crm/private/xml/Leads/insertRecords?authtoken=x&scope=crmapi&xmlData=' +
        encodeURIComponent('<Leads><row no="1"><FL val="Last Name">Heng</FL><FL val="Company">Zylker</FL></row></Leads>'),
    );
    const t = api.translateCall(call, { schema: api.loadSchema(), timeZone: 'UTC' });
    expect(t.error).toBeUndefined();
    expect(t.plan?.requests[0].body.data).toEqual([{ Last_Name: 'Heng', Company: 'Zylker' }]);
  });

  it('starts the sandbox, and the proxy answers a legacy insert over HTTP', async () => {
    const sandbox = await api.startSandbox({ port: 0 });
    await sandbox.close();
    const token = 'public0api0test0token';
    const proxy = await api.startProxy(
      api.parseConfig({ port: 0, journal: { dir: '' }, logLevel: 'silent', sandbox: { authtokens: [token] } }),
      { defaultMetrics: false },
    );
    try {
      const xmlData = '<Leads><row no="1"><FL val="Last Name">Heng</FL><FL val="Company">Zylker</FL></row></Leads>';
      const res = await fetch(`${proxy.url}/crm/private/xml/Leads/insertRecords`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ authtoken: token, scope: 'crmapi', xmlData }).toString(),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).toContain('Record(s) added successfully');
    } finally {
      await proxy.close();
    }
  });

  it('the bin runs the command (help exits 0)', () => {
    const run = spawnSync(process.execPath, [resolve(root, pkg.bin.zbridge), '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('convert');
    expect(run.stdout).toContain('metadata');
  });
});
