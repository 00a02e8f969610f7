/** A proxy journal folds a call's field traces (one entry per label with a count): the report counts rows, not entries. */
import { describe, expect, it } from 'vitest';
import type { JournalRequestEntry } from '../../src/journal/types.js';
import { ReportAggregator } from '../../src/report/aggregate.js';

describe('report from folded traces', () => {
  it('counts each label once per row it stood for', () => {
    const agg = new ReportAggregator();
    const entry: JournalRequestEntry = {
      type: 'request',
      id: 'r1',
      ts: '2026-11-23T10:00:00.000Z',
      client: {},
      format: 'xml',
      module: 'Leads',
      method: 'insertRecords',
      path: '/crm/private/xml/Leads/insertRecords',
      params: {},
      plan: { operation: 'insert', module: 'Leads', requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 3 }] },
      trace: [
        {
          no: '*',
          fields: [
            { label: 'Last Name', apiName: 'Last_Name', outcome: 'mapped', example: 'Smith', count: 3 },
            { label: 'Zoho_id', outcome: 'unknown', example: '42', count: 2 },
            { label: 'Annual Revenue', apiName: 'Annual_Revenue', outcome: 'invalid', example: 'lots' },
          ],
        },
      ],
    };
    agg.addJournalEntry(entry);
    const fields = agg.finish().fields;
    expect(fields.find((f) => f.label === 'Last Name')).toMatchObject({ count: 3, example: 'Smith' });
    expect(fields.find((f) => f.label === 'Zoho_id')).toMatchObject({ count: 2 });
    expect(fields.find((f) => f.label === 'Annual Revenue')).toMatchObject({ count: 1 });
  });
});
