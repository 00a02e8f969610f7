/**
 * Breaker finding 1, as a kind: a token-like path segment (a foreign or outdated authtoken a client's URL
 * template put in the path) is `***` in every output — the access log (`err` too), the journal (error fields
 * too), convert's outputs (`error.detail` too) and the report — wherever a text is built from a path segment,
 * module or method name (`unknown module …`, `v1 method … is not translated`, `v1 module "…" is not …`).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runConvert } from '../../src/convert/convert.js';
import { runReport } from '../../src/report/run.js';
import { scrubMessage } from '../../src/journal/redact.js';
import { memoryIO, tempDir } from '../convert/helpers.js';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

/** Token shapes a client may paste into a path: each must vanish everywhere. */
const SECRETS = [
  ['32 hex characters', '0123456789abcdef0123456789abcdef'],
  ['36 characters, letters then digits', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1111'],
  ['33 hex characters', 'cafebabecafebabecafebabecafebabe1'],
  ['40 digits', '1234567890123456789012345678901234567890'],
  ['an upper-case hex run', 'DEADBEEFDEADBEEFDEADBEEFDEADBEEF'],
] as const;

/** Every place a path segment can sit in a v1 URL, for writes, reads and actions, in both formats. */
const PATHS = (s: string): string[] => [
  `/crm/private/xml/${s}/insertRecords`,
  `/crm/private/xml/Leads/${s}`,
  `/crm/private/json/${s}/updateRecords`,
  `/crm/private/xml/${s}/getRecords`,
  `/crm/private/json/${s}/searchRecords`,
  `/crm/private/xml/${s}/getRecordById`,
  `/crm/private/xml/${s}/deleteRecords`,
  `/crm/private/json/${s}/uploadFile`,
  `/crm/private/xml/${s}/${s}`,
  `/crm/private/xml/Leads/insertRecords/${s}`,
];

const XMLDATA = '<Leads><row no="1"><FL val="Last Name">X</FL></row></Leads>';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

let t: TestProxy | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a token-like path segment is scrubbed from every text built from it (finding 1)', () => {
  it.each(SECRETS)('scrubMessage removes %s', (_name, secret) => {
    for (const text of [`unknown module ${secret}`, `v1 method ${secret} is not translated`, `v1 module "${secret}" is not a module`, `${secret}/getRecords`]) {
      expect(scrubMessage(text)).not.toContain(secret);
      expect(scrubMessage(text)).toContain('***');
    }
    // Record ids (19 digits) and ordinary words stay readable.
    expect(scrubMessage('record 4150868000000224005 of Leads')).toBe('record 4150868000000224005 of Leads');
  });

  it.each(SECRETS)('proxy: access log, journal and report never show %s', async (_name, secret) => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) });
    t = await startTestProxy({}, { logDestination: sink, logLevel: 'debug' });
    for (const path of PATHS(secret)) {
      const query = new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: XMLDATA, id: '1', criteria: '(Last Name:X)' });
      const res = await fetch(`${t.proxy.url}${path}?${query}`);
      expect(await res.text()).toMatch(/4600|4500|<code>|"code"/);
    }
    await t.close();
    const entries = t.journal.entries;
    expect(entries.length).toBeGreaterThanOrEqual(PATHS(secret).length);
    // The error texts exist (the test would pass trivially if they were dropped).
    expect(entries.some((e) => e.type === 'outcome' && /unknown module|not translated|not a read/.test(e.error ?? ''))).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(secret);
    const log = lines.join('');
    expect(log).toMatch(/"err":"[^"]*\*\*\*/);
    expect(log).not.toContain(secret);

    // The report over that journal.
    const dir = tempDir('pathsecret-j');
    writeFileSync(join(dir, 'journal.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const out = tempDir('pathsecret-r');
    const io = memoryIO();
    await runReport({ inputs: [dir], out: join(out, 'r') }, io);
    for (const file of filesUnder(join(out, 'r'))) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    expect(io.out() + io.err()).not.toContain(secret);
    t = undefined;
  });

  it.each(SECRETS)('convert and report of a URL log never show %s', async (_name, secret) => {
    const dir = tempDir('pathsecret-u');
    mkdirSync(join(dir, 'in'));
    const urls = PATHS(secret).map((p) => `https://crm.zoho.com${p}?authtoken=${TOKEN}&scope=crmapi&xmlData=${encodeURIComponent(XMLDATA)}`);
    // A line the URL-log reader cannot read, quoting the segment.
    urls.push(`https://crm.zoho.com/crm/private/xml/${secret}?scope=crmapi`);
    writeFileSync(join(dir, 'in', 'calls.log'), urls.join('\n') + '\n');

    for (const out of [join(dir, 'out'), join(dir, 'out.jsonl'), '-']) {
      const io = memoryIO();
      await runConvert({ inputs: [join(dir, 'in')], out }, io);
      const written = out === '-' ? io.out() : statSync(out).isDirectory() ? filesUnder(out).map((f) => readFileSync(f, 'utf8')).join('\n') : readFileSync(out, 'utf8') + readFileSync(out.replace(/\.jsonl$/, '.summary.json'), 'utf8');
      expect(written).toContain('***');
      expect(written).toMatch(/is not a module of the metadata|is not translated/);
      expect(written, out).not.toContain(secret);
      expect(io.err(), out).not.toContain(secret);
    }

    const io = memoryIO();
    await runReport({ inputs: [join(dir, 'in')], out: join(dir, 'report') }, io);
    for (const file of filesUnder(join(dir, 'report'))) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    expect(io.out() + io.err()).not.toContain(secret);
  });
});
