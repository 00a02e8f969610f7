import { describe, expect, it } from 'vitest';
import { legacyErrors } from '../../src/legacy/errors.js';
import { lookupKey, planCall, resolutionRequests } from '../../src/mapping/plan.js';
import { call, ctx, parsed, row, schema } from './helpers.js';

const lead = (no = '1', ...extra: [string, string][]) => row(no, ['Last Name', 'Heng'], ['Email', 'd@x.com'], ...extra);

describe('operations (§1 table)', () => {
  it('insert, one row, default version', () => {
    const plan = planCall(call('Leads', 'insertRecords'), parsed(lead()), ctx());
    expect(plan.error).toBeUndefined();
    expect(plan.operation).toBe('insert');
    expect(plan.requests).toEqual([
      { method: 'POST', path: '/crm/v2/Leads', body: { data: [{ Last_Name: 'Heng', Email: 'd@x.com' }], trigger: [] }, rows: [0] },
    ]);
  });

  it('insert, several rows: one POST, rows in order, workflow dropped', () => {
    const plan = planCall(call('Leads', 'insertRecords', { wftrigger: 'true', isapproval: 'true' }), parsed(lead('1'), lead('2')), ctx());
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0].rows).toEqual([0, 1]);
    expect(plan.requests[0].body.trigger).toEqual(['approval']);
  });

  it('duplicateCheck=1: insert with each row carrying the duplicate-check value', () => {
    const plan = planCall(call('Leads', 'insertRecords', { duplicatecheck: '1' }), parsed(lead()), ctx());
    expect(plan.operation).toBe('insert');
    expect(plan.duplicateCheck).toBe(1);
    expect(plan.duplicateCheckField).toBe('Email');
    expect(plan.rows[0].duplicateCheckValue).toBe('d@x.com');
    expect(plan.requests[0].path).toBe('/crm/v2/Leads');
  });

  it('duplicateCheck=2: upsert with the system field', () => {
    const plan = planCall(call('Accounts', 'insertRecords', { duplicatecheck: '2' }), parsed(row('1', ['Account Name', 'Zylker'])), ctx());
    expect(plan.operation).toBe('upsert');
    expect(plan.requests[0]).toMatchObject({
      method: 'POST',
      path: '/crm/v2/Accounts/upsert',
      body: { data: [{ Account_Name: 'Zylker' }], trigger: [], duplicate_check_fields: ['Account_Name'] },
    });
  });

  it.each(['Tasks', 'Events', 'Calls'])('duplicateCheck on %s is a plain insert', (m) => {
    for (const dup of ['1', '2']) {
      const plan = planCall(call(m, 'insertRecords', { duplicatecheck: dup }), parsed(row('1', ['Subject', 'S'])), ctx());
      expect(plan.operation).toBe('insert');
      expect(plan.duplicateCheckField).toBeUndefined();
      for (const req of plan.requests) {
        expect(req.path).toBe(`/crm/v2/${m}`);
        expect(req.body.duplicate_check_fields).toBeUndefined();
      }
    }
  });

  it('version=4 insert: a failing row is left out, the others sent', () => {
    const plan = planCall(call('Leads', 'insertRecords', { version: '4' }), parsed(lead('1'), row('2', ['First Name', 'A'])), ctx());
    expect(plan.requests[0].rows).toEqual([0]);
    expect(plan.rows[1].error).toEqual(legacyErrors.rowMandatoryMissing('Last Name'));
  });

  it('version=4&duplicateCheck=2: upsert', () => {
    const plan = planCall(call('Leads', 'insertRecords', { version: '4', duplicatecheck: '2' }), parsed(lead()), ctx());
    expect(plan.requests[0].path).toBe('/crm/v2/Leads/upsert');
    expect(plan.requests[0].body.duplicate_check_fields).toEqual(['Email']);
  });

  it('updateRecords&id=X: PUT /{M}/X, first row only, empty values → null', () => {
    const plan = planCall(
      call('Leads', 'updateRecords', { id: '1386586000000105001', duplicatecheck: '1' }),
      parsed(row('1', ['Phone', ''], ['City', 'Oslo'], ['LEADID', '5']), lead('2')),
      ctx(),
    );
    expect(plan.operation).toBe('update');
    expect(plan.duplicateCheck).toBe(0);
    expect(plan.rows).toHaveLength(1);
    expect(plan.requests).toEqual([
      { method: 'PUT', path: '/crm/v2/Leads/1386586000000105001', body: { data: [{ Phone: null, City: 'Oslo' }], trigger: [] }, rows: [0] },
    ]);
    expect(plan.warnings.some((w) => w.kind === 'other')).toBe(true);
  });

  it.each<Record<string, string>>([{}, { id: '' }, { id: 'abc' }])('updateRecords without a valid id param %j → 4600 "id"', (params) => {
    const plan = planCall(call('Leads', 'updateRecords', params), parsed(lead()), ctx());
    expect(plan.error).toEqual(legacyErrors.badParameter('id'));
    expect(plan.requests).toEqual([]);
  });

  it('updateRecords version=4: PUT /{M} with each row\'s Id; missing Id → row 4425; ID is not Id', () => {
    const plan = planCall(
      call('Leads', 'updateRecords', { version: '4', wftrigger: 'TRUE' }),
      parsed(row('1', ['Id', '111'], ['City', 'A']), row('2', ['City', 'B']), row('3', ['ID', '333'], ['City', 'C'])),
      ctx(),
    );
    expect(plan.requests).toEqual([
      { method: 'PUT', path: '/crm/v2/Leads', body: { data: [{ id: '111', City: 'A' }], trigger: ['workflow'] }, rows: [0] },
    ]);
    expect(plan.rows[1].error).toEqual(legacyErrors.rowInvalidId());
    expect(plan.rows[2].error).toEqual(legacyErrors.rowInvalidId());
  });

  it('updateRecords version=4 with a non-numeric Id fails the whole request with 4500', () => {
    const plan = planCall(call('Leads', 'updateRecords', { version: '4' }), parsed(row('1', ['Id', 'abc'], ['City', 'A'])), ctx());
    expect(plan.error).toEqual(legacyErrors.internal());
  });
});

describe('trigger (§1)', () => {
  const trig = (module: string, params: Record<string, string>, options = {}) =>
    planCall(call(module, 'insertRecords', params), parsed(module === 'Leads' ? lead() : row('1', ['Subject', 'S'], ['Status', 'New'], ['Case Origin', 'Web'])), ctx({ options })).trigger;
  it.each([
    ['Leads', {}, [], {}],
    ['Leads', { wftrigger: 'false' }, [], {}],
    ['Leads', { wftrigger: 'true' }, ['workflow'], {}],
    ['Leads', { wftrigger: 'True', isapproval: 'true' }, ['workflow', 'approval'], {}],
    ['Leads', { isapproval: 'true' }, ['approval'], {}],
    ['Cases', { isapproval: 'true' }, ['approval'], {}],
    ['Tasks', { isapproval: 'true', wftrigger: 'true' }, ['workflow'], {}],
    ['Leads', { wftrigger: 'true' }, ['workflow', 'approval', 'blueprint'], { fullTriggerOnWorkflow: true }],
  ])('%s %j → %j', (m, params, expected, options) => {
    expect(trig(m, params as Record<string, string>, options)).toEqual(expected);
  });

  it('lar_id from larid', () => {
    const plan = planCall(call('Leads', 'insertRecords', { larid: '42' }), parsed(lead()), ctx());
    expect(plan.requests[0].body.lar_id).toBe('42');
  });
});

describe('whole-request errors', () => {
  it('unknown module or method → 4600 generic', () => {
    expect(planCall(call('leads', 'insertRecords'), parsed(lead()), ctx()).error).toEqual(legacyErrors.generic());
    expect(planCall(call('Leads', 'getRecords'), parsed(lead()), ctx()).error).toEqual(legacyErrors.generic());
  });

  it('inventory module, several rows, no version=4 → 4600 xmlData, nothing sent', () => {
    const q = (no: string) => row(no, ['Subject', 'Q'], ['Product Details', [{ no: '1', fields: [{ label: 'Product Id', value: '2000000017001' }] }]]);
    const plan = planCall(call('Quotes', 'insertRecords'), parsed(q('1'), q('2')), ctx());
    expect(plan.error).toEqual(legacyErrors.badParameter('xmlData'));
    expect(plan.requests).toEqual([]);
    expect(planCall(call('Quotes', 'insertRecords', { version: '4' }), parsed(q('1'), q('2')), ctx()).requests[0].rows).toEqual([0, 1]);
  });

  it('empty row → 4401 (4891 in v4)', () => {
    expect(planCall(call('Leads', 'insertRecords'), parsed(row('1')), ctx()).error).toEqual(legacyErrors.mandatoryMissing());
    const v4 = planCall(call('Leads', 'insertRecords', { version: '4' }), parsed(row('1')), ctx());
    expect(v4.rows[0].error).toEqual(legacyErrors.rowMandatoryMissing('Last Name'));
    expect(v4.requests).toEqual([]);
  });

  it('default version: a conversion failure in any row is the top-level 4832 and nothing is sent', () => {
    const plan = planCall(call('Leads', 'insertRecords'), parsed(lead('1'), lead('2', ['Annual Revenue', 'lots'])), ctx());
    expect(plan.error).toEqual(legacyErrors.wrongValue('Annual Revenue'));
    expect(plan.requests).toEqual([]);
  });

  it('no rows → 4600 xmlData', () => {
    expect(planCall(call('Leads', 'insertRecords'), parsed(), ctx()).error).toEqual(legacyErrors.badParameter('xmlData'));
  });

  it('more than 100 rows: the first 100 count, with a warning', () => {
    const rows = Array.from({ length: 103 }, (_, i) => lead(String(i + 1)));
    const plan = planCall(call('Leads', 'insertRecords', { version: '4' }), parsed(...rows), ctx());
    expect(plan.requests[0].body.data).toHaveLength(100);
    expect(plan.warnings.find((w) => w.kind === 'rows-truncated')?.message).toContain('3 row(s)');
  });
});

describe('pseudo-fields and values in plans', () => {
  const one = (module: string, r: ReturnType<typeof row>, extra: Parameters<typeof ctx>[0] = {}, params: Record<string, string> = { version: '4' }) =>
    planCall(call(module, 'insertRecords', params), parsed(r), ctx(extra)).rows[0];

  it('SMOWNERID beats Lead Owner; an unresolved e-mail owner is omitted with a warning', () => {
    expect(one('Leads', row('1', ['SMOWNERID', '1386586000000105002'], ['Lead Owner', 'a@b.c'], ['Last Name', 'X'])).record?.Owner).toEqual({ id: '1386586000000105002' });
    const r = one('Leads', row('1', ['Lead Owner', 'nobody@b.c'], ['Last Name', 'X']));
    expect(r.record).toEqual({ Last_Name: 'X' });
    expect(r.warnings.map((w) => w.kind)).toEqual(['unresolved-owner']);
  });

  it('owner e-mail resolved through resolutions.owners; an id-looking owner is an id', () => {
    const owners = new Map([['dexter.heng@example.com', '1386586000000105001']]);
    expect(one('Leads', row('1', ['Lead Owner', 'dexter.heng@example.com'], ['Last Name', 'X']), { resolutions: { owners } }).record?.Owner).toEqual({ id: '1386586000000105001' });
    expect(one('Leads', row('1', ['Lead Owner', '1386586000000105003'], ['Last Name', 'X'])).record?.Owner).toEqual({ id: '1386586000000105003' });
  });

  it('SEID + SEMODULE → What_Id + $se_module (v1 name mapped); RELATEDTOID is SEID', () => {
    expect(one('Tasks', row('1', ['Subject', 'S'], ['SEID', '11'], ['SEMODULE', 'Potentials'])).record).toEqual({ Subject: 'S', What_Id: { id: '11' }, $se_module: 'Deals' });
    expect(one('Events', row('1', ['Subject', 'S'], ['Start DateTime', '2009-08-04 01:00:00'], ['End DateTime', '2009-08-04 02:00:00'], ['RELATEDTOID', '12'], ['SEMODULE', 'SalesOrders'])).record).toMatchObject({ What_Id: { id: '12' }, $se_module: 'Sales_Orders' });
    const bad = one('Tasks', row('1', ['Subject', 'S'], ['SEID', '11'], ['SEMODULE', '账户']));
    expect(bad.record).toEqual({ Subject: 'S' });
    expect(bad.warnings[0].kind).toBe('unresolved-lookup');
  });

  it('CONTACTID → Who_Id in activities, Contact_Name elsewhere; WHOID → Related_To in Cases', () => {
    // Updates (no mandatory check) keep the rows minimal.
    const upd = (module: string, label: string, value: string) =>
      planCall(call(module, 'updateRecords', { version: '4' }), parsed(row('1', ['Id', '1'], [label, value])), ctx()).rows[0].record;
    expect(upd('Calls', 'CONTACTID', '5')).toEqual({ id: '1', Who_Id: { id: '5' } });
    expect(upd('Deals', 'CONTACTID', '5')).toEqual({ id: '1', Contact_Name: { id: '5' } });
    expect(upd('Cases', 'WHOID', '6')).toEqual({ id: '1', Related_To: { id: '6' } });
    expect(upd('Contacts', 'CONTACTID', '6')).toEqual({ id: '1' });
  });

  it('ACCOUNTID beats Account Name in either order; a name alone needs resolutions.lookupNames', () => {
    expect(one('Contacts', row('1', ['ACCOUNTID', '7'], ['Account Name', 'Zylker'], ['Last Name', 'X'])).record?.Account_Name).toEqual({ id: '7' });
    expect(one('Contacts', row('1', ['Account Name', 'Zylker'], ['ACCOUNTID', '7'], ['Last Name', 'X'])).record?.Account_Name).toEqual({ id: '7' });
    const dropped = one('Contacts', row('1', ['Account Name', 'Zylker'], ['Last Name', 'X']));
    expect(dropped.record).toEqual({ Last_Name: 'X' });
    expect(dropped.warnings[0].kind).toBe('unresolved-lookup');
    const lookupNames = new Map([[lookupKey('Accounts', 'Zylker'), { id: '8' }]]);
    expect(one('Contacts', row('1', ['Account Name', 'Zylker'], ['Last Name', 'X']), { resolutions: { lookupNames } }).record?.Account_Name).toEqual({ id: '8' });
  });

  it('lookup policy "error" (resolution.fail): the row fails with 4832 naming the label; without fail it is dropped', () => {
    const fail = new Map([[lookupKey('Vendors', 'Nope'), { reason: 'no-match', fail: true }]]);
    const failed = one('Products', row('1', ['Product Name', 'P'], ['Vendor Name', 'Nope']), { resolutions: { lookupNames: fail } });
    expect(failed.error).toEqual(legacyErrors.wrongValue('Vendor Name'));
    expect(failed.errorLabel).toBe('Vendor Name');
    expect(failed.record).toBeUndefined();
    const skip = new Map([[lookupKey('Vendors', 'Nope'), { reason: 'several-matches' }]]);
    const skipped = one('Products', row('1', ['Product Name', 'P'], ['Vendor Name', 'Nope']), { resolutions: { lookupNames: skip } });
    expect(skipped.record).toEqual({ Product_Name: 'P' });
    expect(skipped.warnings[0]).toMatchObject({ kind: 'unresolved-lookup', label: 'Vendor Name' });
    expect(skipped.warnings[0].message).toContain('several-matches');
    // A pseudo-id twin wins before the policy is consulted.
    const twin = one('Products', row('1', ['Product Name', 'P'], ['Vendor Name', 'Nope'], ['VENDORID', '77']), { resolutions: { lookupNames: fail } });
    expect(twin.record?.Vendor_Name).toEqual({ id: '77' });
  });

  it('lookup policy "error" on a line item given by Product Name fails the row', () => {
    const products = [{ no: '1', fields: [{ label: 'Product Name', value: 'Nope' }] }];
    const lookupNames = new Map([[lookupKey('Products', 'Nope'), { reason: 'no-match', fail: true }]]);
    const r = one('Quotes', row('1', ['Subject', 'Q'], ['Product Details', products]), { resolutions: { lookupNames } });
    expect(r.error).toEqual(legacyErrors.wrongValue('Product Name'));
  });

  it('a non-numeric id pseudo-field is a wrong value', () => {
    expect(one('Contacts', row('1', ['ACCOUNTID', 'Zylker'], ['Last Name', 'X'])).error).toEqual(legacyErrors.wrongValue('ACCOUNTID'));
  });

  it('Notes entityId → Parent_Id + se_module via resolutions.noteParents', () => {
    const noteParents = new Map<string, string | undefined>([['99', 'Leads']]);
    const note = row('1', ['entityId', '99'], ['Note Title', 'T'], ['Note Content', 'C']);
    expect(one('Notes', note, { resolutions: { noteParents } }).record).toEqual({ Note_Title: 'T', Note_Content: 'C', Parent_Id: '99', se_module: 'Leads' });
    const unresolved = one('Notes', note, { resolutions: { noteParents: new Map() } });
    expect(unresolved.error).toEqual(legacyErrors.rowMandatoryMissing('entityId'));
    // Offline (converter): the unresolved parent is left out, as the converter's summary documents.
    const offline = one('Notes', note);
    expect(offline.record).toEqual({ Note_Title: 'T', Note_Content: 'C' });
    expect(offline.warnings[0].kind).toBe('unresolved-parent');
  });

  it('read-only and computed fields are dropped with warnings', () => {
    const r = one('Quotes', row('1', ['Subject', 'Q'], ['Sub Total', '1'], ['Grand Total', '2'], ['Tax', '3'], ['Quote Number', 'x'], ['Created By', 'me'], ['Product Details', [{ no: '1', fields: [{ label: 'Product Id', value: '1' }] }]]));
    expect(Object.keys(r.record!)).toEqual(['Subject', 'Product_Details']);
    expect(r.warnings.map((w) => w.kind)).toEqual(['computed-dropped', 'computed-dropped', 'computed-dropped', 'computed-dropped', 'read-only-dropped']);
  });

  it('Product Details → line items; computed columns dropped; Product Name resolved by name', () => {
    const products = [
      { no: '1', fields: [['Product Id', '2000000017001'], ['Unit Price', '10.0'], ['Quantity', '1.0'], ['Total', '123.0'], ['Discount', '1.23'], ['Total After Discount', '121.77'], ['List Price', '123.0'], ['Net Total', '121.77']].map(([label, value]) => ({ label, value })) },
      { no: '2', fields: [{ label: 'Product Name', value: 'Gizmo' }, { label: 'Discount', value: '10%' }, { label: 'Product Description', value: 'd' }] },
      { no: '3', fields: [{ label: 'Product Name', value: 'Unknown' }] },
    ];
    const lookupNames = new Map([[lookupKey('Products', 'Gizmo'), { id: '3000' }]]);
    const r = one('Quotes', row('1', ['Subject', 'Q'], ['Product Details', products]), { resolutions: { lookupNames } });
    expect(r.record?.Product_Details).toEqual([
      { product: { id: '2000000017001' }, unit_price: 10, quantity: 1, Discount: 1.23, list_price: 123 },
      { product: { id: '3000' }, Discount: '10%', product_description: 'd' },
    ]);
    expect(r.warnings.filter((w) => w.kind === 'computed-dropped')).toHaveLength(3);
    expect(r.warnings.filter((w) => w.kind === 'unresolved-lookup')).toHaveLength(1);
  });

  it('Product Details with no usable line item → mandatory missing', () => {
    const r = one('Quotes', row('1', ['Subject', 'Q'], ['Product Details', [{ no: '1', fields: [] }]]));
    expect(r.error).toEqual(legacyErrors.rowMandatoryMissing('Product Details'));
  });

  it('the last repeated label wins; earlier ones are traced as overridden', () => {
    const r = one('Leads', row('1', ['Last Name', 'A'], ['City', 'x'], ['Last Name', 'B']));
    expect(r.record).toEqual({ Last_Name: 'B', City: 'x' });
    expect(r.trace[0].outcome).toBe('overridden');
  });

  it('empty values are omitted on insert, null with newFormat=2', () => {
    expect(one('Leads', row('1', ['Last Name', 'A'], ['City', ' '])).record).toEqual({ Last_Name: 'A' });
    expect(one('Leads', row('1', ['Last Name', 'A'], ['City', '']), {}, { newformat: '2' }).record).toEqual({ Last_Name: 'A', City: null });
  });

  it('unknown labels are never sent, always warned and traced', () => {
    const r = one('Leads', row('1', ['Last Name', 'A'], ['Zoho_id', '1'], ['Home Phone', '2']));
    expect(r.record).toEqual({ Last_Name: 'A' });
    expect(r.warnings.map((w) => w.label)).toEqual(['Zoho_id', 'Home Phone']);
    expect(r.trace.filter((t) => t.outcome === 'unknown').map((t) => t.label)).toEqual(['Zoho_id', 'Home Phone']);
  });

  it('custom module: CustomModuleN Name → Name', () => {
    const plan = planCall(call('CustomModule1', 'insertRecords', { duplicatecheck: '2' }), parsed(row('1', ['CustomModule1 Name', 'N'], ['Order ID', 'o-1'])), ctx());
    expect(plan.requests[0]).toMatchObject({ path: '/crm/v2/Course_Progress/upsert', body: { data: [{ Name: 'N', Order_ID: 'o-1' }], duplicate_check_fields: ['Name'] } });
  });
});

describe('resolutionRequests', () => {
  it('lists owners, Notes parents and name-only lookups, skipping ids and id twins', () => {
    const rows = [
      row('1', ['Contact Owner', 'a@b.c'], ['Account Name', 'Zylker'], ['Vendor Name', 'V'], ['VENDORID', '9'], ['Reports To', 'Boss']),
      row('2', ['Contact Owner', '1386586000000105001'], ['Account Name', 'Zylker']),
    ];
    expect(resolutionRequests(schema.module('Contacts')!, rows, schema)).toEqual({
      owners: ['a@b.c'],
      noteParents: [],
      lookupNames: [
        { field: 'Account_Name', module: 'Accounts', value: 'Zylker' },
        { field: 'Reporting_To', module: 'Contacts', value: 'Boss' },
      ],
      currentRecords: [],
      taxes: false,
      apiUser: false,
      module: 'Contacts',
    });
    expect(resolutionRequests(schema.module('Notes')!, [row('1', ['entityId', '42'])], schema).noteParents).toEqual(['42']);
    const q = row('1', ['Product Details', [{ no: '1', fields: [{ label: 'Product Name', value: 'Gizmo' }] }]]);
    expect(resolutionRequests(schema.module('Quotes')!, [q], schema).lookupNames).toEqual([{ field: 'Product_Details', module: 'Products', value: 'Gizmo' }]);
  });

  it('updates with line items ask for the current record; a Tax amount for the org taxes; an emptied owner for the API user', () => {
    const lines = (tax: string) => ['Product Details', [{ no: '1', fields: [{ label: 'Product Id', value: '5' }, { label: 'Tax', value: tax }] }]] as [string, never];
    const quotes = schema.module('Quotes')!;
    const update = { method: 'updateRecords', params: { id: '77' } };
    expect(resolutionRequests(quotes, [row('1', lines('12.5'))], schema, undefined, update)).toMatchObject({ currentRecords: ['77'], taxes: true });
    expect(resolutionRequests(quotes, [row('1', lines('0.0'))], schema, undefined, update)).toMatchObject({ currentRecords: ['77'], taxes: false });
    expect(resolutionRequests(quotes, [row('1', lines('1'))], schema, undefined, { method: 'insertRecords', params: {} })).toMatchObject({ currentRecords: [], taxes: true });
    const v4 = { method: 'updateRecords', params: { version: '4' } };
    expect(resolutionRequests(quotes, [row('1', ['Id', '8'], lines('')), row('2', lines('')), row('3', ['Id', '9'])], schema, undefined, v4).currentRecords).toEqual(['8']);
    for (const owner of [['SMOWNERID', ''], ['Quote Owner', ''], ['SMOWNERID', 'null']]) {
      expect(resolutionRequests(quotes, [row('1', owner as [string, string])], schema, undefined, update).apiUser).toBe(true);
      expect(resolutionRequests(quotes, [row('1', owner as [string, string])], schema, undefined, { method: 'insertRecords', params: {} }).apiUser).toBe(false);
    }
    expect(resolutionRequests(schema.module('Contacts')!, [row('1', ['Account Name', 'null'], ['Contact Owner', 'Ann Smith'])], schema).lookupNames).toEqual([]);
  });
});
