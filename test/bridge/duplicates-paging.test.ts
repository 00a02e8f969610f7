/**
 * Issue 16 item 12: the duplicateCheck=1 pre-check reads every page of v2 search (until `more_records` is false,
 * within the 2000-record search ceiling), keeps the exact post-filter, and falls back to one search per value when a
 * multi-value batch overflows the ceiling. Through the proxy to the sandbox; where the sandbox emulates v2's loose
 * multi-condition `equals` ("ABC" finds "ABC Inc"), the same tests exercise the post-filter against it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_MAX_RECORDS, SEARCH_PAGE_SIZE } from '../../src/zoho/records.js';
import { ids, payload, row, rowXml, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const seedMany = (module: string, field: string, value: string, n: number): void => {
  for (let i = 0; i < n; i += 1) h.seed(module, { [field]: value });
};

/** Each duplicate-check field kind: a criteria search (name/subject fields) and Leads' Email. */
const CASES = [
  { v1: 'Accounts', api: 'Accounts', label: 'Account Name', field: 'Account_Name', rest: {}, value: (s: string) => `${s} Co` },
  { v1: 'Vendors', api: 'Vendors', label: 'Vendor Name', field: 'Vendor_Name', rest: {}, value: (s: string) => `${s} Vendor` },
  { v1: 'Leads', api: 'Leads', label: 'Email', field: 'Email', rest: { 'Last Name': 'P', Company: 'A' }, value: (s: string) => `${s.toLowerCase().replace(/\s+/g, '.')}@example.com` },
] as const;

describe.each(CASES)('duplicateCheck=1 on $v1 ($field)', (c) => {
  it('finds an existing record on a later page of a batch search', async () => {
    const common = c.value('Common paging');
    const rare = c.value('Rare paging');
    seedMany(c.api, c.field, common, SEARCH_PAGE_SIZE + 30);
    // Longer values a loose `equals` also returns: never taken for the exact value.
    h.seed(c.api, { [c.field]: c.field === 'Email' ? `x${rare}` : `${rare} Inc` });
    const rareId = h.seed(c.api, { [c.field]: rare });
    const before = h.sandbox.state.records(c.api).length;
    const searches = h.searches();
    const xml = await h.call(c.v1, 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(c.v1, row('1', { ...c.rest, [c.label]: common }), row('2', { ...c.rest, [c.label]: rare.toUpperCase() })),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2002<\/code>/);
    expect(rowXml(xml, '2')).toMatch(/^<success><code>2002<\/code>/);
    expect(ids(rowXml(xml, '2'))).toEqual([rareId]);
    expect(h.sandbox.state.records(c.api).length).toBe(before);
    expect(h.searches() - searches).toBeGreaterThanOrEqual(2);
  });

  it('a value that only a longer record contains is not a duplicate', async () => {
    const short = c.value('Loose only');
    h.seed(c.api, { [c.field]: c.field === 'Email' ? `x${short}` : `${short} Inc` });
    const other = c.value('Loose other');
    const xml = await h.call(c.v1, 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(c.v1, row('1', { ...c.rest, [c.label]: short }), row('2', { ...c.rest, [c.label]: other })),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2000<\/code>/);
    expect(rowXml(xml, '2')).toMatch(/^<success><code>2000<\/code>/);
  });
});

describe('a batch that overflows the search ceiling', () => {
  it('is searched again one value at a time, and the exact matches are found', async () => {
    const common = 'Overflowing Co';
    seedMany('Accounts', 'Account_Name', common, SEARCH_MAX_RECORDS + 5);
    const rareId = h.seed('Accounts', { Account_Name: 'Beyond the ceiling Co' });
    const before = h.sandbox.state.records('Accounts').length;
    const searches = h.searches();
    const xml = await h.call('Accounts', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(
        'Accounts',
        row('1', { 'Account Name': common }),
        row('2', { 'Account Name': 'Beyond the ceiling Co' }),
        row('3', { 'Account Name': 'New after overflow Co' }),
      ),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2002<\/code>/);
    expect(ids(rowXml(xml, '2'))).toEqual([rareId]);
    expect(rowXml(xml, '3')).toMatch(/^<success><code>2000<\/code>/);
    expect(h.sandbox.state.records('Accounts').length).toBe(before + 1);
    // The batch: every page up to the ceiling; then one search per value (the common one again up to the ceiling).
    const pages = SEARCH_MAX_RECORDS / SEARCH_PAGE_SIZE;
    const made = h.searches() - searches;
    expect(made).toBeGreaterThanOrEqual(pages + 3);
    expect(made).toBeLessThanOrEqual(2 * pages + 2);
    expect(h.lastOutcome().credits).toBeGreaterThanOrEqual(made);
  });
});
