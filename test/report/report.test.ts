import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/report/run.js';
import { csvCell, escapeHtml } from '../../src/report/escape.js';
import type { ReportData } from '../../src/report/types.js';
import { memoryIO, tempDir } from '../convert/helpers.js';

/** The URL log's authtoken in clear: it must appear in no report file. */
const URL_LOG_TOKEN = '0123456789abcdef';

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('report from the sample payloads, URL log and journal', () => {
  const out = tempDir('report');
  let data: ReportData;
  let exitCode: number;
  let stderr: string;

  beforeAll(async () => {
    const io = memoryIO();
    const r = await runReport({ inputs: ['samples/payloads', 'samples/corpus'], out, now: new Date('2024-03-06T00:00:00Z') }, io);
    exitCode = r.exitCode;
    stderr = io.err();
    data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
  });

  it('writes the three files and a porting kit per integration; an unreadable URL line makes the exit code 1', () => {
    for (const f of ['report.html', 'report.json', 'fields.csv']) expect(existsSync(join(out, f))).toBe(true);
    expect(exitCode).toBe(1);
    expect(data.inputErrors).toEqual([{ file: 'samples/corpus/urls.log', message: expect.stringMatching(/^line 7/) }]);
    for (const i of data.integrations) {
      for (const f of ['README.md', 'methods.json', 'field-map.json', 'conversion-failures.json', 'scopes.txt']) {
        expect(existsSync(join(out, 'integrations', i.id, f)), `${i.id}/${f}`).toBe(true);
      }
    }
    expect(stderr).toMatch(/4 integration\(s\)/);
  });

  it('tells integrations apart: journal clients, URL-log authtokens (fingerprinted) and payload folders', () => {
    expect(data.integrations.map((i) => [i.kind, i.label, i.calls])).toEqual([
      ['payload-folder', 'payload folder samples/payloads', 33],
      ['url-log', 'authtoken fp:9f9f5111f7b2', 5],
      ['journal', 'authtoken fp:3f2a9c1b7d44 · PHP-Curl/7.4 · 10.0.0.7', 3],
      ['journal', 'authtoken fp:9b0c11aa2e53 · zohorde/0.2.12 · 10.0.0.9', 2],
    ]);
    expect(data.integrations.every((i) => /^[a-z0-9-]+$/.test(i.id))).toBe(true);
    expect(data.totals.integrations).toBe(4);
    for (const file of allFiles(out)) expect(readFileSync(file, 'utf8'), file).not.toContain(URL_LOG_TOKEN);
  });

  it('counts calls by module and method, reads per integration, and unsupported methods from logs and journals', () => {
    // The URL log's getRecords is a translated read now; the journal recorded one from before reads existed (4600).
    expect(data.calls).toContainEqual({ module: 'Contacts', method: 'getRecords', calls: 2, failed: 1 });
    const ids = data.integrations.map((i) => i.id);
    expect(data.unsupportedMethods).toEqual([
      { module: 'Contacts', method: 'getRecords', count: 1, integrations: [ids[3]] },
      { module: 'Leads', method: 'getCVRecords', count: 1, integrations: [ids[1]] },
    ]);
    expect(data.integrations.map((i) => i.reads)).toEqual([0, 1, 0, 1]);
  });

  it('maps every label seen, with status, count and example', () => {
    expect(data.fields).toContainEqual({ module: 'Leads', label: 'Home Phone', status: 'unmapped', count: 2, example: expect.any(String) });
    expect(data.fields).toContainEqual(expect.objectContaining({ module: 'Leads', label: 'Zoho_id', status: 'unmapped', count: 1, example: 'x' }));
    expect(data.fields).toContainEqual(expect.objectContaining({ module: 'Leads', label: 'Created Time', apiName: 'Created_Time', status: 'read-only-dropped' }));
    expect(data.conversionFailures).toContainEqual({ module: 'Contacts', label: 'Date of Birth', count: 1, example: '31/31/1990', rule: expect.stringMatching(/^date field: yyyy-MM-dd or MM\/dd\/yyyy/) });
    const csv = readFileSync(join(out, 'fields.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('module,label,api_name,status,count,example');
    expect(csv).toContain('Leads,Zoho_id,,unmapped,1,x');
  });

  it('journal facts: in-doubt calls with the values to check by hand, latency, credits, duplicates, resolutions, timeline', () => {
    expect(data.inDoubt.count).toBe(2);
    expect(data.inDoubt.shown.map((r) => [r.id, r.reason, r.keys])).toEqual([
      ['req-0004', 'outcome-in-doubt', [{ no: '1', values: { Account_Name: 'Zillum' } }]],
      ['req-0005', 'no-outcome', [{ no: '1', values: { id: '1386586000002579001' } }]],
    ]);
    expect(data.inDoubt.shown[0].integration).toBe(data.integrations[2].id);
    expect(data.latency).toEqual({ count: 4, p50: 95, p95: 30000, max: 30000 });
    expect(data.totals.credits).toBe(4);
    expect(data.duplicates).toEqual([{ module: 'Leads', field: 'Email', via: 'search', count: 1 }]);
    expect(data.resolutions).toEqual([{ kind: 'owner', module: 'Contacts', field: 'Owner', resolved: 1, unresolved: 0, reasons: {} }]);
    expect(data.timeline.granularity).toBe('hour');
    expect(data.timeline.buckets.reduce((n, b) => n + b.calls, 0)).toBe(5);
    expect(data.timeline.buckets).toHaveLength(25); // 2024-03-04T09:00 … 2024-03-05T09:00, empty hours included
    expect(data.timeline.buckets[1]).toEqual({ t: '2024-03-04T10:00', calls: 1, failed: 1 });
    expect(data.codes.some((c) => c.code === '4600' && c.message.startsWith('Unable') && c.count === 2)).toBe(false); // getRecords is ranked as unsupported
    expect(data.codes).toContainEqual({ level: 'row', code: '4832', message: 'You have given a wrong value for the field : Date of Birth', count: 1 });
  });

  it('overview counts every source, not only journal entries', () => {
    expect(data.sources).toEqual({ payloadCalls: 33, urlLogCalls: 5, journalCalls: 5, journalEntries: 8, files: 35 });
    expect(data.totals.calls).toBe(43);
  });

  it('every item of "What to fix first" names its integrations with places to look', () => {
    const byId = new Map(data.integrations.map((i) => [i.id, i]));
    for (const f of data.fixFirst) {
      expect(f.sources.length, f.title).toBeGreaterThan(0);
      for (const s of f.sources) {
        if (f.kind !== 'bad-input') expect(byId.has(s.integration), s.integration).toBe(true);
        expect(s.locations.length).toBeGreaterThan(0);
      }
    }
    const fax = data.fixFirst.find((f) => f.title.includes('"Fax Number"'))!;
    expect(fax.sources).toEqual([{ integration: data.integrations[1].id, count: 1, locations: ['samples/corpus/urls.log:3'] }]);
    const doubt = data.fixFirst.find((f) => f.kind === 'in-doubt')!;
    expect(doubt.sources[0].locations).toEqual(['samples/corpus/journal.jsonl (request req-0004)', 'samples/corpus/journal.jsonl (request req-0005)']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const i of data.integrations) expect(html).toContain(`<a href="#int-${i.id}">`);
    // Each integration lists its problems by their rank.
    const journal = data.integrations[2];
    expect(journal.problems.map((p) => data.fixFirst[p].kind)).toContain('in-doubt');
  });

  it('ranks by damage: silent data loss, then failures, then warnings; by share within a class', () => {
    const rank = { 'data-loss': 0, failed: 1, warning: 2 } as const;
    expect(data.fixFirst.every((f, i, a) => i === 0 || rank[a[i - 1].class] <= rank[f.class])).toBe(true);
    for (let i = 1; i < data.fixFirst.length; i++) {
      const [a, b] = [data.fixFirst[i - 1], data.fixFirst[i]];
      if (a.class === b.class) expect((a.share ?? 0) >= (b.share ?? 0), `${a.title} / ${b.title}`).toBe(true);
    }
    const unmapped = data.fixFirst.findIndex((f) => f.kind === 'unmapped-label');
    expect(unmapped).toBeLessThan(data.fixFirst.findIndex((f) => f.kind === 'failing-rows'));
    expect(data.fixFirst.find((f) => f.kind === 'unmapped-label')!.share).toBeCloseTo(2 / data.totals.rows);
    // Payload lookups by name are "only resolvable live" warnings, never claimed as found missing.
    expect(data.fixFirst.filter((f) => f.kind === 'unresolved-offline').length).toBeGreaterThan(0);
    expect(data.fixFirst.some((f) => f.kind === 'unresolved-live')).toBe(false);
  });

  it('porting kit: v2 equivalents, field map, representative bodies, conversion rules, scopes', () => {
    const journal = data.integrations[2];
    const dir = join(out, 'integrations', journal.id);
    expect(JSON.parse(readFileSync(join(dir, 'field-map.json'), 'utf8'))).toEqual({
      Accounts: { 'Account Name': 'Account_Name' },
      Leads: { Company: 'Company', Email: 'Email', 'Last Name': 'Last_Name', 'Lead Source': 'Lead_Source', 'Lead Status': 'Lead_Status' },
    });
    expect(journal.kit.unmappedLabels).toEqual({ Leads: ['Zoho_id'] });
    expect(readFileSync(join(dir, 'scopes.txt'), 'utf8')).toBe(
      'ZohoCRM.modules.accounts.CREATE,ZohoCRM.modules.leads.CREATE,ZohoCRM.modules.leads.READ,ZohoCRM.modules.leads.UPDATE\n',
    );
    expect(JSON.parse(readFileSync(join(dir, 'requests', 'Leads-insert.json'), 'utf8'))).toEqual({
      method: 'POST',
      path: '/crm/v2/Leads',
      body: { data: [{ Last_Name: 'Smith', Company: 'Acme', Email: 'smith@example.com', Lead_Source: 'Web' }], trigger: [] },
    });
    expect(JSON.parse(readFileSync(join(dir, 'methods.json'), 'utf8'))).toContainEqual({
      module: 'Leads',
      method: 'updateRecords',
      v2: expect.stringMatching(/^PUT \/crm\/v2\/Leads\/\{id\}/),
      notes: expect.any(String),
    });
    const zohorde = data.integrations[3];
    expect(zohorde.kit.conversionFailures).toEqual([
      expect.objectContaining({ module: 'Contacts', label: 'Date of Birth', apiName: 'Date_of_Birth', dataType: 'date', count: 1, example: '31/31/1990' }),
    ]);
    expect(zohorde.kit.methods.find((m) => m.method === 'getRecords')!.v2).toMatch(/^GET \/crm\/v2\/Contacts\?page=/);
    expect(zohorde.kit.scopes).toEqual(['ZohoCRM.modules.contacts.CREATE', 'ZohoCRM.modules.contacts.READ', 'ZohoCRM.users.READ']);
    // URL log: the exact decimal of the sample survives into the kit's body.
    const urlKit = readFileSync(join(out, 'integrations', data.integrations[1].id, 'requests', 'Leads-insert.json'), 'utf8');
    expect(urlKit).toContain('12345678901234567.12345678');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('# Porting kit: authtoken fp:3f2a9c1b7d44 · PHP-Curl/7.4 · 10.0.0.7');
    expect(readme).toContain('requests/Leads-insert.json: POST /crm/v2/Leads');
  });

  it('escapes every value in the HTML', async () => {
    const dir = tempDir('report-xss');
    writeFileSync(join(dir, 'evil.xml'), '<Leads><row no="1"><FL val="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;img src=x onerror=alert(2)&gt;</FL><FL val="Last Name">x</FL></row></Leads>');
    const evilOut = tempDir('report-xss-out');
    await runReport({ inputs: [dir], out: evilOut }, memoryIO());
    const html = readFileSync(join(evilOut, 'report.html'), 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });
});

describe('report edge cases', () => {
  it('an input with no calls says "no inputs found" and exits 1', async () => {
    const dir = tempDir('report-empty');
    writeFileSync(join(dir, 'notes.md'), '# nothing here\n');
    const out = tempDir('report-empty-out');
    const io = memoryIO();
    const { exitCode } = await runReport({ inputs: [dir], out }, io);
    expect(exitCode).toBe(1);
    expect(io.err()).toMatch(/no inputs found/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('No inputs found');
    expect(html).not.toContain('No problems found');
  });

  it('--no-examples leaves every input value out of report.html, report.json, fields.csv and the kits', async () => {
    const out = tempDir('report-private');
    await runReport({ inputs: ['samples/payloads', 'samples/corpus'], out, examples: false }, memoryIO());
    const values = ['smith@example.com', 'Zillum', 'Acme', '31/31/1990', 'Hannah', 'ann@example.com'];
    for (const file of allFiles(out)) {
      const text = readFileSync(file, 'utf8');
      for (const v of values) expect(text.includes(v), `${v} in ${file}`).toBe(false);
    }
    const data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
    expect(data.examples).toBe(false);
    expect(data.fields.every((f) => f.example === undefined)).toBe(true);
    expect(data.inDoubt.shown.every((r) => r.keys === undefined && r.keysNote === 'left out (--no-examples)')).toBe(true);
    // Bodies become templates with placeholders, still ready to fill in.
    const kit = data.integrations.find((i) => i.kind === 'journal')!;
    expect(kit.kit.requests.find((r) => r.name === 'Leads-insert')!.body).toEqual({
      data: [{ Last_Name: '{{Last_Name}}', Company: '{{Company}}', Email: '{{Email}}', Lead_Source: '{{Lead_Source}}' }],
      trigger: [],
    });
    expect(readFileSync(join(out, 'fields.csv'), 'utf8')).toContain('Leads,Zoho_id,,unmapped,1,\r\n');
  });

  it('a journal lookup that found no match live is data loss, not "not resolved offline"', async () => {
    const dir = tempDir('report-live');
    const client = { address: '10.1.1.1', userAgent: 'erp/1', tokenFingerprint: 'fp:aaaaaaaaaaaa' };
    const base = { client, format: 'xml', module: 'Contacts', method: 'insertRecords', path: '/crm/private/xml/Contacts/insertRecords', params: {} };
    const lines = [
      {
        ...base,
        type: 'request',
        id: 'r1',
        ts: '2026-01-01T10:00:00.000Z',
        plan: { operation: 'insert', module: 'Contacts', requests: [{ method: 'POST', path: '/crm/v2/Contacts', records: 1 }], bodies: [{ data: [{ Last_Name: 'Lee' }] }] },
        warnings: [{ kind: 'unresolved-lookup', row: '1', label: 'Account Name', message: 'Account Name "Nope Inc" given by name only (no match): dropped' }],
        trace: [{ no: '*', fields: [{ label: 'Last Name', apiName: 'Last_Name', outcome: 'mapped', example: 'Lee', count: 1 }] }],
      },
      { ...base, type: 'outcome', id: 'r1', ts: '2026-01-01T10:00:00.300Z', durationMs: 300, upstream: true, v2Calls: [], legacy: { kind: 'success' }, rows: [{ no: '1', code: '2000', id: '1' }] },
    ];
    writeFileSync(join(dir, 'journal-a.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const out = tempDir('report-live-out');
    const { data } = await runReport({ inputs: [dir], out }, memoryIO());
    const item = data!.fixFirst.find((f) => f.kind === 'unresolved-live')!;
    expect(item.class).toBe('data-loss');
    expect(item.title).toMatch(/matched no single record in the org/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).not.toMatch(/resolved offline|can only be resolved against the live org/);
    // One minute of traffic: a single bucket is said in words, not drawn as one bar.
    expect(data!.timeline).toEqual({ granularity: 'minute', buckets: [{ t: '2026-01-01T10:00', calls: 1, failed: 0 }] });
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('All 1 call(s) in the minute of 2026-01-01T10:00 UTC');
  });

  it('a field dropped on 60,000 of 60,006 rows ranks above a failure on one row; unknown modules are labelled', async () => {
    const { ReportAggregator } = await import('../../src/report/aggregate.js');
    const agg = new ReportAggregator([]);
    const client = { tokenFingerprint: 'fp:bbbbbbbbbbbb' };
    const base = { client, format: 'xml' as const, method: 'insertRecords', params: {} };
    agg.addJournalEntry(
      {
        ...base,
        type: 'request',
        id: 'big',
        ts: '2026-01-01T10:00:00.000Z',
        module: 'Leads',
        path: '/crm/private/xml/Leads/insertRecords',
        trace: [{ no: '*', fields: [{ label: 'Fax2', outcome: 'unknown', count: 60_000 }] }],
      },
      'j.jsonl',
    );
    agg.addJournalEntry(
      {
        ...base,
        type: 'outcome',
        id: 'big',
        ts: '2026-01-01T10:00:01.000Z',
        module: 'Leads',
        path: '/crm/private/xml/Leads/insertRecords',
        durationMs: 1,
        upstream: true,
        v2Calls: [],
        legacy: { kind: 'rows' },
        rows: [...Array.from({ length: 60_005 }, (_, i) => ({ no: String(i + 1), code: '2000' })), { no: '60006', code: '4832', message: 'You have given a wrong value for the field : Phone' }],
      },
      'j.jsonl',
    );
    agg.addJournalEntry(
      { ...base, type: 'outcome', id: 'x', ts: '2026-01-01T11:00:00.000Z', module: '', path: '/crm/private/xml//insertRecords', durationMs: 0, upstream: false, v2Calls: [], legacy: { kind: 'error', code: '4600', message: 'bad' }, rows: [], category: 'bad-request' },
      'j.jsonl',
    );
    const data = agg.finish();
    expect(data.fixFirst[0]).toMatchObject({ class: 'data-loss', kind: 'unmapped-label', count: 60_000, unit: 'rows' });
    expect(data.fixFirst[0].share).toBeCloseTo(60_000 / 60_006);
    expect(data.fixFirst.findIndex((f) => f.kind === 'failing-rows')).toBeGreaterThan(0);
    const { renderReportHtml } = await import('../../src/report/html.js');
    const html = renderReportHtml(data);
    expect(html).toContain('(no module) insertRecords');
    expect(html).toContain('60000 rows · &gt;99.9% of all rows');
  });
});

describe('reads count like writes', () => {
  it('a translated read is counted per integration with its v2 equivalent and READ scope, not as unsupported', async () => {
    const { ReportAggregator } = await import('../../src/report/aggregate.js');
    const agg = new ReportAggregator([], { isTranslated: (m) => ['insertRecords', 'updateRecords', 'getRecords', 'searchRecords'].includes(m) });
    const client = { tokenFingerprint: 'fp:cccccccccccc', userAgent: 'sync/2', address: '10.2.2.2' };
    for (const [i, method] of ['getRecords', 'getRecords', 'searchRecords', 'getMyRecords'].entries()) {
      agg.addJournalEntry(
        {
          type: 'outcome',
          id: `read-${i}`,
          ts: `2026-01-01T10:0${i}:00.000Z`,
          client,
          format: 'xml',
          module: 'Leads',
          method,
          path: `/crm/private/xml/Leads/${method}`,
          params: {},
          durationMs: 3,
          upstream: method !== 'getMyRecords',
          v2Calls: [],
          legacy: method === 'getMyRecords' ? { kind: 'error', code: '4600', message: 'Unable to process your request.' } : { kind: 'rows' },
          rows: [],
          ...(method === 'getMyRecords' ? { category: 'unsupported-method' } : {}),
        },
        'reads.jsonl',
      );
    }
    const data = agg.finish();
    const int = data.integrations[0];
    expect(int.methods.map((m) => [m.method, m.calls, m.supported])).toEqual([
      ['getRecords', 2, true],
      ['searchRecords', 1, true],
      ['getMyRecords', 1, false],
    ]);
    expect(int.kit.methods.find((m) => m.method === 'searchRecords')!.v2).toMatch(/^GET \/crm\/v2\/Leads\/search\?criteria=/);
    expect(int.kit.scopes).toEqual(['ZohoCRM.modules.leads.READ', 'ZohoCRM.users.READ']);
    expect(data.unsupportedMethods).toEqual([{ module: 'Leads', method: 'getMyRecords', count: 1, integrations: [int.id] }]);
  });
});
