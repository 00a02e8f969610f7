/**
 * Issue 9: lookups given by name, as v1 allowed, resolved to v2 record ids end to end (proxy → sandbox):
 * every lookup label of the issue, owners by e-mail (names ignored), the per-module policies skip | error |
 * create, several matches, the cache, escaping, pseudo-ids winning, and the journal `resolutions`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JournalResolution } from '../../src/journal/types.js';
import { ids, payload, productDetails, row, rowXml, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
let productId: string;
let vendorId: string;
beforeAll(async () => {
  h = await startHarness();
  productId = h.seed('Products', { Product_Name: 'Line item product' });
  vendorId = h.seed('Vendors', { Vendor_Name: 'Line item vendor' });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  for (const k of Object.keys(h.profile.lookupPolicy)) delete h.profile.lookupPolicy[k];
});

/** The id a stored lookup value points at (the sandbox keeps `{name,id}`). */
const linked = (v: unknown): string | undefined =>
  v !== null && typeof v === 'object' ? (v as { id?: string }).id : typeof v === 'string' ? v : undefined;

const lastStored = (api: string) => h.sandbox.state.records(api).at(-1)!;
const lookupsOf = (): JournalResolution[] => (h.lastOutcome().resolutions ?? []).filter((r) => r.kind === 'lookup');

interface LookupCase {
  v1: string;
  api: string;
  label: string;
  field: string;
  target: string;
  rest: () => Record<string, string>;
}

const inventory = (extra: Record<string, string> = {}) => () => ({ Subject: 'Lookup test', ...extra, 'Product Details': productDetails(productId) });

const CASES: LookupCase[] = [
  ...(
    [
      ['Contacts', 'Contacts', () => ({ 'Last Name': 'Lookup' })],
      ['Potentials', 'Deals', () => ({ 'Potential Name': 'Lookup deal', Stage: 'Qualification' })],
      ['Quotes', 'Quotes', inventory()],
      ['SalesOrders', 'Sales_Orders', inventory()],
      ['Invoices', 'Invoices', inventory()],
      ['Cases', 'Cases', () => ({ Subject: 'Lookup case', Status: 'New', 'Case Origin': 'Email' })],
    ] as const
  ).map(([v1, api, rest]) => ({ v1, api, label: 'Account Name', field: 'Account_Name', target: 'Accounts', rest })),
  ...(
    [
      ['Potentials', 'Deals', () => ({ 'Potential Name': 'Lookup deal', Stage: 'Qualification' })],
      ['Quotes', 'Quotes', inventory()],
      ['SalesOrders', 'Sales_Orders', inventory()],
      ['PurchaseOrders', 'Purchase_Orders', inventory({ VENDORID: '' })],
      ['Invoices', 'Invoices', inventory()],
    ] as const
  ).map(([v1, api, rest]) => ({ v1, api, label: 'Contact Name', field: 'Contact_Name', target: 'Contacts', rest })),
  ...(
    [
      ['Quotes', 'Quotes', inventory()],
      ['SalesOrders', 'Sales_Orders', inventory()],
      ['Cases', 'Cases', () => ({ Subject: 'Lookup case', Status: 'New', 'Case Origin': 'Email' })],
    ] as const
  ).map(([v1, api, rest]) => ({ v1, api, label: 'Potential Name', field: 'Deal_Name', target: 'Deals', rest })),
  { v1: 'Products', api: 'Products', label: 'Vendor Name', field: 'Vendor_Name', target: 'Vendors', rest: () => ({ 'Product Name': 'Lookup product' }) },
  { v1: 'PurchaseOrders', api: 'Purchase_Orders', label: 'Vendor Name', field: 'Vendor_Name', target: 'Vendors', rest: inventory() },
  { v1: 'Contacts', api: 'Contacts', label: 'Vendor Name', field: 'Vendor_Name', target: 'Vendors', rest: () => ({ 'Last Name': 'Lookup' }) },
  {
    v1: 'Potentials',
    api: 'Deals',
    label: 'Campaign Source',
    field: 'Campaign_Source',
    target: 'Campaigns',
    rest: () => ({ 'Potential Name': 'Lookup deal', Stage: 'Qualification' }),
  },
  {
    v1: 'Cases',
    api: 'Cases',
    label: 'Product Name',
    field: 'Product_Name',
    target: 'Products',
    rest: () => ({ Subject: 'Lookup case', Status: 'New', 'Case Origin': 'Email' }),
  },
  { v1: 'Solutions', api: 'Solutions', label: 'Product Name', field: 'Product_Name', target: 'Products', rest: () => ({ 'Solution Title': 'Lookup' }) },
  { v1: 'Accounts', api: 'Accounts', label: 'Parent Account', field: 'Parent_Account', target: 'Accounts', rest: () => ({ 'Account Name': 'Child' }) },
  { v1: 'Contacts', api: 'Contacts', label: 'Reports To', field: 'Reporting_To', target: 'Contacts', rest: () => ({ 'Last Name': 'Report' }) },
];

/** Seed a record of `module` that the name `name` designates (contacts: first + last name). */
function seedNamed(module: string, name: string): string {
  if (module === 'Contacts') {
    const [first, ...last] = name.split(' ');
    return h.seed('Contacts', { First_Name: first, Last_Name: last.join(' ') });
  }
  const field = { Accounts: 'Account_Name', Deals: 'Deal_Name', Vendors: 'Vendor_Name', Campaigns: 'Campaign_Name', Products: 'Product_Name' }[module]!;
  return h.seed(module, { [field]: name, ...(module === 'Deals' ? { Stage: 'Qualification' } : {}) });
}

describe.each(CASES.map((c, i) => ({ ...c, i })))('$v1 "$label" given by name', (c) => {
  it(`is resolved to the target record's id`, async () => {
    // Contacts share a multi-word last name, so the full name must be compared, not just the last word.
    const name = c.target === 'Contacts' ? `Ann${c.i} van Dyke` : `${c.label} target ${c.i} of ${c.v1}`;
    const targetId = seedNamed(c.target, name);
    if (c.target !== 'Contacts') seedNamed(c.target, `${name} (another)`);
    const rest = c.rest();
    if (rest.VENDORID === '') rest.VENDORID = vendorId;
    const xml = await h.call(c.v1, 'insertRecords', { xmlData: payload(c.v1, row('1', { ...rest, [c.label]: name.toUpperCase() })) });
    expect(xml).toContain('Record(s) added successfully');
    const stored = h.sandbox.state.records(c.api).find((r) => r.id === ids(xml)[0])!;
    expect(linked(stored.values[c.field])).toBe(targetId);
    expect(lookupsOf()).toContainEqual({ kind: 'lookup', field: c.field, module: c.target, value: name.toUpperCase(), id: targetId });
  });
});

describe('owners given by e-mail; a name is ignored (v1 docs, seeds 001/004)', () => {
  const users = () => h.sandbox.state.metadata.users;
  it.each([
    ['Leads', 'Lead Owner', { 'Last Name': 'Own', Company: 'A' }],
    ['Potentials', 'Potential Owner', { 'Potential Name': 'Own', Stage: 'Qualification' }],
    ['CustomModule1', 'CustomModule1 Owner', { 'CustomModule1 Name': 'Own' }],
  ] as const)('%s "%s"', async (module, label, rest) => {
    const [, second, third] = users();
    const byEmail = await h.call(module, 'insertRecords', { xmlData: payload(module, row('1', { ...rest, [label]: second.email.toUpperCase() })) });
    const api = module === 'Potentials' ? 'Deals' : module === 'CustomModule1' ? 'Course_Progress' : module;
    expect(h.sandbox.state.records(api).find((r) => r.id === ids(byEmail)[0])!.ownerId).toBe(second.id);
    expect(h.lastOutcome().resolutions).toContainEqual({ kind: 'owner', field: 'Owner', value: second.email.toUpperCase(), id: second.id });

    // A user's full name does not select that user: the record goes to the authtoken's (API) user.
    const byName = await h.call(module, 'insertRecords', { xmlData: payload(module, row('1', { ...rest, [label]: third.fullName })) });
    expect(byName).toContain('Record(s) added successfully');
    expect(h.sandbox.state.records(api).find((r) => r.id === ids(byName)[0])!.ownerId).toBe(users()[0].id);
    expect(h.lastOutcome().resolutions).toBeUndefined();
    const warning = h.lastRequest()!.warnings!.find((w) => w.kind === 'unresolved-owner')!;
    expect(warning).toMatchObject({ row: '1', label });
    expect(warning.message).toContain('neither a user id nor an e-mail');
  });

  it('Products "Handler" (a user lookup): an e-mail selects the user, a name is ignored', async () => {
    const [, second, third] = users();
    await h.call('Products', 'insertRecords', { xmlData: payload('Products', row('1', { 'Product Name': 'Handled', Handler: second.email })) });
    expect(linked(lastStored('Products').values.Handler)).toBe(second.id);
    await h.call('Products', 'insertRecords', { xmlData: payload('Products', row('1', { 'Product Name': 'Handled 2', Handler: third.fullName })) });
    expect(lastStored('Products').values.Handler).toBeUndefined();
    expect(h.lastRequest()!.warnings!.map((w) => w.kind)).toContain('unresolved-owner');
  });

  it('an unknown owner is omitted with a warning: the API user owns the record', async () => {
    const xml = await h.call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': 'Own', Company: 'A', 'Lead Owner': 'nobody@example.com' })) });
    expect(h.sandbox.state.records('Leads').find((r) => r.id === ids(xml)[0])!.ownerId).toBe(users()[0].id);
    expect(h.lastOutcome().resolutions).toContainEqual({ kind: 'owner', field: 'Owner', value: 'nobody@example.com', reason: 'no-match' });
    expect(h.lastRequest()!.warnings?.map((w) => w.kind)).toContain('unresolved-owner');
  });
});

describe('policies for no match and several matches', () => {
  const contact = (no: string, account: string) => row(no, { 'Last Name': `Policy ${no}`, 'Account Name': account });

  it('skip: the row is sent without the lookup, with a warning and a journal reason', async () => {
    h.profile.lookupPolicy.Accounts = 'skip';
    const xml = await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', contact('1', 'No such account')) });
    expect(xml).toContain('Record(s) added successfully');
    expect(lastStored('Contacts').values.Account_Name).toBeUndefined();
    expect(lookupsOf()).toEqual([
      { kind: 'lookup', field: 'Account_Name', module: 'Accounts', value: 'No such account', reason: 'no-match', policy: 'skip' },
    ]);
    const warning = h.lastRequest()!.warnings!.find((w) => w.kind === 'unresolved-lookup')!;
    expect(warning).toMatchObject({ row: '1', label: 'Account Name' });
    expect(warning.message).toContain('no-match');
  });

  it('error: the row fails with 4832 naming the field (version=4: only that row)', async () => {
    h.profile.lookupPolicy.Accounts = 'error';
    const before = h.sandbox.state.records('Contacts').length;
    const accountId = seedNamed('Accounts', 'Known for error policy');
    const v4 = await h.call('Contacts', 'insertRecords', {
      version: '4',
      xmlData: payload('Contacts', contact('1', 'Unknown for error policy'), contact('2', 'Known for error policy')),
    });
    expect(rowXml(v4, '1')).toBe('<error><code>4832</code><details>You have given a wrong value for the field : Account Name</details></error>');
    expect(rowXml(v4, '2')).toMatch(/^<success><code>2000<\/code>/);
    expect(h.sandbox.state.records('Contacts').length).toBe(before + 1);
    expect(linked(lastStored('Contacts').values.Account_Name)).toBe(accountId);
    expect(lookupsOf()).toContainEqual({
      kind: 'lookup',
      field: 'Account_Name',
      module: 'Accounts',
      value: 'Unknown for error policy',
      reason: 'no-match',
      policy: 'error',
    });

    const single = await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', contact('1', 'Unknown for error policy')) });
    expect(single).toContain('<error><code>4832</code><message>You have given a wrong value for the field : Account Name</message></error>');
    expect(h.sandbox.state.records('Contacts').length).toBe(before + 1);
  });

  it('error also applies to several matches', async () => {
    h.profile.lookupPolicy.Vendors = 'error';
    seedNamed('Vendors', 'Twin vendor');
    seedNamed('Vendors', 'Twin vendor');
    const xml = await h.call('Products', 'insertRecords', { xmlData: payload('Products', row('1', { 'Product Name': 'P', 'Vendor Name': 'Twin vendor' })) });
    expect(xml).toContain('<code>4832</code><message>You have given a wrong value for the field : Vendor Name</message>');
  });

  it('create: a missing Account is created first, then linked; next time it is found', async () => {
    h.profile.lookupPolicy.Accounts = 'create';
    const accounts = h.sandbox.state.records('Accounts').length;
    const xml = await h.call('Contacts', 'insertRecords', {
      version: '4',
      xmlData: payload('Contacts', contact('1', 'Created on the fly'), contact('2', 'Created on the fly')),
    });
    expect(rowXml(xml, '1')).toContain('<code>2000</code>');
    expect(rowXml(xml, '2')).toContain('<code>2000</code>');
    expect(h.sandbox.state.records('Accounts').length).toBe(accounts + 1);
    const account = lastStored('Accounts');
    expect(account.values.Account_Name).toBe('Created on the fly');
    const contacts = h.sandbox.state.records('Contacts').slice(-2);
    for (const c of contacts) expect(linked(c.values.Account_Name)).toBe(account.id);
    expect(lookupsOf()).toEqual([{ kind: 'lookup', field: 'Account_Name', module: 'Accounts', value: 'Created on the fly', id: account.id, reason: 'created' }]);

    await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', contact('1', 'Created on the fly')) });
    expect(h.sandbox.state.records('Accounts').length).toBe(accounts + 1);
    expect(linked(lastStored('Contacts').values.Account_Name)).toBe(account.id);
  });

  it('create: a missing Vendor is created first (Purchase Orders need it)', async () => {
    h.profile.lookupPolicy.Vendors = 'create';
    const xml = await h.call('PurchaseOrders', 'insertRecords', {
      xmlData: payload('PurchaseOrders', row('1', { ...inventory()(), 'Vendor Name': 'Vendor made by the bridge' })),
    });
    expect(xml).toContain('Record(s) added successfully');
    const vendor = lastStored('Vendors');
    expect(vendor.values.Vendor_Name).toBe('Vendor made by the bridge');
    expect(linked(lastStored('Purchase_Orders').values.Vendor_Name)).toBe(vendor.id);
  });

  it('create is not used for modules other than Accounts and Vendors, nor for several matches', async () => {
    h.profile.lookupPolicy.Campaigns = 'create';
    h.profile.lookupPolicy.Accounts = 'create';
    seedNamed('Accounts', 'Ambiguous account');
    seedNamed('Accounts', 'ambiguous ACCOUNT');
    const campaigns = h.sandbox.state.records('Campaigns').length;
    const accounts = h.sandbox.state.records('Accounts').length;
    await h.call('Potentials', 'insertRecords', {
      xmlData: payload('Potentials', row('1', { 'Potential Name': 'D', Stage: 'Qualification', 'Campaign Source': 'No such campaign', 'Account Name': 'Ambiguous account' })),
    });
    expect(h.sandbox.state.records('Campaigns').length).toBe(campaigns);
    expect(h.sandbox.state.records('Accounts').length).toBe(accounts);
    const deal = lastStored('Deals');
    expect(deal.values.Campaign_Source).toBeUndefined();
    expect(deal.values.Account_Name).toBeUndefined();
    expect(lookupsOf().map((r) => [r.module, r.reason, r.policy])).toEqual([
      ['Campaigns', 'no-match', 'skip'],
      ['Accounts', 'several-matches', 'skip'],
    ]);
  });

  it('several matches under skip: none is linked, with a warning', async () => {
    seedNamed('Accounts', 'Duplicate name Ltd');
    seedNamed('Accounts', 'Duplicate name Ltd');
    await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', contact('1', 'Duplicate name Ltd')) });
    expect(lastStored('Contacts').values.Account_Name).toBeUndefined();
    expect(lookupsOf()[0]).toMatchObject({ value: 'Duplicate name Ltd', reason: 'several-matches', policy: 'skip' });
    expect(h.lastRequest()!.warnings!.find((w) => w.kind === 'unresolved-lookup')!.message).toContain('several-matches');
  });
});

describe('searching', () => {
  it('a name is searched once per call, then served from the cache', async () => {
    const accountId = seedNamed('Accounts', 'Cached Corp');
    const before = h.searches();
    await h.call('Contacts', 'insertRecords', {
      version: '4',
      xmlData: payload('Contacts', row('1', { 'Last Name': 'C1', 'Account Name': 'Cached Corp' }), row('2', { 'Last Name': 'C2', 'Account Name': 'Cached Corp' })),
    });
    expect(h.searches() - before).toBe(1);
    expect(h.lastOutcome().credits).toBeGreaterThanOrEqual(2);
    await h.call('Potentials', 'insertRecords', {
      xmlData: payload('Potentials', row('1', { 'Potential Name': 'Cached', Stage: 'Qualification', 'Account Name': 'cached corp' })),
    });
    expect(h.searches() - before).toBe(1);
    expect(linked(lastStored('Deals').values.Account_Name)).toBe(accountId);
    expect(lookupsOf()).toEqual([{ kind: 'lookup', field: 'Account_Name', module: 'Accounts', value: 'cached corp', id: accountId, cached: true }]);
  });

  it('a miss is not cached: a record created meanwhile is found on the next call', async () => {
    h.profile.lookupPolicy.Accounts = 'skip';
    await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'Last Name': 'M', 'Account Name': 'Arrives later' })) });
    expect(lookupsOf()[0].reason).toBe('no-match');
    const created = await h.call('Accounts', 'insertRecords', { xmlData: payload('Accounts', row('1', { 'Account Name': 'Arrives later' })) });
    await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'Last Name': 'M', 'Account Name': 'Arrives later' })) });
    expect(linked(lastStored('Contacts').values.Account_Name)).toBe(ids(created)[0]);
  });

  it('a name that needs escaping in criteria', async () => {
    const name = 'Smith (UK), Ltd\\2';
    const accountId = seedNamed('Accounts', name);
    seedNamed('Accounts', 'Smith (UK)');
    await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'Last Name': 'Esc', 'Account Name': name })) });
    expect(linked(lastStored('Contacts').values.Account_Name)).toBe(accountId);
  });

  it('a pseudo-id wins over the name, which is then not searched', async () => {
    const byId = seedNamed('Accounts', 'Chosen by id');
    seedNamed('Accounts', 'Named but ignored');
    const before = h.searches();
    await h.call('Contacts', 'insertRecords', {
      xmlData: payload('Contacts', row('1', { 'Last Name': 'P', 'Account Name': 'Named but ignored', ACCOUNTID: byId })),
    });
    expect(linked(lastStored('Contacts').values.Account_Name)).toBe(byId);
    expect(h.searches()).toBe(before);
    expect(h.lastOutcome().resolutions).toBeUndefined();
    // The same with the name after the id.
    await h.call('Potentials', 'insertRecords', {
      xmlData: payload('Potentials', row('1', { 'Potential Name': 'P', Stage: 'Qualification', ACCOUNTID: byId, 'Account Name': 'Named but ignored' })),
    });
    expect(linked(lastStored('Deals').values.Account_Name)).toBe(byId);
  });

  it('a line item given by Product Name only is resolved to the product', async () => {
    const product = seedNamed('Products', 'Widget by name');
    await h.call('Quotes', 'insertRecords', {
      xmlData: payload('Quotes', row('1', { Subject: 'Q', 'Product Details': '<product no="1"><FL val="Product Name">Widget by name</FL><FL val="Quantity">2</FL></product>' })),
    });
    const items = lastStored('Quotes').values.Product_Details as { product: { id: string } }[];
    expect(items.map((i) => linked(i.product))).toEqual([product]);
  });
});

describe('default policies (issue 16 item 5): Accounts given by name are created, other modules are skipped', () => {
  const ACCOUNT_CASES = CASES.filter((c) => c.target === 'Accounts');
  it.each(ACCOUNT_CASES.map((c, i) => ({ ...c, i })))('$v1 "$label": insert creates the missing Account and links it', async (c) => {
    const name = `Default-created account ${c.i} for ${c.v1}`;
    const accounts = h.sandbox.state.records('Accounts').length;
    const xml = await h.call(c.v1, 'insertRecords', { xmlData: payload(c.v1, row('1', { ...c.rest(), [c.label]: name })) });
    expect(xml).toContain('Record(s) added successfully');
    // Accounts "Parent Account": the child is an Account too.
    expect(h.sandbox.state.records('Accounts').length).toBe(accounts + (c.api === 'Accounts' ? 2 : 1));
    const account = h.sandbox.state.records('Accounts').find((r) => r.values.Account_Name === name)!;
    expect(linked(h.sandbox.state.records(c.api).find((r) => r.id === ids(xml)[0])!.values[c.field])).toBe(account.id);
    expect(lookupsOf()).toEqual([{ kind: 'lookup', field: c.field, module: 'Accounts', value: name, id: account.id, reason: 'created' }]);
  });

  it.each(ACCOUNT_CASES.map((c, i) => ({ ...c, i })))('$v1 "$label": update creates the missing Account and links it', async (c) => {
    const created = await h.call(c.v1, 'insertRecords', { xmlData: payload(c.v1, row('1', c.rest())) });
    const [id] = ids(created);
    const name = `Account named on update ${c.i} for ${c.v1}`;
    const xml = await h.call(c.v1, 'updateRecords', { id, xmlData: payload(c.v1, row('1', { [c.label]: name })) });
    expect(xml).toContain('Record(s) updated successfully');
    const account = h.sandbox.state.records('Accounts').find((r) => r.values.Account_Name === name)!;
    expect(linked(h.sandbox.state.records(c.api).find((r) => r.id === id)!.values[c.field])).toBe(account.id);
    expect(h.lastRequest()!.plan!.bodies![0]).toMatchObject({ data: [{ [c.field]: { id: account.id } }] });
  });

  // Purchase Orders need their Vendor (mandatory): skipping it fails the row, tested elsewhere.
  const OTHER_CASES = CASES.filter((c) => c.target !== 'Accounts' && !(c.api === 'Purchase_Orders' && c.field === 'Vendor_Name'));
  it.each(OTHER_CASES.map((c, i) => ({ ...c, i })))('$v1 "$label" ($target): no match is skipped with a warning', async (c) => {
    const before = h.sandbox.state.records(c.target).length;
    const rest = c.rest();
    if (rest.VENDORID === '') rest.VENDORID = vendorId;
    const xml = await h.call(c.v1, 'insertRecords', { xmlData: payload(c.v1, row('1', { ...rest, [c.label]: `Nobody ${c.i} ${c.label}` })) });
    expect(xml).toContain('Record(s) added successfully');
    expect(h.sandbox.state.records(c.target).length).toBe(before + (c.target === c.api ? 1 : 0));
    expect(lookupsOf()).toContainEqual(expect.objectContaining({ module: c.target, reason: 'no-match', policy: 'skip' }));
  });
});
