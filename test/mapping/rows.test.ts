/**
 * The reverse translation (v2 record → v1 row, PROTOCOL-READS.md §3): canonical order, pseudo-field pairs, value
 * texts, newFormat, selectColumns, and agreement of every printed label with the write side's label resolution.
 */
import { describe, expect, it } from 'vitest';
import { renderLegacyXml } from '../../src/legacy/response.js';
import { columnLabels, moduleColumns, ownerLabel, readSelfIdLabel } from '../../src/mapping/columns.js';
import { resolveLabel } from '../../src/mapping/fields.js';
import { selectColumns, toV1Row } from '../../src/mapping/rows.js';
import { Schema } from '../../src/mapping/schema.js';
import type { FieldMeta } from '../../src/mapping/types.js';
import { formatV1Value, javaDoubleToString, shortestDecimal } from '../../src/mapping/v1-values.js';

const schema = Schema.bundled();
const leads = schema.module('Leads')!;
const TZ = 'America/Los_Angeles';
const owner = { name: 'Owner Name', id: '1418626000000083001', email: 'owner@example.com' };

/** A full v2 GET answer for the §3.1 lead: every field, empty ones null, and the keys v1 never printed. */
const summers: Record<string, unknown> = {
  Owner: owner,
  Company: 'Acme',
  Email: 's.summers@example.com',
  $currency_symbol: '$',
  Last_Activity_Time: '2015-05-19T14:20:32-07:00',
  Industry: null,
  $state: 'save',
  $converted: false,
  $process_flow: false,
  Street: null,
  Zip_Code: null,
  id: '1418626000000184479',
  $approved: true,
  Created_Time: '2015-05-19T14:20:32-07:00',
  $editable: true,
  City: null,
  No_of_Employees: null,
  Annual_Revenue: null,
  Created_By: owner,
  Modified_By: owner,
  Modified_Time: '2015-05-19T14:20:32-07:00',
  Full_Name: 'Summers',
  First_Name: null,
  Last_Name: 'Summers',
  Email_Opt_Out: false,
  Tag: [],
  Designation: '',
  Description: null,
};

const xmlOf = (fields: ReturnType<typeof toV1Row>) =>
  renderLegacyXml('/crm/private/xml/Leads/getRecords', { kind: 'records', module: 'Leads', rows: [fields] });

describe('toV1Row', () => {
  it('prints the §3.1 lead byte for byte (newFormat=1: empties omitted, $-keys/Full_Name/Tag never)', () => {
    const row = toV1Row(summers, moduleColumns(leads), { timeZone: TZ });
    expect(xmlOf(row)).toBe(
      '<?xml version="1.0" encoding="UTF-8" ?>\n<response uri="/crm/private/xml/Leads/getRecords"><result><Leads><row no="1"><FL val="LEADID">1418626000000184479</FL><FL val="SMOWNERID">1418626000000083001</FL><FL val="Lead Owner"><![CDATA[Owner Name]]></FL><FL val="Company"><![CDATA[Acme]]></FL><FL val="Last Name"><![CDATA[Summers]]></FL><FL val="Email"><![CDATA[s.summers@example.com]]></FL><FL val="SMCREATORID">1418626000000083001</FL><FL val="Created By"><![CDATA[Owner Name]]></FL><FL val="MODIFIEDBY">1418626000000083001</FL><FL val="Modified By"><![CDATA[Owner Name]]></FL><FL val="Created Time"><![CDATA[2015-05-19 14:20:32]]></FL><FL val="Modified Time"><![CDATA[2015-05-19 14:20:32]]></FL><FL val="Email Opt Out"><![CDATA[false]]></FL><FL val="Last Activity Time"><![CDATA[2015-05-19 14:20:32]]></FL></row></Leads></result></response>\n',
    );
  });

  it('newFormat=2 prints every column: empty ids raw null, empty values CDATA null', () => {
    const row = toV1Row(summers, moduleColumns(leads), { timeZone: TZ, newFormat: 2 });
    const labels = row.fields.map((f) => f.label);
    expect(labels).toEqual(moduleColumns(leads).flatMap(columnLabels));
    expect(row.fields.find((f) => f.label === 'First Name')).toEqual({ label: 'First Name', value: 'null' });
    expect(row.fields.find((f) => f.label === 'Designation')).toEqual({ label: 'Designation', value: 'null' });
    expect(row.fields.find((f) => f.label === 'Initial Campaign_ID')).toEqual({ label: 'Initial Campaign_ID', value: 'null', raw: true });
  });

  it('legacy zeros: standard numeric nulls as 0, boolean nulls as false', () => {
    const row = toV1Row({ ...summers, Email_Opt_Out: null }, moduleColumns(leads), { timeZone: TZ, legacyZeros: true });
    const value = (label: string) => row.fields.find((f) => f.label === label)?.value;
    expect(value('No of Employees')).toBe('0');
    expect(value('Annual Revenue')).toBe('0');
    expect(value('Email Opt Out')).toBe('false');
  });

  it('times follow the profile zone; without a zone the v2 wall clock is kept', () => {
    const rec = { ...summers, Created_Time: '2015-05-19T21:20:32+00:00' };
    const created = (tz?: string) => toV1Row(rec, moduleColumns(leads), { timeZone: tz }).fields.find((f) => f.label === 'Created Time')?.value;
    expect(created(TZ)).toBe('2015-05-19 14:20:32');
    expect(created(undefined)).toBe('2015-05-19 21:20:32');
  });

  it('activities: SEID raw + SEMODULE (v1 module name) + Related To; Who_Id → CONTACTID + Contact Name', () => {
    const tasks = schema.module('Tasks')!;
    const row = toV1Row(
      { id: '5', Subject: 'Call back', What_Id: { name: 'Big deal', id: '77' }, $se_module: 'Deals', Who_Id: { name: 'Ann Lee', id: '88' } },
      moduleColumns(tasks),
      { v1ModuleName: (api) => (api === 'Deals' ? 'Potentials' : api) },
    );
    const f = row.fields;
    expect(f[0]).toEqual({ label: 'ACTIVITYID', value: '5', raw: true });
    const i = f.findIndex((x) => x.label === 'SEID');
    expect(f.slice(i, i + 3)).toEqual([
      { label: 'SEID', value: '77', raw: true },
      { label: 'SEMODULE', value: 'Potentials' },
      { label: 'Related To', value: 'Big deal' },
    ]);
    const c = f.findIndex((x) => x.label === 'CONTACTID');
    expect(f.slice(c, c + 2)).toEqual([
      { label: 'CONTACTID', value: '88', raw: true },
      { label: 'Contact Name', value: 'Ann Lee' },
    ]);
  });

  it('Contacts: ACCOUNTID + Account Name pair, Reports To by name alone', () => {
    const contacts = schema.module('Contacts')!;
    const row = toV1Row(
      { id: '9', Last_Name: 'Lee', Account_Name: { name: 'Acme', id: '42' }, Reporting_To: { name: 'Boss', id: '43' } },
      moduleColumns(contacts),
    );
    expect(row.fields.map((f) => f.label)).toEqual(['CONTACTID', 'Last Name', 'ACCOUNTID', 'Account Name', 'Reports To']);
    expect(row.fields[2]).toEqual({ label: 'ACCOUNTID', value: '42', raw: true });
  });

  it('Product Details: last FL, nested products with Java doubles', () => {
    const so = schema.module('Sales_Orders')!;
    const row = toV1Row(
      {
        id: '1',
        Subject: 'SO',
        Grand_Total: 79442,
        Product_Details: [
          { product: { name: 'Server', id: '85333000000089011' }, unit_price: 7222, quantity: 11, quantity_in_stock: 10, total: 79442, Discount: 0, total_after_discount: 79442, list_price: 7222, net_total: 79442, Tax: 0 },
        ],
      },
      moduleColumns(so),
    );
    const last = row.fields[row.fields.length - 1];
    expect(last.label).toBe('Product Details');
    expect(row.fields.find((f) => f.label === 'Grand Total')?.value).toBe('79442');
    expect(last.value).toEqual([
      {
        no: '1',
        fields: [
          { label: 'Product Id', value: '85333000000089011', raw: true },
          { label: 'Product Name', value: 'Server' },
          ...[
            ['Unit Price', '7222.0'], ['Quantity', '11.0'], ['Quantity in Stock', '10.0'], ['Total', '79442.0'], ['Discount', '0.0'],
            ['Total After Discount', '79442.0'], ['List Price', '7222.0'], ['Net Total', '79442.0'], ['Tax', '0.0'],
          ].map(([label, value]) => ({ label, value, raw: true })),
        ],
      },
    ]);
  });
});

describe('v1 value texts (§3.3)', () => {
  const field = (dataType: string, apiName = 'X'): FieldMeta => ({
    apiName, label: apiName, dataType, jsonType: null, length: null, readOnly: false, lookupModule: null, pickListValues: [], unique: false, custom: false,
  });
  it.each<[string, unknown, string | undefined, string?]>([
    ['currency', 79442, '79442'],
    ['currency', 1234.5, '1234.5'],
    ['currency', 0, '0'],
    ['double', 1e21, '1000000000000000000000'],
    ['currency', 1, '1.000000000', 'Exchange_Rate'],
    ['integer', 19, '19'],
    ['bigint', '1000000', '1000000'],
    ['boolean', true, 'true'],
    ['boolean', false, 'false'],
    ['date', '2016-08-23', '2016-08-23'],
    ['multiselectpicklist', ['Sales Tax', 'VAT'], 'Sales Tax;VAT'],
    ['multiselectpicklist', [], undefined],
    ['phone', '04422334455', '04422334455'],
    ['text', '', undefined],
    ['text', null, undefined],
    ['formula', ' Pryde', ' Pryde'],
    ['formula', 0, '0'],
    ['lookup', { name: 'Acme', id: '1' }, 'Acme'],
  ])('%s %j → %j', (type, value, expected, apiName) => {
    expect(formatV1Value(field(type, apiName), value, { timeZone: TZ })).toBe(expected);
  });
  it.each<[number, string]>([
    [7222, '7222.0'], [0, '0.0'], [1.23, '1.23'], [0.001, '0.001'], [0.0001, '1.0E-4'], [12345678, '1.2345678E7'], [1e7, '1.0E7'], [-2.5, '-2.5'],
  ])('Java Double.toString(%d) = %s', (n, expected) => {
    expect(javaDoubleToString(n)).toBe(expected);
  });
  it('shortestDecimal never prints an exponent', () => {
    expect(shortestDecimal(1.5e-7)).toBe('0.00000015');
    expect(shortestDecimal(-2e22)).toBe('-20000000000000000000000');
  });
});

describe('selectColumns (§2.1)', () => {
  const labels = (requested: 'all' | string[], module = leads) => {
    const sel = selectColumns(module, requested);
    return toV1Row({ ...summers, Account_Name: { name: 'Acme', id: '42' } }, sel.columns, { newFormat: 2 }).fields.map((f) => f.label);
  };
  it('the module id always first, then canonical order (not request order)', () => {
    expect(labels(['Last Name'])).toEqual(['LEADID', 'Last Name']);
    expect(labels(['Email', 'Company'])).toEqual(['LEADID', 'Company', 'Email']);
  });
  it('the id alone when only the id is asked for', () => {
    expect(labels(['LEADID'])).toEqual(['LEADID']);
  });
  it('an owner or lookup label gives its id+name pair; the pseudo-id alone gives the id', () => {
    expect(labels(['Lead Owner'])).toEqual(['LEADID', 'SMOWNERID', 'Lead Owner']);
    expect(labels(['SMOWNERID'])).toEqual(['LEADID', 'SMOWNERID']);
    expect(labels(['Account Name'], schema.module('Contacts')!)).toEqual(['CONTACTID', 'ACCOUNTID', 'Account Name']);
  });
  it('write-side aliases select the same field (Title → Designation, api names)', () => {
    expect(labels(['Title'])).toEqual(['LEADID', 'Designation']);
    expect(labels(['Last_Name'])).toEqual(['LEADID', 'Last Name']);
  });
  it('unknown labels are reported, not fatal', () => {
    expect(selectColumns(leads, ['Last Name', 'Shoe Size']).unknown).toEqual(['Shoe Size']);
  });
});

describe('labels agree with the write side', () => {
  it('Owner labels and self ids per module', () => {
    expect(ownerLabel(schema.module('Deals')!)).toBe('Potential Owner');
    expect(ownerLabel(leads)).toBe('Lead Owner');
    expect(readSelfIdLabel(schema.module('Deals')!)).toBe('POTENTIALID');
    expect(readSelfIdLabel(schema.module('Course_Progress')!)).toBe('CUSTOMMODULE1_ID');
  });

  // Labels v1 printed that the write side deliberately does not accept as writable (read-only system pairs,
  // SEMODULE/Related To, the custom-lookup id form).
  const readOnlyPrinted = new Set(['SMCREATORID', 'Created By', 'MODIFIEDBY', 'Modified By', 'Created Time', 'Modified Time']);
  for (const module of schema.modules()) {
    it(`${module.apiName}: every printed label resolves back to its field`, () => {
      const problems: string[] = [];
      for (const c of moduleColumns(module)) {
        for (const label of columnLabels(c)) {
          if (readOnlyPrinted.has(label)) continue;
          const target = resolveLabel(module, label);
          if (c.kind === 'self-id') {
            if (target.kind !== 'self-id') problems.push(`${label} → ${target.kind}`);
            continue;
          }
          if (c.kind === 'se' && label !== 'SEID') continue;
          if (c.kind === 'pair' && c.idLabel === label && label.endsWith('_ID')) continue; // custom lookup id: read-only form
          const api = 'field' in target ? target.field.apiName : 'apiName' in target ? target.apiName : undefined;
          if (api !== c.field.apiName) problems.push(`${label} → ${target.kind} ${api ?? ''} (printed from ${c.field.apiName})`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('one labelOverride maps both ways', () => {
    const labelOverrides = { Leads: { 'Stripe Customer': 'Stripe_ID' } };
    const options = { labelOverrides };
    const column = moduleColumns(leads, options).find((c) => c.kind === 'field' && c.field.apiName === 'Stripe_ID');
    expect(column && columnLabels(column)).toEqual(['Stripe Customer']);
    const target = resolveLabel(leads, 'Stripe Customer', { labelOverrides });
    expect(target.kind === 'field' && target.field.apiName).toBe('Stripe_ID');
    expect(selectColumns(leads, ['Stripe Customer'], { ...options, mapping: { labelOverrides } }).columns.length).toBe(2);
  });
});
