/**
 * Issue 16 items 2, 3, 4 and 7 end to end (proxy → sandbox): boolean field values, the literal `null` under
 * newFormat 1|2, emptied pseudo-ids clearing their v2 field on update, and label case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, payload, row, rowXml, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const stored = (api: string, id: string) => h.sandbox.state.records(api).find((r) => r.id === id)!;
const linked = (v: unknown): string | undefined => (v !== null && typeof v === 'object' ? (v as { id?: string }).id : undefined);

/* ------------------------------------------------------------------ item 2: boolean field values */

/** Every writable boolean field of the bundled metadata: [v1 module, v2 module, label, api_name, other values a record needs]. */
const BOOLEAN_FIELDS = [
  ['Leads', 'Leads', 'Email Opt Out', 'Email_Opt_Out', { Last_Name: 'B', Company: 'A' }],
  ['Contacts', 'Contacts', 'Email Opt Out', 'Email_Opt_Out', { Last_Name: 'B' }],
  ['Products', 'Products', 'Product Active', 'Product_Active', { Product_Name: 'B' }],
  ['Products', 'Products', 'Taxable', 'Taxable', { Product_Name: 'B' }],
  ['PriceBooks', 'Price_Books', 'Active', 'Active', { Price_Book_Name: 'B' }],
  ['Tasks', 'Tasks', 'Send Notification Email', 'Send_Notification_Email', { Subject: 'B' }],
  ['Calls', 'Calls', 'Billable', 'Billable', { Subject: 'B' }],
  ['Events', 'Events', 'All day', 'All_day', { Event_Title: 'B' }],
  ['CustomModule1', 'Course_Progress', 'Completed', 'Completed', { Name: 'B' }],
] as const;

const TRUE_VALUES = ['true', 'TRUE', 'True', '1', 'on', 'ON', 'yes', 'Yes'];
const FALSE_VALUES = ['false', 'FALSE', '0', 'off', 'Off', 'no', 'NO', ''];

describe('boolean field values (item 2)', () => {
  it.each(BOOLEAN_FIELDS)('%s "%s": true/1/on/yes → true, false/0/off/no/empty → false (update)', async (v1, api, label, field, rest) => {
    const id = h.seed(api, { ...rest });
    for (const [values, expected] of [[TRUE_VALUES, true], [FALSE_VALUES, false]] as const) {
      for (const value of values) {
        h.sandbox.state.store.get(api, id)!.values[field] = !expected;
        const xml = await h.call(v1, 'updateRecords', { id, xmlData: payload(v1, row('1', { [label]: value })) });
        expect(xml, `${label}=${JSON.stringify(value)}`).toContain('Record(s) updated successfully');
        expect(stored(api, id).values[field], `${label}=${JSON.stringify(value)}`).toBe(expected);
      }
    }
  });

  it.each(['maybe', 'checked', 'Y', '2', 'x'])('Leads "Email Opt Out" = %j: the row lands without the field, with a warning', async (value) => {
    const xml = await h.call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': 'Bool', Company: 'A', Phone: '0123', 'Email Opt Out': value })) });
    expect(xml).toContain('Record(s) added successfully');
    const rec = stored('Leads', ids(xml)[0]);
    expect(rec.values.Email_Opt_Out).toBeUndefined();
    expect(rec.values.Phone).toBe('0123');
    const w = h.lastRequest()!.warnings!.find((x) => x.kind === 'value-dropped')!;
    expect(w).toMatchObject({ row: '1', label: 'Email Opt Out' });
    expect(w.message).toContain(value);
  });

  it('HTML check box `on` and PHP `1` on insert; version=4 rows each land', async () => {
    const xml = await h.call('Leads', 'insertRecords', {
      version: '4',
      xmlData: payload('Leads', row('1', { 'Last Name': 'On', Company: 'A', 'Email Opt Out': 'on' }), row('2', { 'Last Name': 'Odd', Company: 'A', 'Email Opt Out': 'perhaps' })),
    });
    expect(stored('Leads', ids(rowXml(xml, '1'))[0]).values.Email_Opt_Out).toBe(true);
    expect(stored('Leads', ids(rowXml(xml, '2'))[0]).values.Email_Opt_Out).toBeUndefined();
  });
});

/* ------------------------------------------------------------------ item 3: the literal null */

/** [label, api_name, a stored value, how the value is written in the payload]. */
const NULL_FIELDS = [
  ['Phone', 'Phone', '0123'],
  ['Fax', 'Fax', '0456'],
  ['Website', 'Website', 'https://example.com'],
  ['Annual Revenue', 'Annual_Revenue', 100],
  ['No of Employees', 'No_of_Employees', 7],
  ['Email Opt Out', 'Email_Opt_Out', true],
  ['Date Field', 'Date_Field', '2020-01-02'],
  ['Lead Source', 'Lead_Source', 'Cold Call'],
] as const;

const asNull = (cdata: boolean) => (cdata ? '<![CDATA[null]]>' : 'null');

describe('the literal null (item 3)', () => {
  describe.each([false, true])('written %s', (cdata) => {
    it.each(NULL_FIELDS)('Leads "%s": newFormat=1 / absent leaves the field as it is on update', async (label, field, value) => {
      for (const newFormat of [undefined, '1']) {
        const id = h.seed('Leads', { Last_Name: 'N', Company: 'A', [field]: value });
        const xml = await h.call('Leads', 'updateRecords', {
          id,
          ...(newFormat ? { newFormat } : {}),
          xmlData: payload('Leads', row('1', { [label]: asNull(cdata), City: 'Updated' })),
        });
        expect(xml).toContain('Record(s) updated successfully');
        expect(stored('Leads', id).values[field]).toEqual(value);
        expect(stored('Leads', id).values.City).toBe('Updated');
      }
    });

    it.each(NULL_FIELDS)('Leads "%s": newFormat=2 clears it (JSON null)', async (label, field, value) => {
      const id = h.seed('Leads', { Last_Name: 'N', Company: 'A', [field]: value });
      const xml = await h.call('Leads', 'updateRecords', { id, newFormat: '2', xmlData: payload('Leads', row('1', { [label]: asNull(cdata) })) });
      expect(xml).toContain('Record(s) updated successfully');
      expect(stored('Leads', id).values[field]).toBeNull();
      expect(h.lastRequest()!.plan!.bodies![0]).toMatchObject({ data: [{ [field]: null }] });
    });

    it.each([undefined, '1', '2'])('insert with newFormat=%s: "null" is never stored as text', async (newFormat) => {
      const xml = await h.call('Leads', 'insertRecords', {
        ...(newFormat ? { newFormat } : {}),
        xmlData: payload('Leads', row('1', { 'Last Name': 'Ins', Company: 'A', ...Object.fromEntries(NULL_FIELDS.map(([l]) => [l, asNull(cdata)])) })),
      });
      expect(xml).toContain('Record(s) added successfully');
      const rec = stored('Leads', ids(xml)[0]);
      for (const [, field] of NULL_FIELDS) expect(rec.values[field] ?? null).toBeNull();
    });
  });

  /** Lookups and pseudo-ids: [v1 module, v2 module, label, api_name, target module, other values]. */
  const LINKS = [
    ['Contacts', 'Contacts', 'ACCOUNTID', 'Account_Name', 'Accounts', { Last_Name: 'L' }],
    ['Contacts', 'Contacts', 'Account Name', 'Account_Name', 'Accounts', { Last_Name: 'L' }],
    ['Potentials', 'Deals', 'CONTACTID', 'Contact_Name', 'Contacts', { Deal_Name: 'L', Stage: 'Qualification' }],
    ['Potentials', 'Deals', 'CAMPAIGNID', 'Campaign_Source', 'Campaigns', { Deal_Name: 'L', Stage: 'Qualification' }],
    ['Tasks', 'Tasks', 'CONTACTID', 'Who_Id', 'Contacts', { Subject: 'L' }],
    ['Products', 'Products', 'VENDORID', 'Vendor_Name', 'Vendors', { Product_Name: 'L' }],
  ] as const;
  const targetValues: Record<string, Record<string, unknown>> = {
    Accounts: { Account_Name: 'Null target' },
    Contacts: { Last_Name: 'Null target' },
    Campaigns: { Campaign_Name: 'Null target' },
    Vendors: { Vendor_Name: 'Null target' },
  };
  it.each(LINKS)('%s "%s" = null: kept with newFormat=1, cleared with newFormat=2; never searched', async (v1, api, label, field, target, rest) => {
    const targetId = h.seed(target, targetValues[target]);
    for (const newFormat of ['1', '2']) {
      const id = h.seed(api, { ...rest, [field]: { id: targetId, name: 'Null target' } });
      const searches = h.searches();
      const xml = await h.call(v1, 'updateRecords', { id, newFormat, xmlData: payload(v1, row('1', { [label]: 'null', Description: 'touched' })) });
      expect(xml).toContain('Record(s) updated successfully');
      expect(h.searches()).toBe(searches);
      if (newFormat === '1') expect(linked(stored(api, id).values[field])).toBe(targetId);
      else expect(stored(api, id).values[field]).toBeNull();
    }
  });
});

/* ------------------------------------------------------------------ item 4: emptied pseudo-ids on update */

describe('empty pseudo-ids clear their v2 field on update (item 4)', () => {
  let seq = 0;
  /** Every lookup pseudo-id the schema knows, where its v2 field lives: [v1 module, v2 module, label, api_name, target, other values]. */
  const PSEUDO_IDS = [
    ['Contacts', 'Contacts', 'ACCOUNTID', 'Account_Name', 'Accounts', { Last_Name: 'P' }],
    ['Contacts', 'Contacts', 'VENDORID', 'Vendor_Name', 'Vendors', { Last_Name: 'P' }],
    ['Potentials', 'Deals', 'ACCOUNTID', 'Account_Name', 'Accounts', { Deal_Name: 'P', Stage: 'Qualification' }],
    ['Potentials', 'Deals', 'CONTACTID', 'Contact_Name', 'Contacts', { Deal_Name: 'P', Stage: 'Qualification' }],
    ['Potentials', 'Deals', 'CAMPAIGNID', 'Campaign_Source', 'Campaigns', { Deal_Name: 'P', Stage: 'Qualification' }],
    ['Quotes', 'Quotes', 'POTENTIALID', 'Deal_Name', 'Deals', { Subject: 'P' }],
    ['Quotes', 'Quotes', 'CONTACTID', 'Contact_Name', 'Contacts', { Subject: 'P' }],
    ['SalesOrders', 'Sales_Orders', 'QUOTEID', 'Quote_Name', 'Quotes', { Subject: 'P' }],
    ['Invoices', 'Invoices', 'SALESORDERID', 'Sales_Order', 'Sales_Orders', { Subject: 'P' }],
    ['Accounts', 'Accounts', 'PARENTACCOUNTID', 'Parent_Account', 'Accounts', { Account_Name: 'P' }],
    ['Cases', 'Cases', 'PRODUCTID', 'Product_Name', 'Products', { Subject: 'P', Status: 'New', Case_Origin: 'Email' }],
    ['Cases', 'Cases', 'WHOID', 'Related_To', 'Contacts', { Subject: 'P', Status: 'New', Case_Origin: 'Email' }],
    ['Tasks', 'Tasks', 'CONTACTID', 'Who_Id', 'Contacts', { Subject: 'P' }],
    ['Events', 'Events', 'CONTACTID', 'Who_Id', 'Contacts', { Event_Title: 'P' }],
    ['Calls', 'Calls', 'CONTACTID', 'Who_Id', 'Contacts', { Subject: 'P' }],
  ] as const;
  const seedTarget = (module: string): string => {
    seq += 1;
    const name = `Target ${seq}`;
    const values: Record<string, Record<string, unknown>> = {
      Accounts: { Account_Name: name },
      Contacts: { Last_Name: name },
      Vendors: { Vendor_Name: name },
      Campaigns: { Campaign_Name: name },
      Deals: { Deal_Name: name, Stage: 'Qualification' },
      Quotes: { Subject: name },
      Sales_Orders: { Subject: name },
      Products: { Product_Name: name },
    };
    return h.seed(module, values[module]);
  };

  it.each(PSEUDO_IDS)('%s %s → %s null', async (v1, api, label, field, target, rest) => {
    const id = h.seed(api, { ...rest, [field]: { id: seedTarget(target), name: 'x' } });
    const xml = await h.call(v1, 'updateRecords', { id, xmlData: payload(v1, row('1', { [label]: '' })) });
    expect(xml).toContain('Record(s) updated successfully');
    expect(h.lastRequest()!.plan!.bodies![0]).toMatchObject({ data: [{ [field]: null }] });
    expect(stored(api, id).values[field]).toBeNull();
  });

  it.each([
    ['Events', 'Events', { Event_Title: 'Linked' }, { SEMODULE: '', SEID: '' }],
    ['Events', 'Events', { Event_Title: 'Linked' }, { RELATEDTOID: '', SEMODULE: '' }],
    ['Events', 'Events', { Event_Title: 'Linked' }, { SEID: '' }],
    ['Tasks', 'Tasks', { Subject: 'Linked' }, { SEMODULE: '', SEID: '' }],
    ['Calls', 'Calls', { Subject: 'Linked' }, { SEID: '', SEMODULE: '' }],
  ] as const)('%s: empty %j unlinks What_Id (version absent and version=4)', async (v1, api, rest, fields) => {
    for (const version4 of [false, true]) {
      const accountId = seedTarget('Accounts');
      const id = h.seed(api, { ...rest, What_Id: { id: accountId, name: 'x' }, $se_module: 'Accounts' });
      const xml = version4
        ? await h.call(v1, 'updateRecords', { version: '4', xmlData: payload(v1, row('1', { Id: id, ...fields })) })
        : await h.call(v1, 'updateRecords', { id, xmlData: payload(v1, row('1', { ...fields })) });
      expect(xml).toMatch(version4 ? /<code>2001<\/code>/ : /Record\(s\) updated successfully/);
      expect(stored(api, id).values.What_Id).toBeNull();
    }
  });

  it('SEID given with an empty SEMODULE keeps the link (What_Id not cleared)', async () => {
    const accountId = seedTarget('Accounts');
    const id = h.seed('Events', { Event_Title: 'Keep', What_Id: { id: accountId, name: 'x' }, $se_module: 'Accounts' });
    await h.call('Events', 'updateRecords', { id, xmlData: payload('Events', row('1', { SEID: accountId, SEMODULE: '', Venue: 'Here' })) });
    expect(linked(stored('Events', id).values.What_Id)).toBe(accountId);
  });

  it.each([
    ['Leads', 'Leads', 'SMOWNERID', { Last_Name: 'O', Company: 'A' }],
    ['Leads', 'Leads', 'Lead Owner', { Last_Name: 'O', Company: 'A' }],
    ['Potentials', 'Deals', 'SMOWNERID', { Deal_Name: 'O', Stage: 'Qualification' }],
    ['Tasks', 'Tasks', 'SMOWNERID', { Subject: 'O' }],
  ] as const)('%s %s emptied: the owner goes back to the API user', async (v1, api, label, rest) => {
    const [apiUser, other] = h.sandbox.state.metadata.users;
    const id = h.seed(api, { ...rest });
    h.sandbox.state.store.get(api, id)!.ownerId = other.id;
    const xml = await h.call(v1, 'updateRecords', { id, xmlData: payload(v1, row('1', { [label]: '' })) });
    expect(xml).toContain('Record(s) updated successfully');
    expect(stored(api, id).ownerId).toBe(apiUser.id);
  });

  it('empty pseudo-ids on insert are simply left out', async () => {
    const xml = await h.call('Contacts', 'insertRecords', { xmlData: payload('Contacts', row('1', { 'Last Name': 'I', ACCOUNTID: '', SMOWNERID: '' })) });
    expect(xml).toContain('Record(s) added successfully');
    expect(h.lastRequest()!.plan!.bodies![0]).toEqual(expect.objectContaining({ data: [{ Last_Name: 'I' }] }));
  });
});

/* ------------------------------------------------------------------ item 7: label case */

describe('label case (item 7)', () => {
  const CASES = [
    ['Leads', 'Leads', 'Date field', 'Date_Field', '2021-05-06', { 'Last Name': 'C', Company: 'A' }],
    ['Leads', 'Leads', 'phone', 'Phone', '0123', { 'Last Name': 'C', Company: 'A' }],
    ['Leads', 'Leads', 'first_name', 'First_Name', 'Ann', { 'Last Name': 'C', Company: 'A' }],
    ['Contacts', 'Contacts', 'Date Of Birth', 'Date_of_Birth', '1990-01-02', { 'Last Name': 'C' }],
    ['CustomModule1', 'Course_Progress', 'order id', 'Order_ID', 'o-1', { 'CustomModule1 Name': 'C' }],
  ] as const;
  let exact: BridgeHarness;
  let loose: BridgeHarness;
  beforeAll(async () => {
    exact = await startHarness({ compat: { labelMatching: 'exact' } });
    loose = await startHarness({ compat: { labelMatching: 'case-insensitive' } });
  });
  afterAll(async () => {
    await exact?.close();
    await loose?.close();
  });

  it.each(CASES)('exact: %s "%s" is dropped with a label-case warning; the row lands', async (v1, api, label, field, value, rest) => {
    const xml = await exact.call(v1, 'insertRecords', { xmlData: payload(v1, row('1', { ...rest, [label]: value })) });
    expect(xml).toContain('Record(s) added successfully');
    expect(exact.sandbox.state.records(api).find((r) => r.id === ids(xml)[0])!.values[field]).toBeUndefined();
    const w = exact.lastRequest()!.warnings!.find((x) => x.kind === 'label-case')!;
    expect(w).toMatchObject({ row: '1', label });
  });

  it.each(CASES)('case-insensitive: %s "%s" is written to %s', async (v1, api, label, field, value, rest) => {
    const xml = await loose.call(v1, 'insertRecords', { xmlData: payload(v1, row('1', { ...rest, [label]: value })) });
    expect(xml).toContain('Record(s) added successfully');
    expect(loose.sandbox.state.records(api).find((r) => r.id === ids(xml)[0])!.values[field]).toBe(value);
  });

  it('an exact v2 api_name is accepted (extension), in both modes', async () => {
    for (const t of [exact, loose]) {
      const xml = await t.call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { Last_Name: 'Api', Company: 'A', First_Name: 'Ann' })) });
      expect(t.sandbox.state.records('Leads').find((r) => r.id === ids(xml)[0])!.values).toMatchObject({ Last_Name: 'Api', First_Name: 'Ann' });
    }
  });
});
