/**
 * Breaker finding 25: v2 search trails writes by a minute or two (PROTOCOL-READS §6.3). duplicateCheck=1 and
 * lookups by name consult the memory of records this deployment wrote or found before they search, so a form
 * sent twice seconds apart, or "insert Account, then a Contact naming it", does not create duplicates. The
 * sandbox's `searchLagMs` fault hides new records from search (an hour here: never visible within a test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, payload, row, startHarness, type BridgeHarness } from './helpers.js';

const LAG = { searchLagMs: 3_600_000 };
let h: BridgeHarness;
let off: BridgeHarness;
beforeAll(async () => {
  h = await startHarness();
  off = await startHarness({ metadata: { recentRecordsSeconds: 0 } });
  h.sandbox.state.setFaults(LAG);
  off.sandbox.state.setFaults(LAG);
});
afterAll(async () => {
  await h?.close();
  await off?.close();
});

const stored = (x: BridgeHarness, module: string, field: string, value: string) =>
  x.sandbox.state.records(module).filter((r) => String(r.values[field] ?? '').toLowerCase() === value.toLowerCase());
const linked = (v: unknown): string | undefined => (v !== null && typeof v === 'object' ? (v as { id?: string }).id : undefined);

const DUPLICATE_CASES = [
  { module: 'Leads', api: 'Leads', field: 'Email', label: 'Email', rest: { 'Last Name': 'Lag', Company: 'Acme' } },
  { module: 'Contacts', api: 'Contacts', field: 'Email', label: 'Email', rest: { 'Last Name': 'Lag' } },
  { module: 'Accounts', api: 'Accounts', field: 'Account_Name', label: 'Account Name', rest: {} },
  { module: 'Vendors', api: 'Vendors', field: 'Vendor_Name', label: 'Vendor Name', rest: {} },
];

describe('duplicateCheck=1 while v2 search lags', () => {
  it('the sandbox fault hides a new record from search only', async () => {
    const id = ids(await h.call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': 'Hidden', Company: 'C', Email: 'hidden@lag.example' })) }))[0];
    expect(stored(h, 'Leads', 'Email', 'hidden@lag.example')).toHaveLength(1);
    const before = h.searches();
    const got = await h.call('Leads', 'getSearchRecordsByPDC', { selectColumns: 'All', searchColumn: 'email', searchValue: 'hidden@lag.example' });
    expect(h.searches()).toBeGreaterThan(before);
    expect(got).toContain('4422');
    expect(await h.call('Leads', 'getRecordById', { id })).toContain(id);
  });

  it.each(DUPLICATE_CASES)('$module: the same $label sent twice, differently spelt, is one record; the second answers 2002 with it', async ({ module, api, field, label, rest }) => {
    const value = `Twice ${module} ${field === 'Email' ? '@lag.example' : 'Ltd'}`.replace(' @', '@').replace(/ /g, field === 'Email' ? '.' : ' ');
    const send = (v: string) => h.call(module, 'insertRecords', { duplicateCheck: '1', xmlData: payload(module, row('1', { ...rest, [label]: v })) });
    const first = await send(value);
    expect(first).toContain('Record(s) added successfully');
    const second = await send(` ${value.toUpperCase()} `);
    expect(second).toContain('Record(s) already exists');
    expect(ids(second)[0]).toBe(ids(first)[0]);
    expect(stored(h, api, field, value)).toHaveLength(1);
    expect(h.lastOutcome().duplicates).toEqual([expect.objectContaining({ via: 'recent', existingId: ids(first)[0] })]);
  });

  it('without the memory the lag lets the duplicate through (what the memory prevents)', async () => {
    const send = () => off.call('Leads', 'insertRecords', { duplicateCheck: '1', xmlData: payload('Leads', row('1', { 'Last Name': 'Off', Company: 'C', Email: 'off@lag.example' })) });
    await send();
    await send();
    expect(stored(off, 'Leads', 'Email', 'off@lag.example')).toHaveLength(2);
  });

  it('a record whose e-mail was changed through the proxy is found by its new e-mail', async () => {
    const id = ids(await h.call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': 'Moved', Company: 'C', Email: 'old@lag.example' })) }))[0];
    await h.call('Leads', 'updateRecords', { id, xmlData: payload('Leads', row('1', { Email: 'new@lag.example' })) });
    const again = await h.call('Leads', 'insertRecords', { duplicateCheck: '1', xmlData: payload('Leads', row('1', { 'Last Name': 'Moved', Company: 'C', Email: 'new@lag.example' })) });
    expect(ids(again)[0]).toBe(id);
    // The old e-mail's memory points at a record that no longer holds it: that value is inserted anew.
    const old = await h.call('Leads', 'insertRecords', { duplicateCheck: '1', xmlData: payload('Leads', row('1', { 'Last Name': 'Moved', Company: 'C', Email: 'old@lag.example' })) });
    expect(old).toContain('Record(s) added successfully');
    expect(ids(old)[0]).not.toBe(id);
  });
});

describe('lookups by name while v2 search lags', () => {
  it.each([
    { module: 'Contacts', api: 'Contacts', rest: { 'Last Name': 'Named' } },
    { module: 'Potentials', api: 'Deals', rest: { 'Potential Name': 'Lag deal', Stage: 'Qualification' } },
  ])('an Account inserted by insertRecords, then a $module naming it: linked to it, no second Account', async ({ module, api, rest }) => {
    const name = `NewCo ${module}`;
    const accountId = ids(await h.call('Accounts', 'insertRecords', { xmlData: payload('Accounts', row('1', { 'Account Name': name })) }))[0];
    await h.call(module, 'insertRecords', { xmlData: payload(module, row('1', { ...rest, 'Account Name': name.toLowerCase() })) });
    expect(linked(h.sandbox.state.records(api).at(-1)!.values.Account_Name)).toBe(accountId);
    expect(stored(h, 'Accounts', 'Account_Name', name)).toHaveLength(1);
  });

  it('without the memory the lag creates a second Account (what the memory prevents)', async () => {
    await off.call('Accounts', 'insertRecords', { xmlData: payload('Accounts', row('1', { 'Account Name': 'OffCo' })) });
    await off.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'Last Name': 'Named', 'Account Name': 'OffCo' })) });
    expect(stored(off, 'Accounts', 'Account_Name', 'OffCo')).toHaveLength(2);
  });

  it('a Contact inserted, then a Potential naming it (Contact Name) is linked to it', async () => {
    const contactId = ids(await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'First Name': 'Ann', 'Last Name': 'Lagged' })) }))[0];
    h.profile.lookupPolicy.Contacts = 'error';
    try {
      await h.call('Potentials', 'insertRecords', { xmlData: payload('Potentials', row('1', { 'Potential Name': 'By contact', Stage: 'Qualification', 'Contact Name': 'ann lagged' })) });
    } finally {
      delete h.profile.lookupPolicy.Contacts;
    }
    expect(linked(h.sandbox.state.records('Deals').at(-1)!.values.Contact_Name)).toBe(contactId);
  });

  it('an Account deleted through the proxy is forgotten: a Contact naming it is not linked to the deleted id', async () => {
    const accountId = ids(await h.call('Accounts', 'insertRecords', { xmlData: payload('Accounts', row('1', { 'Account Name': 'GoneCo' })) }))[0];
    expect(await h.call('Accounts', 'deleteRecords', { id: accountId })).toContain('Record Id(s) : ' + accountId);
    await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'Last Name': 'Orphan', 'Account Name': 'GoneCo' })) });
    const link = linked(h.sandbox.state.records('Contacts').at(-1)!.values.Account_Name);
    expect(link).toBeDefined();
    expect(link).not.toBe(accountId);
    expect(h.lastOutcome().resolutions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'lookup', value: 'GoneCo', reason: 'created' })]));
  });
});
