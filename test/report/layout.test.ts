/**
 * report.html in Debian's headless Chromium (playwright-core, /usr/bin/chromium) at 1400 px and 700 px: every
 * section renders, no text overflows its box, the page never scrolls sideways, no console error, and no network
 * request leaves the file. The input mixes the samples with a journal built to stress the layout: long user
 * agents and labels, a dominant category beside tiny ones, and a day of minute-level traffic.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/report/run.js';
import type { ReportData } from '../../src/report/types.js';
import { memoryIO } from '../convert/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function stressJournal(dir: string): void {
  const lines: string[] = [];
  const longUa = `VeryLongIntegrationClient/${'9.'.repeat(40)}0 (compatible; ${'x'.repeat(120)})`;
  const label = `A label nobody mapped ${'with many words '.repeat(6)}and_a_very_long_token_${'z'.repeat(80)}`;
  for (let i = 0; i < 300; i++) {
    const id = `s-${i}`;
    const client = { address: `2001:db8::${(i % 3) + 1}`, userAgent: i % 3 === 0 ? longUa : `agent-${i % 3}`, tokenFingerprint: `fp:${String(i % 3).repeat(12)}` };
    const module = i === 299 ? '' : i % 50 === 0 ? 'Accounts' : 'Leads';
    const ts = new Date(Date.UTC(2026, 0, 1, 8, 0) + i * 90_000).toISOString();
    const summary = { id, ts, client, format: 'xml', module, method: i % 97 === 5 ? 'getRecords' : 'insertRecords', path: `/crm/private/xml/${module}/insertRecords`, params: {} };
    if (module) {
      lines.push(
        JSON.stringify({
          ...summary,
          type: 'request',
          plan: { operation: 'insert', module, requests: [{ method: 'POST', path: `/crm/v2/${module}`, records: 1 }], bodies: [{ data: [{ Last_Name: `Name ${i}`, Email: `p${i}@example.com`, Description: 'y'.repeat(300) }] }] },
          trace: [{ no: '*', fields: [{ label: 'Last Name', apiName: 'Last_Name', outcome: 'mapped', example: `Name ${i}` }, { label, outcome: 'unknown', example: 'q'.repeat(200) }] }],
        }),
      );
    }
    if (i % 40 === 7) continue; // no outcome: in doubt
    lines.push(
      JSON.stringify({
        ...summary,
        type: 'outcome',
        durationMs: 10 + (i % 13),
        upstream: true,
        v2Calls: [{ method: 'POST', path: `/crm/v2/${module}`, status: 201, durationMs: 9, attempts: 1 }],
        legacy: i % 11 === 0 ? { kind: 'error', code: '4500', message: `Problem occured while processing the request ${'and a long reason '.repeat(8)}` } : { kind: 'success' },
        rows: [{ no: '1', code: '2000', id: String(4_000_000_000_000_000_000n + BigInt(i)) }],
        ...(i % 11 === 0 ? { inDoubt: true, createdIds: [String(4_100_000_000_000_000_000n + BigInt(i))] } : {}),
      }),
    );
  }
  writeFileSync(join(dir, 'journal-stress.jsonl'), `${lines.join('\n')}\n`);
}

describe.skipIf(!existsSync(CHROMIUM))('report.html in headless Chromium', () => {
  const out = mkdtempSync(join(tmpdir(), 'zbridge-report-layout-'));
  let data: ReportData;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-report-stress-'));
    stressJournal(dir);
    await runReport({ inputs: ['samples/payloads', 'samples/corpus', dir], out }, memoryIO());
    data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
  }, 120_000);

  for (const width of [1400, 700]) {
    it(`at ${width} px: every section, no overflowing text, no sideways scroll, no console error, no network`, async () => {
      // A fresh profile per run: nothing cached or remembered from elsewhere.
      const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'zbridge-chromium-')), {
        executablePath: CHROMIUM,
        args: FLAGS,
        viewport: { width, height: 900 },
      });
      try {
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(e.message));
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        const file = `file://${join(out, 'report.html')}`;
        await page.goto(file);
        expect(await page.title()).toBe('zbridge migration report');
        const ids = await page.$$eval('section', (s) => s.map((e) => e.id));
        expect(ids).toEqual(['fix-first', 'overview', 'calls', 'integrations', 'fields', 'conversions', 'codes', 'warnings', 'unsupported', 'timeline', 'in-doubt', 'latency', 'duplicates', 'input-errors']);
        expect(await page.locator('#fix-first ol.fix > li').count()).toBe(data.fixFirst.length);
        expect(await page.locator('#calls .bar-row').count()).toBe(Math.min(25, data.calls.length));
        expect(await page.locator('#timeline .col').count()).toBe(data.timeline.buckets.length);
        expect(await page.locator('article.integration').count()).toBe(data.integrations.length);
        // Every problem links to an integration section that exists.
        const broken = await page.$$eval('#fix-first a[href^="#int-"]', (as) => as.map((a) => a.getAttribute('href')!.slice(1)).filter((id) => !document.getElementById(id)));
        expect(broken).toEqual([]);

        // Open every porting kit so its content is laid out and checked too.
        await page.$$eval('details', (ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
        const overflow = await page.evaluate(() => {
          const bad: string[] = [];
          if (document.documentElement.scrollWidth > window.innerWidth) bad.push(`page is ${document.documentElement.scrollWidth}px wide`);
          const boxOf = (el: Element): Element => {
            let e: Element | null = el;
            while (e && getComputedStyle(e).display.startsWith('inline')) e = e.parentElement;
            return e ?? el;
          };
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!n.textContent?.trim() || !n.parentElement) continue;
            const box = boxOf(n.parentElement).getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(n);
            for (const r of Array.from(range.getClientRects())) {
              if (r.width === 0) continue;
              if (r.left < box.left - 1 || r.right > box.right + 1 || r.right > window.innerWidth) {
                bad.push(`"${n.textContent.slice(0, 40)}" (${Math.round(r.left)}–${Math.round(r.right)} outside ${Math.round(box.left)}–${Math.round(box.right)})`);
                break;
              }
            }
          }
          return bad.slice(0, 10);
        });
        expect(overflow).toEqual([]);

        // Log scale: the smallest bar stays visible beside the dominant one.
        const widths = await page.$$eval('#calls .bar-row .track > .fill:not(.alert)', (fs) => fs.map((f) => f.getBoundingClientRect().width));
        expect(Math.min(...widths)).toBeGreaterThan(Math.max(...widths) / 10);

        expect(problems).toEqual([]);
        expect(requests.filter((u) => u !== file)).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);
  }
});
