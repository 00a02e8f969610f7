import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/report/run.js';
import { csvCell, escapeHtml } from '../../src/report/escape.js';
import type { ReportData } from '../../src/report/types.js';
import { memoryIO, tempDir } from '../convert/helpers.js';

const CHROMIUM = '/usr/bin/chromium';

describe('report from the sample payloads, URL log and journal', () => {
  const out = tempDir('report');
  let data: ReportData;
  let exitCode: number;

  beforeAll(async () => {
    const r = await runReport({ inputs: ['samples/payloads', 'samples/corpus'], out, now: new Date('2024-03-06T00:00:00Z') }, memoryIO());
    exitCode = r.exitCode;
    data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
  });

  it('writes the three files; an unreadable URL line makes the exit code 1', () => {
    for (const f of ['report.html', 'report.json', 'fields.csv']) expect(existsSync(join(out, f))).toBe(true);
    expect(exitCode).toBe(1);
    expect(data.inputErrors).toEqual([{ file: 'samples/corpus/urls.log', message: expect.stringMatching(/^line 7/) }]);
  });

  it('counts calls by module and method, and unsupported methods from logs and journals', () => {
    expect(data.calls).toContainEqual({ module: 'Contacts', method: 'getRecords', calls: 2, failed: 2 });
    expect(data.unsupportedMethods).toEqual([{ module: 'Contacts', method: 'getRecords', count: 2, integrations: ['fp:9b0c11aa2e53'] }]);
  });

  it('maps every label seen, with status, count and example', () => {
    expect(data.fields).toContainEqual({ module: 'Leads', label: 'Home Phone', status: 'unmapped', count: 2, example: expect.any(String) });
    expect(data.fields).toContainEqual(expect.objectContaining({ module: 'Leads', label: 'Zoho_id', status: 'unmapped', count: 1, example: 'x' }));
    expect(data.fields).toContainEqual(expect.objectContaining({ module: 'Leads', label: 'Created Time', apiName: 'Created_Time', status: 'read-only-dropped' }));
    expect(data.conversionFailures).toContainEqual({ module: 'Contacts', label: 'Date of Birth', count: 1, example: '31/31/1990' });
    const csv = readFileSync(join(out, 'fields.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('module,label,api_name,status,count,example');
    expect(csv).toContain('Leads,Zoho_id,,unmapped,1,x');
  });

  it('journal facts: integrations, in-doubt calls, latency, credits, duplicates, resolutions, timeline', () => {
    expect(data.integrations.map((i) => [i.tokenFingerprint, i.userAgent, i.address, i.calls])).toEqual([
      ['fp:3f2a9c1b7d44', 'PHP-Curl/7.4', '10.0.0.7', 3],
      ['fp:9b0c11aa2e53', 'zohorde/0.2.12', '10.0.0.9', 2],
    ]);
    expect(data.inDoubt.count).toBe(2);
    expect(data.inDoubt.shown.map((r) => [r.id, r.reason])).toEqual([
      ['req-0004', 'outcome-in-doubt'],
      ['req-0005', 'no-outcome'],
    ]);
    expect(data.latency).toEqual({ count: 4, p50: 95, p95: 30000, max: 30000 });
    expect(data.totals.credits).toBe(4);
    expect(data.duplicates).toEqual([{ module: 'Leads', field: 'Email', via: 'search', count: 1 }]);
    expect(data.resolutions).toEqual([{ kind: 'owner', module: 'Contacts', field: 'Owner', resolved: 1, unresolved: 0, reasons: {} }]);
    expect(data.timeline.granularity).toBe('hour');
    expect(data.timeline.buckets.reduce((n, b) => n + b.calls, 0)).toBe(5);
    expect(data.timeline.buckets).toHaveLength(25); // 2024-03-04T09:00 … 2024-03-05T09:00, empty hours included
    expect(data.timeline.buckets[1]).toEqual({ t: '2024-03-04T10:00', calls: 1, failed: 1 });
    expect(data.codes.some((c) => c.code === '4600' && c.count === 2)).toBe(false); // getRecords is ranked as unsupported
    expect(data.codes).toContainEqual({ level: 'row', code: '4832', message: 'You have given a wrong value for the field : Date of Birth', count: 1 });
  });

  it('ranks what to fix first: in-doubt and failing calls before unmapped labels and unsupported methods', () => {
    const kinds = data.fixFirst.map((f) => f.kind);
    expect(kinds[0]).toBe('in-doubt');
    expect(kinds.indexOf('failing-calls')).toBeLessThan(kinds.indexOf('unsupported-method'));
    expect(kinds.indexOf('failing-calls')).toBeLessThan(kinds.indexOf('unmapped-label'));
    expect(data.fixFirst.every((f, i, a) => i === 0 || { high: 0, medium: 1, low: 2 }[a[i - 1].severity] <= { high: 0, medium: 1, low: 2 }[f.severity])).toBe(true);
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

  it.skipIf(!existsSync(CHROMIUM))('renders in headless Chromium with every section and no console errors', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(out, 'report.html')}`);
      const ids = await page.$$eval('section', (s) => s.map((e) => e.id));
      expect(ids).toEqual(['fix-first', 'overview', 'calls', 'fields', 'conversions', 'codes', 'warnings', 'unsupported', 'integrations', 'timeline', 'in-doubt', 'latency', 'duplicates', 'input-errors']);
      expect(await page.locator('#fix-first li').count()).toBe(data.fixFirst.length);
      expect(await page.locator('#calls svg rect.bar').count()).toBe(data.calls.length);
      expect(await page.locator('#timeline svg rect.bar').count()).toBe(data.timeline.buckets.length);
      const box = await page.locator('#calls svg').boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(await page.title()).toBe('zbridge migration report');
      expect(problems).toEqual([]);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
