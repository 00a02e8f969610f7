import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_MATCHING, resolveLabel, type FieldTarget } from '../../src/mapping/fields.js';
import { schema } from './helpers.js';

const target = (module: string, label: string, options?: Parameters<typeof resolveLabel>[2]): string => {
  const t: FieldTarget = resolveLabel(schema.module(module)!, label, options);
  return 'field' in t ? `${t.kind}:${t.field.apiName}` : 'apiName' in t && t.apiName ? `${t.kind}:${t.apiName}` : t.kind;
};

describe('pseudo-fields (§7)', () => {
  it.each([
    ['Leads', 'LEADID', 'self-id'],
    ['Contacts', 'CONTACTID', 'self-id'],
    ['Accounts', 'ACCOUNTID', 'self-id'],
    ['Deals', 'POTENTIALID', 'self-id'],
    ['Sales_Orders', 'SALESORDERID', 'self-id'],
    ['Invoices', 'INVOICEID', 'self-id'],
    ['Tasks', 'ACTIVITYID', 'self-id'],
    ['Course_Progress', 'CUSTOMMODULE1_ID', 'self-id'],
    ['Leads', 'Id', 'row-id'],
    ['Leads', 'ID', 'unknown'],
    ['Leads', 'SMOWNERID', 'lookup-id:Owner'],
    ['Leads', 'Lead Owner', 'owner:Owner'],
    ['Deals', 'Potential Owner', 'owner:Owner'],
    ['Tasks', 'Task Owner', 'owner:Owner'],
    ['Sales_Orders', 'SalesOrder Owner', 'owner:Owner'],
    ['Course_Progress', 'CustomModule1 Owner', 'owner:Owner'],
    ['Leads', 'SMCREATORID', 'read-only'],
    ['Leads', 'MODIFIEDBY', 'read-only'],
    ['Leads', 'Created Time', 'read-only'],
    ['Leads', 'Modified By', 'read-only'],
    ['Contacts', 'ACCOUNTID', 'lookup-id:Account_Name'],
    ['Deals', 'CONTACTID', 'lookup-id:Contact_Name'],
    ['Quotes', 'CONTACTID', 'lookup-id:Contact_Name'],
    ['Tasks', 'CONTACTID', 'lookup-id:Who_Id'],
    ['Events', 'CONTACTID', 'lookup-id:Who_Id'],
    ['Calls', 'CONTACTID', 'lookup-id:Who_Id'],
    ['Tasks', 'SEID', 'se-id:What_Id'],
    ['Events', 'RELATEDTOID', 'se-id:What_Id'],
    ['Calls', 'SEMODULE', 'se-module'],
    ['Cases', 'WHOID', 'lookup-id:Related_To'],
    ['Quotes', 'POTENTIALID', 'lookup-id:Deal_Name'],
    ['Cases', 'POTENTIALID', 'lookup-id:Deal_Name'],
    ['Products', 'VENDORID', 'lookup-id:Vendor_Name'],
    ['Purchase_Orders', 'VENDORID', 'lookup-id:Vendor_Name'],
    ['Deals', 'CAMPAIGNID', 'lookup-id:Campaign_Source'],
    ['Cases', 'PRODUCTID', 'lookup-id:Product_Name'],
    ['Solutions', 'PRODUCTID', 'lookup-id:Product_Name'],
    ['Sales_Orders', 'QUOTEID', 'lookup-id:Quote_Name'],
    ['Invoices', 'SALESORDERID', 'lookup-id:Sales_Order'],
    ['Accounts', 'PARENTACCOUNTID', 'lookup-id:Parent_Account'],
    ['Products', 'Handler', 'owner:Handler'],
    ['Notes', 'entityId', 'note-parent'],
    ['Leads', 'entityId', 'unknown'],
    ['Leads', 'SEID', 'unsupported'],
    ['Leads', 'VENDORID', 'unsupported'],
  ])('%s %s → %s', (m, label, expected) => {
    expect(target(m, label)).toBe(expected);
  });
});

describe('label resolution order (§7)', () => {
  it.each([
    ['Leads', 'Title', 'field:Designation'],
    ['Leads', 'Designation', 'field:Designation'],
    ['Leads', 'No of Employees', 'field:No_of_Employees'],
    ['Leads', 'No. of Employees', 'field:No_of_Employees'],
    ['Leads', 'Last Name', 'field:Last_Name'],
    ['Leads', 'Last_Name', 'field:Last_Name'],
    ['Leads', 'Date Field', 'field:Date_Field'],
    ['Leads', 'Home Phone', 'unknown'],
    ['Leads', 'Full Name', 'read-only:Full_Name'],
    ['Leads', 'Tag', 'read-only:Tag'],
    ['Leads', 'Account Name', 'unknown'],
    ['Contacts', 'Account Name', 'lookup-name:Account_Name'],
    ['Contacts', 'Reports To', 'lookup-name:Reporting_To'],
    ['Deals', 'Potential Name', 'field:Deal_Name'],
    ['Events', 'Subject', 'field:Event_Title'],
    ['Events', 'Send Notification Email', 'unsupported'],
    ['Price_Books', 'Pricing Details', 'unsupported'],
    ['Quotes', 'Product Details', 'line-items:Product_Details'],
    ['Quotes', 'Sub Total', 'computed:Sub_Total'],
    ['Quotes', 'Grand Total', 'computed:Grand_Total'],
    ['Quotes', 'Tax', 'computed:Tax'],
    ['Quotes', 'Due Date', 'unknown'],
    ['Products', 'Amount', 'unknown'],
    ['Cases', 'Case Number', 'computed:Case_Number'],
    ['Invoices', 'Billing Zip', 'field:Billing_Code'],
    ['Course_Progress', 'CustomModule1 Name', 'field:Name'],
    ['Course_Progress', 'Course Progress Name', 'field:Name'],
    ['Course_Progress', 'Order ID', 'field:Order_ID'],
  ])('%s "%s" → %s', (m, label, expected) => {
    expect(target(m, label)).toBe(expected);
  });

  it('per-module overrides win over the lists and metadata, pseudo-fields still first', () => {
    const options = { labelOverrides: { Leads: { Title: 'Salutation', 'Home Phone': 'Phone', SMOWNERID: 'Phone' } } };
    expect(target('Leads', 'Title', options)).toBe('field:Salutation');
    expect(target('Leads', 'Home Phone', options)).toBe('field:Phone');
    expect(target('Leads', 'SMOWNERID', options)).toBe('lookup-id:Owner');
    expect(target('Contacts', 'Home Phone', options)).toBe('field:Home_Phone');
  });
});

describe('lookups given by name (issue 9): classified as name lookups of the right target module', () => {
  const lookupTarget = (module: string, label: string): string => {
    const t = resolveLabel(schema.module(module)!, label);
    return t.kind === 'lookup-name' || t.kind === 'owner' ? `${t.kind}:${t.field.apiName}→${t.field.lookupModule ?? 'users'}` : t.kind;
  };
  it.each([
    ...['Contacts', 'Deals', 'Quotes', 'Sales_Orders', 'Invoices', 'Cases'].map((m) => [m, 'Account Name', 'lookup-name:Account_Name→Accounts']),
    ...['Deals', 'Quotes', 'Sales_Orders', 'Purchase_Orders', 'Invoices'].map((m) => [m, 'Contact Name', 'lookup-name:Contact_Name→Contacts']),
    ...['Quotes', 'Sales_Orders', 'Cases'].map((m) => [m, 'Potential Name', 'lookup-name:Deal_Name→Deals']),
    ...['Products', 'Purchase_Orders', 'Contacts'].map((m) => [m, 'Vendor Name', 'lookup-name:Vendor_Name→Vendors']),
    ['Deals', 'Campaign Source', 'lookup-name:Campaign_Source→Campaigns'],
    ['Cases', 'Product Name', 'lookup-name:Product_Name→Products'],
    ['Solutions', 'Product Name', 'lookup-name:Product_Name→Products'],
    ['Accounts', 'Parent Account', 'lookup-name:Parent_Account→Accounts'],
    ['Contacts', 'Reports To', 'lookup-name:Reporting_To→Contacts'],
    ['Sales_Orders', 'Quote Name', 'lookup-name:Quote_Name→Quotes'],
    ['Invoices', 'Sales Order', 'lookup-name:Sales_Order→Sales_Orders'],
    ['Leads', 'Lead Owner', 'owner:Owner→users'],
    ['Deals', 'Potential Owner', 'owner:Owner→users'],
    ['Course_Progress', 'CustomModule1 Owner', 'owner:Owner→users'],
  ])('%s "%s" → %s', (module, label, expected) => {
    expect(lookupTarget(module, label)).toBe(expected);
  });
});

describe('label case (issue 16 item 7)', () => {
  const unknownOf = (module: string, label: string, options?: Parameters<typeof resolveLabel>[2]) => resolveLabel(schema.module(module)!, label, options);
  // [module, label as sent, field label it differs from, api_name]
  const CASES = [
    ['Leads', 'Date field', 'Date Field', 'Date_Field'],
    ['Leads', 'LAST NAME', 'Last Name', 'Last_Name'],
    ['Leads', 'email', 'Email', 'Email'],
    ['Leads', 'annual revenue', 'Annual Revenue', 'Annual_Revenue'],
    ['Leads', 'Last  name', 'Last Name', 'Last_Name'],
    ['Contacts', 'date of birth', 'Date of Birth', 'Date_of_Birth'],
    ['Accounts', 'account site', 'Account Site', 'Account_Site'],
    ['Deals', 'closing date', 'Closing Date', 'Closing_Date'],
    ['Course_Progress', 'order id', 'Order ID', 'Order_ID'],
  ] as const;
  it.each(CASES)('%s "%s": exact → unknown, naming "%s"', (m, label, fieldLabel) => {
    expect(unknownOf(m, label, { labelMatching: 'exact' })).toEqual({ kind: 'unknown', caseOf: fieldLabel });
  });
  it('without an option the default applies', () => {
    const expected = DEFAULT_LABEL_MATCHING === 'exact' ? 'unknown' : 'field:Last_Name';
    expect(target('Leads', 'last_name')).toBe(expected);
    expect(target('Leads', 'last  name')).toBe(expected);
  });
  it.each(CASES)('%s "%s": case-insensitive as a compat option → field %s (%s)', (m, label, _fieldLabel, api) => {
    expect(target(m, label, { labelMatching: 'case-insensitive' })).toBe(`field:${api}`);
  });
  it.each([
    ['Leads', 'First_Name', 'field:First_Name'],
    ['Leads', 'Annual_Revenue', 'field:Annual_Revenue'],
    ['Contacts', 'Date_of_Birth', 'field:Date_of_Birth'],
    ['Leads', 'Skype ID', 'field:Skype_ID'],
  ])('%s "%s" (exact v2 api_name, or spaces → _) is accepted', (m, label, expected) => {
    expect(target(m, label)).toBe(expected);
  });
});
