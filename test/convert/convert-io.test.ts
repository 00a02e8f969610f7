/**
 * convert's outputs and inputs as an operator meets them: `--out FILE.jsonl`, payload folders with an index.json,
 * path options that name what is wrong (exit 2), and progress in bytes and calls with rate and ETA on a terminal
 * only.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonlSummaryPath, runConvert } from '../../src/convert/convert.js';
import { formatBytes } from '../../src/inputs/io.js';
import { runReport } from '../../src/report/run.js';
import { zbridge } from '../cli/helpers.js';
import { memoryIO, tempDir } from './helpers.js';

interface Doc {
  source: string;
  status: string;
  operation?: string;
  module?: string;
  call: { module: string; method: string; params: Record<string, string> };
  requests: { method: string; path: string }[];
  error?: { code: string; detail?: string };
}

const index = JSON.parse(readFileSync('samples/payloads/index.json', 'utf8')) as { payloads: { file: string; method: string; module: string }[] };

describe('--out FILE.jsonl', () => {
  it('writes one line per call and a summary beside it, not one file per call', async () => {
    const dir = tempDir('jsonl');
    const out = join(dir, 'sub', 'calls.jsonl');
    const io = memoryIO();
    const { exitCode, summary } = await runConvert({ inputs: ['samples/payloads', 'samples/corpus/urls.log'], out }, io);
    expect(exitCode).toBe(1); // urls.log line 7 is not a URL
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(summary!.calls);
    expect(lines.map((l) => (JSON.parse(l) as Doc).source).slice(0, 2)).toEqual(['samples/payloads/001-accounts-basic.xml', 'samples/payloads/001-calls-contact-account.xml']);
    expect(readdirSync(join(dir, 'sub')).sort()).toEqual(['calls.jsonl', 'calls.summary.json']);
    expect(JSON.parse(readFileSync(jsonlSummaryPath(out), 'utf8'))).toMatchObject({ calls: summary!.calls });
    expect(io.err()).toContain(`→ ${out} (summary: ${jsonlSummaryPath(out)})`);
    // Exact decimals survive into the file as they do into per-call files.
    expect(readFileSync(out, 'utf8')).toContain('12345678901234567.12345678');
  });
});

describe('payload folders with index.json', () => {
  it('each file is converted with the method, module and parameters the index gives it', async () => {
    const { exitCode, summary } = await runConvert({ inputs: ['samples/payloads'], out: '-' }, memoryIO());
    // Breaker finding 13: the seeds' duplicate-check and v4-update examples carry e-mails v2 refuses
    // (`automation@crm.com 1`): refused before sending, as the proxy does. Every other sample converts.
    // They are version=4 calls: their rows fail (two each), no whole call does.
    expect(exitCode).toBe(1);
    expect(summary!.callsFailed).toBe(0);
    expect(summary!.failed).toBe(6);
    expect(summary!.errorsByCode).toEqual({ '4832': 6 });
    const io = memoryIO();
    await runConvert({ inputs: ['samples/payloads'], out: '-' }, io);
    const docs = io.out().trim().split('\n').map((l) => JSON.parse(l) as Doc);
    expect(docs).toHaveLength(index.payloads.length);
    for (const entry of index.payloads) {
      const doc = docs.find((d) => d.source.endsWith(`/${entry.file}`))!;
      expect(doc.call.method, entry.file).toBe(entry.method);
      expect(doc.call.module, entry.file).toBe(entry.module);
      expect(doc.operation, entry.file).toBe(entry.method === 'updateRecords' ? 'update' : 'insert');
    }
    const updates = docs.filter((d) => d.source.includes('/003-'));
    expect(updates).toHaveLength(10);
    expect(updates.every((d) => d.operation === 'update' && d.requests.every((r) => r.method === 'PUT'))).toBe(true);
    const leadsUpdate = docs.find((d) => d.source.endsWith('003-leads-update.xml'))!;
    expect(leadsUpdate.call.params).toMatchObject({ id: '1000000019001', newformat: '1' });
    expect(leadsUpdate.requests[0].path).toBe('/crm/v2/Leads/1000000019001');
    const custom = docs.find((d) => d.source.endsWith('001-custommodule1-insert.xml'))!;
    expect(custom).toMatchObject({ status: 'ok', module: 'Course_Progress' });
  });

  it('options on the command line win over the index', async () => {
    const io = memoryIO();
    await runConvert({ inputs: ['samples/payloads/003-leads-update.xml'], out: '-', method: 'insertRecords', params: 'newFormat=2' }, io);
    const doc = JSON.parse(io.out()) as Doc;
    expect(doc.call.method).toBe('insertRecords');
    expect(doc.call.params).toEqual({ scope: 'crmapi', newformat: '2' });
  });

  it('an unknown module says why instead of a bare 4600; a broken index.json is reported', async () => {
    const dir = tempDir('noindex');
    writeFileSync(join(dir, 'cm.xml'), readFileSync('samples/payloads/001-custommodule1-insert.xml'));
    const io = memoryIO();
    await runConvert({ inputs: [dir], out: '-' }, io);
    const doc = JSON.parse(io.out()) as Doc;
    expect(doc.error).toMatchObject({ code: '4600', detail: expect.stringContaining('v1 module "CustomModule" is not a module of the metadata') });
    writeFileSync(join(dir, 'index.json'), '{"payloads": 3}');
    const bad = memoryIO();
    const r = await runConvert({ inputs: [dir], out: '-' }, bad);
    expect(r.exitCode).toBe(1);
    expect(bad.err()).toContain('index.json: expected {"payloads":[…]}');
  });

  it('the report reads the same index: the 003 samples count as updateRecords', async () => {
    const { data } = await runReport({ inputs: ['samples/payloads'], out: tempDir('report-index') }, memoryIO());
    expect(data!.calls.filter((c) => c.method === 'updateRecords').reduce((n, c) => n + c.calls, 0)).toBe(10);
    // Only the seeds' e-mails v2 refuses (finding 13): two rows in each of 001/004 duplicate-check and 003 v4 update.
    expect(data!.codes).toEqual([{ code: '4832', count: 6, level: 'row', message: 'You have given a wrong value for the field : Email' }]);
  });
});

describe('path options name what is wrong (exit 2)', () => {
  const file = join(tempDir('opts'), 'a-file');
  writeFileSync(file, 'x');
  const noMeta = join(tempDir('opts-meta'), 'missing');

  it.each([
    ['convert --out FILE', (io: ReturnType<typeof memoryIO>) => runConvert({ inputs: ['samples/payloads/001-accounts-basic.xml'], out: file }, io), '--out: '],
    ['convert --metadata missing', (io: ReturnType<typeof memoryIO>) => runConvert({ inputs: ['samples/payloads/001-accounts-basic.xml'], out: '-', metadata: noMeta }, io), '--metadata: no such folder'],
    ['report --out FILE', (io: ReturnType<typeof memoryIO>) => runReport({ inputs: ['samples/payloads/001-accounts-basic.xml'], out: file }, io), '--out: '],
    ['report --metadata missing', (io: ReturnType<typeof memoryIO>) => runReport({ inputs: ['samples/payloads/001-accounts-basic.xml'], out: tempDir('r'), metadata: noMeta }, io), '--metadata: no such folder'],
  ])('%s', async (_name, run, message) => {
    const io = memoryIO();
    const { exitCode } = await run(io);
    expect(exitCode).toBe(2);
    expect(io.err()).toContain(message);
  });

  it('the built CLI prints the option', async () => {
    const r = await zbridge(['convert', 'samples/payloads/001-accounts-basic.xml', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`zbridge convert: --out: ${file} is a file, not a folder`);
    const m = await zbridge(['report', 'samples/payloads', '--out', tempDir('cli-r'), '--metadata', noMeta]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(`zbridge report: --metadata: no such folder: ${noMeta}`);
    const p = await zbridge(['metadata', 'pull', '--out', file]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('zbridge metadata pull: --out:');
  }, 90_000);

  it('a metadata folder without modules.json is refused too', async () => {
    const dir = tempDir('empty-meta');
    mkdirSync(join(dir, 'fields'));
    const io = memoryIO();
    expect((await runConvert({ inputs: ['samples/payloads/001-accounts-basic.xml'], out: '-', metadata: dir }, io)).exitCode).toBe(2);
    expect(io.err()).toContain('has no modules.json');
  });
});

describe('progress', () => {
  const tty = () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    }) as Writable & { isTTY?: boolean; columns?: number };
    stream.isTTY = true;
    stream.columns = 160;
    return { stream, text: () => text };
  };

  it('on a terminal: bytes of the total, rate, ETA and calls (convert and report)', async () => {
    const err = tty();
    await runConvert({ inputs: ['samples/corpus', 'samples/payloads'], out: '-' }, { stdout: memoryIO().stdout, stderr: err.stream });
    const shown = err.text();
    expect(shown).toMatch(/of \d+(\.\d+)? kB/);
    expect(shown).toMatch(/\| [\d.]+ (B|kB|MB)\/s \|/);
    expect(shown).toMatch(/ETA /);
    expect(shown).toMatch(/\| \d+ calls/);
    expect(shown).not.toMatch(/files \|/);
    const rerr = tty();
    await runReport({ inputs: ['samples/corpus'], out: tempDir('progress-report') }, { stdout: memoryIO().stdout, stderr: rerr.stream });
    expect(rerr.text()).toMatch(/ETA .*\| \d+ calls/);
  });

  it('not on a terminal: no progress line at all', async () => {
    const io = memoryIO();
    await runConvert({ inputs: ['samples/corpus'], out: '-' }, io);
    expect(io.err()).not.toMatch(/ETA|\/s \|/);
  });

  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1500, '1.50 kB'],
    [72_000_000, '72.0 MB'],
    [2_500_000_000, '2.50 GB'],
  ])('formatBytes(%d) = %s', (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });
});
