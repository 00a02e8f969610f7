/**
 * A v1 client as the third-party libraries of the issue use the API, against the real `zbridge serve` process
 * (`npm start`: embedded sandbox): getModules → getFields → getRecords fromIndex=1&toIndex=1 → searchRecords →
 * insertRecords → getRecordById. It only reads the v1 answer shapes those clients read (response.result.row[]
 * .content, section/FL labels, nodata 4422, recorddetail Id, row FL content/val), so it stands for them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

const TOKEN = 'driver-token-0123456789';
let child: ReturnType<typeof spawn> | undefined;
let base = '';

beforeAll(async () => {
  const journalDir = mkdtempSync(join(tmpdir(), 'zbridge-driver-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'serve', '--port', '0'], {
    cwd: packageRoot,
    env: { ...process.env, ZBRIDGE_LOG_LEVEL: 'warn', ZBRIDGE_AUTHTOKENS: TOKEN, ZBRIDGE_JOURNAL_DIR: journalDir, HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  child.stdout!.resume();
  base = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) resolve(m[1]);
    };
    child!.stderr!.on('data', check);
    child!.on('exit', (code) => reject(new Error(`zbridge serve exited with ${code}: ${stderr}`)));
  });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

/** The client's one HTTP helper: GET with authtoken + scope in the query, as the Python/Ruby clients do. */
async function call(format: 'xml' | 'json', module: string, method: string, params: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${base}/crm/private/${format}/${module}/${method}?${new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', ...params })}`);
  expect(res.status).toBe(200);
  return res.text();
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe('an unmodified v1 client through npm start', () => {
  it('getModules → getFields → getRecords 1..1 → searchRecords → insertRecords → getRecordById', async () => {
    // 1. Module discovery (the Python client's first call): response.result.row[].content.
    const modules = JSON.parse(await call('json', 'Info', 'getModules', { type: 'api' }));
    const names = asArray(modules.response.result.row as { content: string }[]).map((r) => r.content);
    expect(names).toEqual(expect.arrayContaining(['Leads', 'Contacts', 'Accounts', 'Potentials']));

    // 2. Field reflection: section[].FL[].label; mandatory fields by req.
    const fields = JSON.parse(await call('json', 'Leads', 'getFields'));
    const fls = asArray(fields.Leads.section as { FL: unknown }[]).flatMap((s) => asArray(s.FL as { label: string; req: string }[]));
    const labels = fls.map((f) => f.label);
    expect(labels).toEqual(expect.arrayContaining(['Last Name', 'Company', 'Email', 'Lead Owner', 'Designation']));
    expect(fls.filter((f) => f.req === 'true').map((f) => f.label).sort()).toEqual(['Company', 'Last Name']);

    // 3. The Ruby client's reflection read on an empty module: nodata 4422, which it treats as "no rows".
    const first = await call('xml', 'Leads', 'getRecords', { fromIndex: '1', toIndex: '1' });
    expect(first).toContain('<nodata><code>4422</code><message>There is no data to show</message></nodata>');

    // 4. "Search, then insert": nothing found yet.
    const email = 'driver.client@example.com';
    const before = JSON.parse(await call('json', 'Leads', 'searchRecords', { criteria: `(Email:${email})` }));
    expect(before.response.nodata.code).toBe('4422');

    // 5. Insert with labels taken from getFields.
    const xmlData = `<Leads><row no="1"><FL val="Company">Driver Inc</FL><FL val="Last Name">Client</FL><FL val="Email">${email}</FL><FL val="Designation">CTO</FL><FL val="Phone">0123456</FL></row></Leads>`;
    const inserted = await call('xml', 'Leads', 'insertRecords', { xmlData });
    const id = /<FL val="Id">(\d+)<\/FL>/.exec(inserted)?.[1];
    expect(inserted).toContain('Record(s) added successfully');
    expect(id).toMatch(/^\d{19}$/);

    // 6. Read back by id: the values the client wrote, under the same labels; owner and system pairs.
    const got = JSON.parse(await call('json', 'Leads', 'getRecordById', { id: id! }));
    const row = got.response.result.Leads.row as { no: string; FL: { val: string; content: string }[] };
    expect(row.no).toBe('1');
    const byLabel = new Map(row.FL.map((f) => [f.val, f.content]));
    expect(byLabel.get('LEADID')).toBe(id);
    expect(byLabel.get('Company')).toBe('Driver Inc');
    expect(byLabel.get('Last Name')).toBe('Client');
    expect(byLabel.get('Designation')).toBe('CTO');
    expect(byLabel.get('Phone')).toBe('0123456');
    expect(byLabel.get('SMOWNERID')).toMatch(/^\d+$/);
    expect(byLabel.get('Created Time')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // And the search the integration runs next time finds it (a one-row answer is an object).
    const after = JSON.parse(await call('json', 'Leads', 'searchRecords', { criteria: `((Email:${email}))` }));
    expect(after.response.result.Leads.row.FL[0]).toEqual({ content: id, val: 'LEADID' });
  });
});
