import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournal } from '../../src/journal/file-journal.js';
import { findUnfinished, readJournal } from '../../src/journal/reader.js';
import { redactParams, scrubText, tokenFingerprint } from '../../src/journal/redact.js';
import type { JournalOutcomeEntry, JournalRequestEntry } from '../../src/journal/types.js';
import { numberFromLiteral } from '../../src/convert/core.js';
import { parseJsonExact } from '../../src/inputs/json-read.js';
import { DecimalLiteral, stringifyV2 } from '../../src/v2/json.js';

const summary = (id: string) => ({
  id,
  ts: '2026-11-23T10:00:00.000Z',
  client: { address: '127.0.0.1', tokenFingerprint: 'fp:000000000000' },
  format: 'xml' as const,
  module: 'Leads',
  method: 'insertRecords',
  path: '/crm/private/xml/Leads/insertRecords',
  params: { scope: 'crmapi' },
});
const request = (id: string): JournalRequestEntry => ({ ...summary(id), type: 'request', xmlData: '<Leads/>'.padEnd(400, ' ') });
const outcome = (id: string): JournalOutcomeEntry => ({
  ...summary(id),
  type: 'outcome',
  durationMs: 1,
  upstream: true,
  v2Calls: [],
  legacy: { kind: 'success' },
  rows: [{ no: '1', code: '2000', id: '3652397000001000001' }],
});

describe('FileJournal', () => {
  it('appends JSONL, rotates by size, never overwrites, files are 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-journal-'));
    const journal = new FileJournal({ dir, maxFileBytes: 1000 });
    for (let i = 0; i < 6; i += 1) journal.append(request(`r${i}`));
    await journal.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(1000);
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    // A second journal in the same directory continues numbering after the existing files.
    const again = new FileJournal({ dir, maxFileBytes: 1000 });
    again.append(outcome('r0'));
    await again.close();
    expect(readdirSync(dir).length).toBe(files.length + 1);
    const ids: string[] = [];
    for await (const e of readJournal(dir)) ids.push(`${e.type}:${e.id}`);
    expect(ids).toEqual(['request:r0', 'request:r1', 'request:r2', 'request:r3', 'request:r4', 'request:r5', 'outcome:r0']);
  });

  it('a request without an outcome is unfinished (in doubt after a crash); bad lines are reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-journal-'));
    const journal = new FileJournal({ dir });
    journal.append(request('a'));
    journal.append(outcome('a'));
    journal.append(request('b'));
    await journal.close();
    expect((await findUnfinished(dir)).map((e) => e.id)).toEqual(['b']);
    const file = join(dir, readdirSync(dir)[0]);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });
});

describe('exact decimals', () => {
  it('request bodies keep every digit on disk and when replay reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-journal-'));
    const journal = new FileJournal({ dir });
    const body = { data: [{ Last_Name: 'X', Annual_Revenue: new DecimalLiteral('12345678901234567.123456789') }], trigger: [] };
    journal.append({ ...request('d'), plan: { operation: 'insert', module: 'Leads', requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 1 }], bodies: [body] } });
    await journal.close();
    expect(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8')).toContain('"Annual_Revenue":12345678901234567.123456789');
    const entries = [];
    for await (const e of readJournal(dir, undefined, { parse: (line) => parseJsonExact(line, numberFromLiteral) })) entries.push(e);
    const replayed = (entries[0] as JournalRequestEntry).plan!.bodies![0];
    expect(stringifyV2(replayed)).toContain('"Annual_Revenue":12345678901234567.123456789');
  });
});

describe('redaction', () => {
  it('drops secret parameters and xmlData, keeps the rest lower-cased', () => {
    expect(
      redactParams({ authtoken: 'x', Ticket: 'y', apikey: 'z', client_secret: 's', xmldata: '<a/>', Scope: 'crmapi', duplicateCheck: '1', my_token_field: 't' }),
    ).toEqual({ scope: 'crmapi', duplicatecheck: '1' });
  });
  it('fingerprints are stable, short and not the token', () => {
    const fp = tokenFingerprint('0123456789abcdef0123456789abcdef')!;
    expect(fp).toMatch(/^fp:[0-9a-f]{12}$/);
    expect(tokenFingerprint('0123456789abcdef0123456789abcdef')).toBe(fp);
    expect(fp).not.toContain('0123456789ab');
    expect(tokenFingerprint(undefined)).toBeUndefined();
  });
  it('scrubs tokens from free text', () => {
    const text = scrubText('Authorization: Zoho-oauthtoken 1000.abcdef0123.456789abcd failed; authtoken=secret1&x=1', ['secret1']);
    expect(text).not.toMatch(/1000\.abcdef|secret1/);
  });
});
