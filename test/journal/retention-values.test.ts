/** journal.maxFiles / maxAgeDays (whole files, oldest first, never the open one) and journal.values full | hashed | none. */
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneJournal } from '../../src/journal/retention.js';
import type { JournalOutcomeEntry, JournalRequestEntry } from '../../src/journal/types.js';
import { applyJournalValues, hashValue } from '../../src/journal/values.js';
import { DecimalLiteral } from '../../src/mapping/index.js';

const DAY = 86_400_000;

function journalDir(names: string[], ages: number[], now: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-retention-'));
  names.forEach((n, i) => {
    writeFileSync(join(dir, n), '{}\n');
    const t = (now - ages[i]) / 1000;
    utimesSync(join(dir, n), t, t);
  });
  writeFileSync(join(dir, 'notes.txt'), 'not a journal file');
  return dir;
}

describe('journal retention', () => {
  const now = Date.UTC(2026, 5, 1);
  const names = ['journal-20260101T000000Z-0001.jsonl', 'journal-20260102T000000Z-0002.jsonl', 'journal-20260103T000000Z-0003.jsonl', 'journal-20260104T000000Z-0004.jsonl'];

  it.each([
    [{ maxFiles: 2 }, [names[2], names[3]]],
    [{ maxFiles: 10 }, names],
    [{ maxAgeDays: 5 }, [names[2], names[3]]],
    [{ maxAgeDays: 5, maxFiles: 1 }, [names[3]]],
    [{}, names],
  ])('%j keeps %j', (policy, kept) => {
    const dir = journalDir(names, [30 * DAY, 10 * DAY, 2 * DAY, 0], now);
    pruneJournal(dir, policy, undefined, now);
    expect(readdirSync(dir).filter((f) => f.startsWith('journal-')).sort()).toEqual(kept);
    expect(readdirSync(dir)).toContain('notes.txt');
  });

  it('never deletes the file being written, even when it is the oldest', () => {
    const dir = journalDir(names, [30 * DAY, 30 * DAY, 30 * DAY, 30 * DAY], now);
    const r = pruneJournal(dir, { maxAgeDays: 1 }, join(dir, names[3]), now);
    expect(r.deleted.length).toBe(3);
    expect(readdirSync(dir).filter((f) => f.startsWith('journal-'))).toEqual([names[3]]);
  });

  it('orders by sequence number, not by the time in the name', () => {
    const odd = ['journal-20270101T000000Z-0001.jsonl', 'journal-20260101T000000Z-0002.jsonl'];
    const dir = journalDir(odd, [0, 0], now);
    pruneJournal(dir, { maxFiles: 1 }, undefined, now);
    expect(readdirSync(dir).filter((f) => f.startsWith('journal-'))).toEqual([odd[1]]);
  });
});

describe('journal.values', () => {
  const request: JournalRequestEntry = {
    type: 'request',
    id: 'r1',
    ts: '2026-01-01T00:00:00.000Z',
    client: { tokenFingerprint: 'fp:aaaaaaaaaaaa' },
    format: 'xml',
    module: 'Leads',
    method: 'insertRecords',
    path: '/crm/private/xml/Leads/insertRecords',
    params: { scope: 'crmapi' },
    xmlData: '<Leads><row no="1"><FL val="Email">ann@example.com</FL></row></Leads>',
    plan: {
      operation: 'insert',
      module: 'Leads',
      requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 1 }],
      bodies: [{ data: [{ Last_Name: 'Smith', Email: 'ann@example.com', Annual_Revenue: new DecimalLiteral('12345678901234567.5'), Email_Opt_Out: true, Owner: { id: '2000000016714' }, Tags: ['a', 'b'] }], trigger: ['workflow'] }],
    },
    warnings: [{ kind: 'unresolved-lookup', row: '1', label: 'Account Name', message: 'Account Name "Acme" given by name only (no match): dropped' }],
    trace: [{ no: '*', fields: [{ label: 'Email', apiName: 'Email', outcome: 'mapped', example: 'ann@example.com', count: 1 }] }],
  };
  const outcome: JournalOutcomeEntry = {
    type: 'outcome',
    id: 'r1',
    ts: '2026-01-01T00:00:01.000Z',
    client: {},
    format: 'xml',
    module: 'Leads',
    method: 'insertRecords',
    path: '/crm/private/xml/Leads/insertRecords',
    params: {},
    durationMs: 5,
    upstream: true,
    v2Calls: [],
    legacy: { kind: 'success' },
    rows: [{ no: '1', code: '2000', id: '3652397000000000001' }],
    resolutions: [{ kind: 'lookup', field: 'Account_Name', module: 'Accounts', value: 'Acme', reason: 'no-match' }],
  };
  const personal = ['ann@example.com', 'Smith', 'Acme', '12345678901234567'];

  it('full keeps the entry as it is', () => {
    expect(applyJournalValues(request, 'full')).toBe(request);
    expect(applyJournalValues(outcome, 'full')).toBe(outcome);
  });

  it.each(['hashed', 'none'] as const)('%s leaves no value in the line, keeps ids, names, codes and the shape', (mode) => {
    const r = applyJournalValues(request, mode) as JournalRequestEntry;
    const o = applyJournalValues(outcome, mode) as JournalOutcomeEntry;
    const text = JSON.stringify(r) + JSON.stringify(o);
    for (const v of personal) expect(text).not.toContain(v);
    expect(r.values).toBe(mode);
    expect(r.xmlData).toBeUndefined();
    const record = (r.plan!.bodies![0] as { data: Record<string, unknown>[]; trigger: string[] }).data[0];
    expect(Object.keys(record)).toEqual(['Last_Name', 'Email', 'Annual_Revenue', 'Email_Opt_Out', 'Owner', 'Tags']);
    expect(record.Owner).toEqual({ id: '2000000016714' });
    expect(record.Email_Opt_Out).toBe(true);
    expect((r.plan!.bodies![0] as { trigger: string[] }).trigger).toEqual(['workflow']);
    expect(r.warnings).toEqual([{ kind: 'unresolved-lookup', row: '1', label: 'Account Name', message: 'unresolved-lookup: Account Name' }]);
    expect(o.rows).toEqual(outcome.rows);
    if (mode === 'hashed') {
      expect(record.Email).toBe(hashValue('ann@example.com'));
      expect(record.Annual_Revenue).toBe(hashValue('12345678901234567.5'));
      expect(r.trace![0].fields[0].example).toBe(hashValue('ann@example.com'));
      expect(o.resolutions![0].value).toBe(hashValue('Acme'));
    } else {
      expect(record.Email).toBeNull();
      expect(r.trace![0].fields[0]).not.toHaveProperty('example');
      expect(o.resolutions![0].value).toBe('');
    }
    // The original is not modified (it is still used for the live call).
    expect(request.xmlData).toContain('ann@example.com');
  });

  it('hashes are stable and distinguish values', () => {
    expect(hashValue('a@b.example')).toBe(hashValue('a@b.example'));
    expect(hashValue('a@b.example')).not.toBe(hashValue('A@b.example'));
    expect(hashValue('x')).toMatch(/^h:[0-9a-f]{16}$/);
  });
});

describe('the proxy applies journal.values and retention', () => {
  it('journal.values hashed, maxFiles 2: no value in clear on disk, at most two files kept, ids kept', async () => {
    const { parseConfig } = await import('../../src/config.js');
    const { startProxy } = await import('../../src/server/index.js');
    const { createLogger } = await import('../../src/server/logger.js');
    const { readFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-journal-policy-'));
    const config = parseConfig({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      sandbox: { authtokens: ['policy-token'] },
      journal: { dir, maxFileBytes: 1500, maxFiles: 2, values: 'hashed' },
    });
    const proxy = await startProxy(config, { defaultMetrics: false, logger: createLogger('silent') });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const body = new URLSearchParams({
          authtoken: 'policy-token',
          scope: 'crmapi',
          xmlData: `<Leads><row no="1"><FL val="Last Name">Private${i}</FL><FL val="Company">Secret Co</FL><FL val="Email">p${i}@example.com</FL></row></Leads>`,
        });
        const res = await fetch(`${proxy.url}/crm/private/xml/Leads/insertRecords`, { method: 'POST', body });
        const xml = await res.text();
        expect(xml).toContain('Record(s) added successfully');
        ids.push(/<FL val="Id">(\d+)<\/FL>/.exec(xml)![1]);
      }
      const files = readdirSync(dir).filter((f) => f.startsWith('journal-'));
      expect(files.length).toBeLessThanOrEqual(2);
      const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
      expect(text).not.toMatch(/Private\d|Secret Co|@example\.com/);
      expect(text).toContain(ids[5]);
      expect(text).toContain(hashValue('Secret Co'));
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('PolicyJournal passes the wrapped journal through', () => {
  it('check() and currentFile() answer as the file journal does', async () => {
    const { FileJournal } = await import('../../src/journal/file-journal.js');
    const { PolicyJournal } = await import('../../src/journal/policy.js');
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-policy-pass-'));
    const inner = new FileJournal({ dir });
    const journal = new PolicyJournal(inner, { dir, values: 'none' });
    journal.append({ type: 'outcome', id: 'x', ts: '2026-01-01T00:00:00.000Z', client: {}, format: 'xml', module: 'Leads', method: 'insertRecords', path: '/', params: {}, durationMs: 0, upstream: false, v2Calls: [], legacy: { kind: 'success' }, rows: [] });
    expect(journal.currentFile()).toBe(inner.currentFile());
    expect(journal.check()).toEqual((inner as unknown as { check?: () => unknown }).check?.() ?? { ok: true });
    await journal.close();
  });
});
