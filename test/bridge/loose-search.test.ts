/**
 * The bridge's duplicate pre-check and name lookups against v2's loose multi-condition `equals` (issue 17 item 3):
 * "ABC" also finds "ABC Inc" when several conditions are searched at once, so the bridge must compare exactly
 * itself and never take a longer value for a duplicate or a lookup match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, payload, row, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const accounts = (): string[] => h.sandbox.state.records('Accounts').map((r) => String(r.values.Account_Name));

describe('loose equals', () => {
  it('duplicateCheck=1 with several values: "ABC Inc" existing is no duplicate of "ABC"; the exact one is', async () => {
    const existing = h.seed('Accounts', { Account_Name: 'ABC Inc' });
    const exact = h.seed('Accounts', { Account_Name: 'Other' });
    const searches = h.searches();
    const xml = await h.call('Accounts', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload('Accounts', row('1', { 'Account Name': 'ABC' }), row('2', { 'Account Name': 'other' })),
    });
    expect(h.searches() - searches).toBe(1); // one multi-condition search: the loose case
    expect(xml).toMatch(/<row no="1"><success><code>2000<\/code>/); // row 1 added
    expect(xml).toMatch(/<row no="2"><success><code>2002<\/code>/); // row 2 already exists
    const rowIds = ids(xml);
    expect(rowIds).toContain(exact);
    expect(rowIds).not.toContain(existing);
    expect(accounts().filter((n) => n === 'ABC')).toHaveLength(1);
  });

  it('a Contact\'s Account given by name links the exact Account, not a longer one found loosely', async () => {
    h.seed('Accounts', { Account_Name: 'Zylker Labs' });
    const zylker = h.seed('Accounts', { Account_Name: 'Zylker' });
    await h.call('Contacts', 'insertRecords', {
      xmlData: payload('Contacts', row('1', { 'Last Name': 'Loose', 'Account Name': 'Zylker' })),
    });
    const contact = h.sandbox.state.records('Contacts').find((r) => r.values.Last_Name === 'Loose')!;
    expect((contact.values.Account_Name as { id: string }).id).toBe(zylker);
  });

  it('a Lead Owner / Contact Name given as a full name matches the exact person among loose Last_Name hits', async () => {
    h.seed('Contacts', { First_Name: 'Ann', Last_Name: 'Dyke-Smith' });
    h.seed('Contacts', { First_Name: 'Ann', Last_Name: 'van Dyke Jr' });
    const ann = h.seed('Contacts', { First_Name: 'Ann', Last_Name: 'van Dyke' });
    await h.call('Potentials', 'insertRecords', {
      xmlData: payload('Potentials', row('1', { 'Potential Name': 'Loose deal', Stage: 'Qualification', 'Contact Name': 'Ann van Dyke' })),
    });
    const deal = h.sandbox.state.records('Deals').find((r) => r.values.Deal_Name === 'Loose deal')!;
    expect((deal.values.Contact_Name as { id: string } | undefined)?.id).toBe(ann);
  });

  it('loose matches beyond one page: the exact duplicate on page 2 is still found (the pre-check follows more_records)', async () => {
    for (let i = 0; i < 250; i++) h.seed('Accounts', { Account_Name: `Acme ${i}` });
    const acme = h.seed('Accounts', { Account_Name: 'Acme' });
    const xml = await h.call('Accounts', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload('Accounts', row('1', { 'Account Name': 'Acme' }), row('2', { 'Account Name': 'Unrelated loose' })),
    });
    expect(xml).toMatch(/<row no="1"><success><code>2002<\/code>/);
    expect(ids(xml)).toContain(acme);
    expect(accounts().filter((n) => n === 'Acme')).toHaveLength(1);
  });
});
