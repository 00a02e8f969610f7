import { describe, expect, it } from 'vitest';
import { DecimalLiteral } from '../../src/v2/json.js';
import { convertValue, legacyBoolean } from '../../src/mapping/values.js';
import { schema, TZ } from './helpers.js';

const field = (module: string, api: string) => schema.module(module)!.fieldsByApiName.get(api)!;
const conv = (module: string, api: string, v: string, tz = TZ) => convertValue(field(module, api), v, tz);

describe('values by data_type (§8)', () => {
  it.each([
    ['Leads', 'Phone', '04422334455', '04422334455'],
    ['Leads', 'Zip_Code', '00501', '00501'],
    ['Leads', 'Lead_Source', 'Something New', 'Something New'],
    ['Leads', 'No_of_Employees', '100', 100],
    ['Leads', 'No_of_Employees', '100.0', 100],
    ['Leads', 'No_of_Employees', '-3', -3],
    ['Leads', 'Annual_Revenue', '1000.5', 1000.5],
    ['Accounts', 'Account_Number', '1386586000002579001', '1386586000002579001'],
    ['Leads', 'Email_Opt_Out', 'True', true],
    ['Leads', 'Email_Opt_Out', 'FALSE', false],
    ['Deals', 'Closing_Date', '11/23/2009', '2009-11-23'],
    ['Deals', 'Closing_Date', '2009-04-20', '2009-04-20'],
    ['Deals', 'Closing_Date', '2/29/2008', '2008-02-29'],
    ['Events', 'Start_DateTime', '2009-08-04 01:00:00', '2009-08-04T01:00:00-07:00'],
    ['Events', 'Start_DateTime', '2009-12-04 01:00:00', '2009-12-04T01:00:00-08:00'],
    ['Events', 'Start_DateTime', '2018-03-27T19:20:28+05:30', '2018-03-27T19:20:28+05:30'],
    ['Products', 'Tax', 'Sales Tax;VAT', ['Sales Tax', 'VAT']],
    ['Products', 'Tax', 'Sales Tax;asdf;', ['Sales Tax', 'asdf']],
    ['Calls', 'Call_Duration', '10:00', '10:00'],
    ['Contacts', 'Account_Name', '1386586000002579001', { id: '1386586000002579001' }],
    ['Leads', 'Owner', '1386586000000105001', { id: '1386586000000105001' }],
  ])('%s.%s %j → %j', (m, api, input, expected) => {
    expect(conv(m, api, input)).toEqual({ ok: true, value: expected });
  });

  it('keeps every digit of a long decimal', () => {
    const r = conv('Leads', 'Annual_Revenue', '12345678901234567.123456789');
    expect(r.ok && r.value).toBeInstanceOf(DecimalLiteral);
    expect(r.ok && (r.value as DecimalLiteral).text).toBe('12345678901234567.123456789');
  });

  it.each([
    ['Leads', 'No_of_Employees', 'ten'],
    ['Leads', 'No_of_Employees', '100.5'],
    ['Leads', 'No_of_Employees', '99999999999999999999'],
    ['Leads', 'Annual_Revenue', '1,000'],
    ['Leads', 'Annual_Revenue', '$100'],
    ['Leads', 'Annual_Revenue', '1e5'],
    ['Accounts', 'Account_Number', '12a'],
    ['Accounts', 'Account_Number', '100.0'],
    ['Deals', 'Closing_Date', '2009/04/20'],
    ['Deals', 'Closing_Date', '02/30/2009'],
    ['Deals', 'Closing_Date', '13/01/2009'],
    ['Events', 'Start_DateTime', '2009-08-04'],
    ['Events', 'Start_DateTime', 'tomorrow'],
    ['Events', 'Start_DateTime', '2009-02-30 10:00:00'],
    ['Contacts', 'Account_Name', 'Zylker'],
  ])('%s.%s %j is a wrong value', (m, api, input) => {
    expect(conv(m, api, input)).toEqual({ ok: false });
  });

  // Issue 16 item 2: the boolean spellings of v1 clients; any other text is left out (with a warning), not a failure.
  it.each([
    ...['true', 'TRUE', 'True', '1', 'on', 'ON', 'On', 'yes', 'YES', 'Yes', ' true '].map((v) => [v, true] as const),
    ...['false', 'FALSE', 'False', '0', 'off', 'OFF', 'no', 'NO', 'No', ''].map((v) => [v, false] as const),
  ])('boolean %j → %j, for every boolean field', (input, expected) => {
    for (const [m, api] of [['Leads', 'Email_Opt_Out'], ['Contacts', 'Email_Opt_Out'], ['Products', 'Product_Active'], ['Products', 'Taxable'], ['Price_Books', 'Active']]) {
      expect(legacyBoolean(input)).toBe(expected);
      if (input.trim() !== '') expect(conv(m, api, input.trim())).toEqual({ ok: true, value: expected });
    }
  });

  it.each(['maybe', 'y', 'n', '2', '-1', 'truee', 'checked', 'null', '1.0'])('boolean %j is dropped, not a failure', (input) => {
    expect(legacyBoolean(input)).toBeUndefined();
    expect(conv('Leads', 'Email_Opt_Out', input)).toEqual({ ok: false, drop: true });
  });

  it('a DST gap shifts forward', () => {
    expect(conv('Events', 'Start_DateTime', '2021-03-14 02:30:00')).toEqual({ ok: true, value: '2021-03-14T03:30:00-07:00' });
  });
});
