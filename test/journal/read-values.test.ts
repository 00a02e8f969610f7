/** journal.values on read outcomes: search values in the parameters and journaled rows (journal.readRecords) are masked. */
import { describe, expect, it } from 'vitest';
import type { JournalOutcomeEntry } from '../../src/journal/types.js';
import { applyJournalValues, hashValue } from '../../src/journal/values.js';

const entry: JournalOutcomeEntry = {
  type: 'outcome',
  id: 'r1',
  ts: '2024-01-01T00:00:00.000Z',
  client: {},
  format: 'xml',
  module: 'Leads',
  method: 'searchRecords',
  path: '/crm/private/xml/Leads/searchRecords',
  params: { criteria: '(Email:a@b.example)', scope: 'crmapi' },
  durationMs: 1,
  upstream: true,
  v2Calls: [],
  legacy: { kind: 'records' },
  rows: [],
  read: {
    rows: 1,
    records: [{ fields: [{ label: 'LEADID', value: '123', raw: true }, { label: 'Email', value: 'a@b.example' }, { label: 'Product Details', value: [{ no: '1', fields: [{ label: 'Product Name', value: 'X' }] }] }] }],
  },
};

describe('journal.values on reads', () => {
  it('full keeps everything', () => {
    expect(applyJournalValues(entry, 'full')).toBe(entry);
  });
  it('hashed: criteria and row values hashed, labels and ids kept', () => {
    const out = applyJournalValues(entry, 'hashed') as JournalOutcomeEntry;
    expect(out.values).toBe('hashed');
    expect(out.params).toEqual({ criteria: hashValue('(Email:a@b.example)'), scope: 'crmapi' });
    const fields = (out.read?.records?.[0] as { fields: { label: string; value: unknown }[] }).fields;
    expect(fields[0]).toEqual({ label: 'LEADID', value: '123', raw: true });
    expect(fields[1]).toEqual({ label: 'Email', value: hashValue('a@b.example') });
    expect(fields[2].value).toEqual([{ no: '1', fields: [{ label: 'Product Name', value: hashValue('X') }] }]);
    expect(JSON.stringify(out)).not.toContain('a@b.example');
  });
  it('none: no value at all', () => {
    const out = applyJournalValues(entry, 'none') as JournalOutcomeEntry;
    expect(JSON.stringify(out)).not.toContain('a@b.example');
    expect(out.params.criteria).toBe('');
  });
});
