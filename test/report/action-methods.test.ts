/**
 * Breaker finding 24: the record actions (deleteRecords, convertLead, uploadFile …) and the reads are answered by
 * the proxy, so `zbridge report` counts them as translated — from URL logs and from the proxy's own journal —
 * and `zbridge convert` plans them; only methods the proxy answers 4600 are "unsupported". One predicate
 * (isTranslatedMethod over TRANSLATED_METHODS, READ_METHODS, ACTION_METHODS) decides for both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_METHODS } from '../../src/mapping/actions.js';
import { READ_METHODS } from '../../src/mapping/query.js';
import { isTranslatedMethod, TRANSLATED_METHODS } from '../../src/mapping/translate.js';
import { ReportAggregator } from '../../src/report/aggregate.js';
import { runReport } from '../../src/report/run.js';
import { runConvert } from '../../src/convert/convert.js';
import type { ReportData } from '../../src/report/types.js';
import { memoryIO, tempDir } from '../convert/helpers.js';

const TOKEN = '0123456789abcdef';
/** One archived URL per action, with the parameters the proxy needs. */
const ACTION_URLS: Record<string, string> = {
  deleteRecords: 'Leads/deleteRecords?id=123',
  updateRelatedRecords: `Leads/updateRelatedRecords?id=1&relatedModule=Campaigns&xmlData=${encodeURIComponent('<Campaigns><row no="1"><FL val="CAMPAIGNID">2</FL></row></Campaigns>')}`,
  delink: 'Leads/delink?id=1&relatedModule=Campaigns&relatedId=2',
  convertLead: 'Leads/convertLead?leadId=1',
  uploadFile: `Leads/uploadFile?id=1&attachmentUrl=${encodeURIComponent('https://example.com/a.pdf')}`,
  downloadFile: 'Leads/downloadFile?id=5',
  deleteFile: 'Leads/deleteFile?id=5&parentId=1',
  uploadPhoto: 'Leads/uploadPhoto?id=1',
  downloadPhoto: 'Leads/downloadPhoto?id=1',
  deletePhoto: 'Leads/deletePhoto?id=1',
};

describe('report and convert agree on what the proxy translates', () => {
  it('every write, read and action method is translated; an unknown method is not', () => {
    for (const m of [...TRANSLATED_METHODS, ...READ_METHODS, ...ACTION_METHODS]) expect(isTranslatedMethod(m), m).toBe(true);
    for (const m of ['frobnicate', 'getAllRecords', 'DELETERECORDS', '']) expect(isTranslatedMethod(m), m).toBe(false);
    expect(Object.keys(ACTION_URLS).sort()).toEqual([...ACTION_METHODS].sort());
  });

  it('a URL log of every action: none is "unsupported" in the report, and convert plans none as unsupported', async () => {
    const dir = tempDir('report-actions');
    const log = join(dir, 'urls.log');
    const lines = [...Object.values(ACTION_URLS), 'Leads/getRecords?fromIndex=1', 'Leads/frobnicate?x=1'].map(
      (u) => `GET /crm/private/xml/${u}&authtoken=${TOKEN}&scope=crmapi HTTP/1.1`,
    );
    writeFileSync(log, lines.join('\n') + '\n');
    const out = join(dir, 'out');
    await runReport({ inputs: [log], out, now: new Date('2026-01-01T00:00:00Z') }, memoryIO());
    const data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
    expect(data.unsupportedMethods.map((u) => u.method)).toEqual(['frobnicate']);
    const methods = new Map(data.integrations[0].methods.map((m) => [m.method, m.supported]));
    for (const m of ACTION_METHODS) expect(methods.get(m), m).toBe(true);
    expect(methods.get('frobnicate')).toBe(false);
    expect(JSON.stringify(data)).not.toMatch(/unsupported v1 method Leads\/(?!frobnicate)/);

    const io = memoryIO();
    await runConvert({ inputs: [log], out: '-' } as Parameters<typeof runConvert>[0], io);
    const results = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { call?: { method: string }; status: string; category?: string; error?: { message?: string } });
    const unsupported = results.filter((r) => r.category === 'unsupported-method' || /not translated/.test(JSON.stringify(r)));
    expect(unsupported.map((r) => r.call?.method)).toEqual(['frobnicate']);
    // Downloads and byte uploads: nothing to convert offline, and convert says the proxy translates them.
    const live = results.filter((r) => r.category === 'offline' || (r as { error?: { category?: string } }).error?.category === 'offline');
    expect(live.map((r) => r.call?.method).sort()).toEqual(['downloadFile', 'downloadPhoto', 'uploadPhoto']);
    for (const r of live) expect(JSON.stringify(r)).toContain('the proxy translates it live');
    expect(data.calls.filter((c) => c.failed > 0).map((c) => c.method)).toEqual(['frobnicate']);
  });

  it("the proxy's own journal: action outcomes count as translated calls", () => {
    const agg = new ReportAggregator([]);
    const client = { tokenFingerprint: 'fp:dddddddddddd', userAgent: 'legacy/1', address: '10.3.3.3' };
    for (const [i, method] of [...ACTION_METHODS, 'frobnicate'].entries()) {
      agg.addJournalEntry(
        {
          type: 'outcome',
          id: `a-${i}`,
          ts: `2026-01-01T10:00:${String(i).padStart(2, '0')}.000Z`,
          client,
          format: 'xml',
          module: 'Leads',
          method,
          path: `/crm/private/xml/Leads/${method}`,
          params: {},
          durationMs: 3,
          upstream: method !== 'frobnicate',
          v2Calls: [],
          legacy: method === 'frobnicate' ? { kind: 'error', code: '4600', message: 'Unable to process your request.' } : { kind: 'success' },
          rows: [],
          ...(method === 'frobnicate' ? { category: 'unsupported-method' } : {}),
        },
        'actions.jsonl',
      );
    }
    const data = agg.finish();
    expect(data.unsupportedMethods.map((u) => u.method)).toEqual(['frobnicate']);
    expect(data.integrations[0].methods.filter((m) => !m.supported).map((m) => m.method)).toEqual(['frobnicate']);
  });
});
