import { describe, expect, it } from 'vitest';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { duplicateCheckField, mandatoryFields, Schema } from '../../src/mapping/schema.js';
import { schema } from './helpers.js';

const FIELD_KEYS = [
  'system_mandatory', 'webhook', 'json_type', 'crypt', 'field_label', 'tooltip', 'created_source', 'field_read_only',
  'display_label', 'read_only', 'association_details', 'quick_sequence_number', 'businesscard_supported',
  'multi_module_lookup', 'currency', 'id', 'custom_field', 'lookup', 'visible', 'length', 'view_type', 'subform',
  'api_name', 'unique', 'data_type', 'formula', 'decimal_place', 'mass_update', 'multiselectlookup',
  'pick_list_values', 'auto_number',
];

describe('bundled snapshot', () => {
  const snap = bundledSnapshot();

  it('has every module of the brief, each with a fields file', () => {
    const names = snap.modules.map((m) => m.api_name).sort();
    expect(names).toEqual(
      ['Accounts', 'Calls', 'Campaigns', 'Cases', 'Contacts', 'Course_Progress', 'Deals', 'Events', 'Invoices', 'Leads', 'Notes',
        'Price_Books', 'Products', 'Purchase_Orders', 'Quotes', 'Sales_Orders', 'Solutions', 'Tasks', 'Vendors'].sort(),
    );
    for (const n of names) expect(snap.fields[n]?.length, n).toBeGreaterThan(3);
  });

  it('field objects have exactly the v2.0 keys, in order, with string ids and string lookup modules', () => {
    for (const [module, fields] of Object.entries(snap.fields)) {
      for (const f of fields) {
        expect(Object.keys(f), `${module}.${f.api_name}`).toEqual(FIELD_KEYS);
        expect(f.id).toMatch(/^\d{18}$/);
        if (f.data_type === 'lookup') {
          const lk = f.lookup as Record<string, unknown>;
          expect(typeof lk.module).toBe('string');
          expect(Object.keys(lk).sort()).toEqual(['api_name', 'display_label', 'id', 'module']);
        }
        const unique = f.unique as Record<string, string>;
        expect([0, 1]).toContain(Object.keys(unique).length);
      }
    }
  });

  it('carries the facts the brief names', () => {
    const get = (m: string, api: string) => snap.fields[m].find((f) => f.api_name === api)!;
    expect(get('Tasks', 'What_Id').lookup).toMatchObject({ module: 'se_module' });
    expect(get('Quotes', 'Product_Details')).toMatchObject({ data_type: 'subform', json_type: 'jsonarray' });
    expect(get('Quotes', 'Grand_Total')).toMatchObject({ data_type: 'formula', read_only: true, formula: { return_type: 'currency' } });
    expect(get('Accounts', 'Account_Number')).toMatchObject({ data_type: 'bigint', json_type: 'string', length: 18 });
    expect(get('Products', 'Tax')).toMatchObject({ data_type: 'multiselectpicklist', json_type: 'jsonarray' });
    expect(get('Leads', 'Stripe_ID').unique).toEqual({ casesensitive: '0' });
    expect(get('Leads', 'Full_Name').read_only).toBe(true);
    expect(get('Leads', 'Tag')).toMatchObject({ data_type: 'text', json_type: 'jsonarray' });
    expect(get('Leads', 'Annual_Revenue')).toMatchObject({ currency: { rounding_option: 'normal', precision: 2 }, decimal_place: 2 });
    expect(get('Cases', 'Case_Number').auto_number).toMatchObject({ prefix: 'CASE-' });
  });

  it('has three active demo users with 19-digit ids', () => {
    expect(snap.users).toHaveLength(3);
    for (const u of snap.users) {
      expect(u.id).toMatch(/^\d{19}$/);
      expect(u).toMatchObject({ status: 'active' });
      expect(typeof u.time_zone).toBe('string');
    }
  });
});

describe('Schema.resolveModule', () => {
  it.each([
    ['Leads', 'Leads'],
    ['Potentials', 'Deals'],
    ['Deals', 'Deals'],
    ['SalesOrders', 'Sales_Orders'],
    ['PurchaseOrders', 'Purchase_Orders'],
    ['PriceBooks', 'Price_Books'],
    ['CustomModule1', 'Course_Progress'],
    ['Events', 'Events'],
    ['Notes', 'Notes'],
  ])('%s → %s', (v1, api) => {
    expect(schema.resolveModule(v1)?.apiName).toBe(api);
  });

  it.each(['leads', 'Salesorders', 'purchaseorders', 'CustomModule2', 'Sales_Orders', 'Bogus'])('%s is unknown (case-sensitive)', (v1) => {
    expect(schema.resolveModule(v1)).toBeUndefined();
  });

  it('matches Events on api_name when the org calls it Meetings', () => {
    const s = Schema.fromMetadata(
      [{ api_name: 'Events', module_name: 'Meetings', singular_label: 'Meeting', plural_label: 'Meetings' }],
      {},
    );
    expect(s.resolveModule('Events')?.apiName).toBe('Events');
    expect(s.module('events')?.apiName).toBe('Events');
  });
});

describe('§9.7 tables', () => {
  it.each([
    ['Leads', 'Email'], ['Contacts', 'Email'], ['Accounts', 'Account_Name'], ['Deals', 'Deal_Name'], ['Tasks', undefined],
    ['Events', undefined], ['Calls', undefined], ['Notes', undefined], ['Products', 'Product_Name'], ['Quotes', 'Subject'],
    ['Campaigns', 'Campaign_Name'], ['Vendors', 'Vendor_Name'], ['Solutions', 'Solution_Title'],
    ['Price_Books', 'Price_Book_Name'], ['Cases', 'Subject'], ['Course_Progress', 'Name'],
  ])('duplicate-check field of %s is %s', (m, f) => {
    expect(duplicateCheckField(m, 'CustomModule1')).toBe(f);
  });

  it('mandatory fields', () => {
    expect(mandatoryFields('Deals')).toEqual(['Deal_Name', 'Stage']);
    expect(mandatoryFields('Purchase_Orders')).toEqual(['Subject', 'Vendor_Name', 'Product_Details']);
    expect(mandatoryFields('Course_Progress')).toEqual(['Name']);
    expect(mandatoryFields('Notes')).toEqual(['Note_Content', 'Parent_Id', 'se_module']);
  });
});
