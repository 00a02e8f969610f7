/**
 * Writes the proxy refuses before sending anything (a value v2 refuses for certain: 4832; docs/PROTOCOL.md §5)
 * leave no `request` line. Their `outcome` line carries the call's xmlData and folded field trace instead, so
 * `zbridge report` over the journal shows which label failed and by which rule, as it does for the same call in
 * a URL log; `journal.values` masks them as it masks a request line (newcomer finding 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyJournalValues } from '../../src/journal/values.js';
import type { JournalOutcomeEntry } from '../../src/journal/types.js';
import { runReport } from '../../src/report/run.js';
import type { ReportData } from '../../src/report/types.js';
import { memoryIO, tempDir } from '../convert/helpers.js';
import { startTestProxy, TOKEN, type TestProxy } from '../proxy/helpers.js';

let t: TestProxy | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const insert = async (p: TestProxy, xmlData: string): Promise<string> => {
  const body = new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData });
  const res = await fetch(`${p.proxy.url}/crm/private/xml/Leads/insertRecords`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return res.text();
};

const CASES = [
  { name: 'an Annual Revenue that is no number', label: 'Annual Revenue', xml: '<Leads><row no="1"><FL val="Last Name">A</FL><FL val="Company">C</FL><FL val="Annual Revenue">zz</FL></row></Leads>', value: 'zz', outcome: 'invalid' },
  { name: 'an e-mail that is no address', label: 'Email', xml: '<Leads><row no="1"><FL val="Last Name">B</FL><FL val="Company">C</FL><FL val="Email">bad email@x</FL></row></Leads>', value: 'bad email@x', outcome: 'invalid' },
];

describe('writes refused before sending: the outcome line carries the trace', () => {
  for (const c of CASES) {
    it(`${c.name}: 4832, nothing sent, outcome with xmlData and the failed label; the report lists the conversion`, async () => {
      const p = (t = await startTestProxy());
      expect(await insert(p, c.xml)).toContain('<code>4832</code>');
      expect(p.requests()).toHaveLength(0);
      const [outcome] = p.outcomes();
      expect(outcome).toMatchObject({ upstream: false, category: 'bad-request', xmlData: c.xml });
      const failed = outcome.trace?.[0].fields.find((f) => f.label === c.label);
      expect(failed).toMatchObject({ outcome: c.outcome, example: c.value });

      const dir = tempDir('local-refusals');
      const journal = join(dir, 'journal.jsonl');
      writeFileSync(journal, p.journal.entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const out = join(dir, 'report');
      await runReport({ inputs: [journal], out, now: new Date() }, memoryIO());
      const data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportData;
      expect(data.totals.failedCalls).toBe(1);
      expect(data.fields.some((f) => JSON.stringify(f).includes(c.label))).toBe(true);
      expect(data.conversionFailures.map((f) => f.label)).toContain(c.label);
      expect(JSON.stringify(data)).not.toContain(TOKEN);
    });
  }

  it('journal.values hashed / none: the xmlData is dropped and the examples masked, as on a request line', async () => {
    const p = (t = await startTestProxy());
    await insert(p, CASES[0].xml);
    const [outcome] = p.outcomes();
    for (const mode of ['hashed', 'none'] as const) {
      const kept = applyJournalValues(outcome, mode) as JournalOutcomeEntry;
      expect(kept.xmlData).toBeUndefined();
      expect(kept.values).toBe(mode);
      expect(JSON.stringify(kept)).not.toContain('zz');
      expect(kept.trace?.[0].fields.map((f) => f.label)).toEqual(outcome.trace?.[0].fields.map((f) => f.label));
    }
  });
});
