/**
 * The v1 columns of a module, in v1's canonical order (PROTOCOL-READS.md §3.2): the module id pseudo-field first,
 * then each v2 field as the FL (or id+name FL pair) v1 printed for it. This is the reverse of fields.ts: the labels
 * come from the same Schema and the same labelOverrides, and a test checks that every label printed here resolves
 * back (fields.ts resolveLabel) to the field it was printed from.
 */
import type { MappingOptions } from './fields.js';
import { lineItemField } from './fields.js';
import type { FieldMeta, ModuleMeta } from './types.js';

export type V1Column =
  /** `LEADID`, `CONTACTID`, … = the record id (raw). */
  | { kind: 'self-id'; label: string }
  /** A lookup/owner printed as id (raw) + name (CDATA); `idLabel` absent = name only (`Reports To`). */
  | { kind: 'pair'; field: FieldMeta; idLabel?: string; nameLabel: string }
  /** Activities' What_Id: `SEID` (raw) + `SEMODULE` + `Related To`. */
  | { kind: 'se'; field: FieldMeta; idLabel: 'SEID'; moduleLabel: 'SEMODULE'; nameLabel: string }
  /** Product Details (inventory line items), printed as nested `<product>`s. */
  | { kind: 'products'; field: FieldMeta; label: string }
  /** Any other field: one FL, CDATA. */
  | { kind: 'field'; field: FieldMeta; label: string };

/** The id pseudo-field v1 printed first, per v2 module api_name (§3.2 table). Custom modules: `CUSTOMMODULEN_ID`. */
const READ_SELF_ID: Record<string, string> = {
  Leads: 'LEADID',
  Contacts: 'CONTACTID',
  Accounts: 'ACCOUNTID',
  Deals: 'POTENTIALID',
  Products: 'PRODUCTID',
  Quotes: 'QUOTEID',
  Sales_Orders: 'SALESORDERID',
  Invoices: 'INVOICEID',
  Purchase_Orders: 'PURCHASEORDERID',
  Vendors: 'VENDORID',
  Campaigns: 'CAMPAIGNID',
  Cases: 'CASEID',
  Solutions: 'SOLUTIONID',
  Tasks: 'ACTIVITYID',
  Events: 'ACTIVITYID',
  Calls: 'ACTIVITYID',
  Notes: 'ACTIVITYID',
  Price_Books: 'BOOKID',
};

/** The module's own id pseudo-field as reads print it. */
export function readSelfIdLabel(module: ModuleMeta): string {
  return READ_SELF_ID[module.apiName] ?? `${module.moduleName.toUpperCase()}_ID`;
}

/** Lookup fields and their v1 id+name pair (§3.2 table; Who_Id/What_Id are the activities' forms). */
const LOOKUP_PAIRS: Record<string, { id: string; name: string }> = {
  Account_Name: { id: 'ACCOUNTID', name: 'Account Name' },
  Contact_Name: { id: 'CONTACTID', name: 'Contact Name' },
  Who_Id: { id: 'CONTACTID', name: 'Contact Name' },
  Vendor_Name: { id: 'VENDORID', name: 'Vendor Name' },
  Campaign_Source: { id: 'CAMPAIGNID', name: 'Campaign Source' },
  Sales_Order: { id: 'SALESORDERID', name: 'Sales Order' },
  Deal_Name: { id: 'POTENTIALID', name: 'Potential Name' },
  Product_Name: { id: 'PRODUCTID', name: 'Product Name' },
  Quote_Name: { id: 'QUOTEID', name: 'Quote Name' },
  Parent_Account: { id: 'PARENTACCOUNTID', name: 'Parent Account' },
  Created_By: { id: 'SMCREATORID', name: 'Created By' },
  Modified_By: { id: 'MODIFIEDBY', name: 'Modified By' },
};

/** Lookups v1 printed by name alone (no id FL before them) [obs R: `Reports To`]. */
const NAME_ONLY: Record<string, string> = { Reporting_To: 'Reports To' };

/** v1 labels of plain fields where v2's field_label differs (§3.2 orders, PROTOCOL §7), per module api_name. */
const READ_LABELS: Record<string, Record<string, string>> = {
  Leads: { Designation: 'Designation', No_of_Employees: 'No of Employees' },
  Events: { Event_Title: 'Subject' },
  Notes: { Note_Title: 'Note Title', Note_Content: 'Note Content' },
};

/** Keys of a v2 record that never appear in a v1 row (§3.2 "Never emitted on reads"). */
const NEVER_PRINTED = new Set(['Full_Name', 'Tag', 'Record_Image', 'Layout', 'id']);
/** Data types with no v1 text form. */
const NO_V1_FORM = new Set([
  'profileimage', 'fileupload', 'imageupload', 'layout', 'event_reminder', 'ALARM', 'RRULE', 'consent_lookup',
  'multiselectlookup', 'multiuserlookup',
]);

/**
 * Canonical v1 orders by v2 api_name (§3.2, observed for these modules). Fields not listed follow, by v2 field id
 * ascending (≈ creation order, §16 #8).
 */
const CANONICAL: Record<string, string[]> = {
  Leads: [
    'Owner', 'Company', 'First_Name', 'Last_Name', 'Designation', 'Email', 'Phone', 'Fax', 'Mobile', 'Website',
    'Lead_Source', 'Lead_Status', 'Industry', 'No_of_Employees', 'Annual_Revenue', 'Rating', 'Campaign_Source',
    'Created_By', 'Modified_By', 'Created_Time', 'Modified_Time', 'Street', 'City', 'State', 'Zip_Code', 'Country',
    'Description', 'Skype_ID', 'Email_Opt_Out', 'Salutation', 'Secondary_Email', 'Currency', 'Exchange_Rate',
    'Last_Activity_Time', 'Twitter',
  ],
  Contacts: [
    'Owner', 'Lead_Source', 'First_Name', 'Last_Name', 'Account_Name', 'Vendor_Name', 'Email', 'Title', 'Department',
    'Phone', 'Home_Phone', 'Other_Phone', 'Fax', 'Mobile', 'Date_of_Birth', 'Assistant', 'Asst_Phone', 'Reporting_To',
    'Created_By', 'Modified_By', 'Created_Time', 'Modified_Time', 'Mailing_Street', 'Other_Street', 'Mailing_City',
    'Other_City', 'Mailing_State', 'Other_State', 'Mailing_Zip', 'Other_Zip', 'Mailing_Country', 'Other_Country',
    'Description', 'Email_Opt_Out', 'Skype_ID', 'Campaign_Source', 'Salutation', 'Secondary_Email', 'Currency',
    'Exchange_Rate', 'Last_Activity_Time', 'Twitter',
  ],
  Accounts: [
    'Owner', 'Account_Name', 'Account_Number', 'Employees', 'Annual_Revenue', 'SIC_Code', 'Created_By', 'Modified_By',
    'Created_Time', 'Modified_Time', 'Last_Activity_Time',
  ],
  Products: [
    'Owner', 'Product_Name', 'Product_Active', 'Product_Category', 'Created_By', 'Modified_By', 'Created_Time',
    'Modified_Time', 'Unit_Price', 'Commission_Rate', 'Usage_Unit', 'Qty_Ordered', 'Qty_in_Stock', 'Reorder_Level',
    'Qty_in_Demand', 'Taxable',
  ],
  Quotes: [
    'Quote_Number', 'Subject', 'Quote_Stage', 'Carrier', 'Account_Name', 'Owner', 'Created_By', 'Modified_By',
    'Created_Time', 'Modified_Time', 'Sub_Total', 'Discount', 'Tax', 'Adjustment', 'Grand_Total',
  ],
  Sales_Orders: [
    'SO_Number', 'Subject', 'Contact_Name', 'Carrier', 'Status', 'Account_Name', 'Owner', 'Created_By', 'Modified_By',
    'Created_Time', 'Modified_Time', 'Sub_Total', 'Discount', 'Tax', 'Adjustment', 'Grand_Total',
  ],
  Invoices: [
    'Owner', 'Invoice_Number', 'Subject', 'Sales_Order', 'Invoice_Date', 'Status', 'Account_Name', 'Contact_Name',
    'Created_By', 'Modified_By', 'Created_Time', 'Modified_Time', 'Sub_Total', 'Discount', 'Tax', 'Adjustment',
    'Grand_Total',
  ],
};

export interface ColumnOptions {
  /** labelOverrides of the profile: `{module api_name: {v1 label: api_name}}`; the reverse is used here. */
  labelOverrides?: MappingOptions['labelOverrides'];
  /**
   * Custom lookups (not in the §3.2 table): `'label-id'` prints `{Label}_ID` (raw) + `{Label}`; `'name-only'`
   * prints `{Label}` alone. @default 'label-id' (PROTOCOL-READS §16 #7)
   */
  customLookups?: 'label-id' | 'name-only';
}

/** The v1 label of `{Module} Owner` (§3.2): `Potential Owner` for Deals, `CustomModule1 Owner` for custom modules. */
export function ownerLabel(module: ModuleMeta): string {
  if (module.apiName === 'Deals') return 'Potential Owner';
  if (/^CustomModule\d+$/.test(module.moduleName)) return `${module.moduleName} Owner`;
  const owner = module.fieldsByApiName.get('Owner');
  if (owner && / Owner$/.test(owner.label)) return owner.label;
  return `${module.singularLabel} Owner`;
}

/** The v1 label a plain field is printed under: labelOverrides (reversed), the §3.2 table, else field_label. */
export function readLabel(module: ModuleMeta, field: FieldMeta, options: ColumnOptions = {}): string {
  const overrides = options.labelOverrides?.[module.apiName];
  if (overrides) for (const [label, api] of Object.entries(overrides)) if (api === field.apiName) return label;
  return READ_LABELS[module.apiName]?.[field.apiName] ?? (field.apiName === 'Deal_Name' && module.apiName === 'Deals' ? 'Potential Name' : field.label);
}

/** Fields without a v2 id go after every field that has one. */
const NO_ID_ORDER = BigInt(`1${'0'.repeat(30)}`);

/** Per module: per labelOverrides object (or none) and custom-lookup style. Options objects are often rebuilt per call. */
const memo = new WeakMap<ModuleMeta, WeakMap<object, Map<string, V1Column[]>>>();
const NO_OVERRIDES = {};

/**
 * Every column of a module in canonical v1 order, the self id first. Memoised per module, labelOverrides object
 * and customLookups value (not per options object: callers build those per call).
 */
export function moduleColumns(module: ModuleMeta, options: ColumnOptions = {}): V1Column[] {
  let byOverrides = memo.get(module);
  if (!byOverrides) memo.set(module, (byOverrides = new WeakMap()));
  const overrides = options.labelOverrides ?? NO_OVERRIDES;
  let byStyle = byOverrides.get(overrides);
  if (!byStyle) byOverrides.set(overrides, (byStyle = new Map()));
  const style = options.customLookups ?? 'label-id';
  let columns = byStyle.get(style);
  if (!columns) byStyle.set(style, (columns = buildColumns(module, options)));
  return columns;
}

function buildColumns(module: ModuleMeta, options: ColumnOptions): V1Column[] {
  const canonical = CANONICAL[module.apiName] ?? ['Owner'];
  const rank = new Map(canonical.map((api, i) => [api, i]));
  const items = lineItemField(module);
  const printable = module.fields.filter((f) => f !== items && isPrintable(f));
  const idOrder = (f: FieldMeta): bigint => {
    return f.id !== undefined && /^\d+$/.test(f.id) ? BigInt(f.id) : NO_ID_ORDER;
  };
  const listed = printable.filter((f) => rank.has(f.apiName)).sort((a, b) => rank.get(a.apiName)! - rank.get(b.apiName)!);
  const rest = printable
    .map((f, index) => ({ f, index, id: idOrder(f) }))
    .filter((x) => !rank.has(x.f.apiName))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.index - b.index))
    .map((x) => x.f);
  const columns: V1Column[] = [{ kind: 'self-id', label: readSelfIdLabel(module) }];
  for (const f of [...listed, ...rest]) columns.push(columnOf(module, f, options));
  if (items) columns.push({ kind: 'products', field: items, label: 'Product Details' }); // always the last FL (§3.6)
  return columns;
}

/** True when a field has a v1 text form (not a subform, image, layout, $-key, Full_Name, Tag …). */
export function hasV1Form(f: FieldMeta): boolean {
  return isPrintable(f);
}

function isPrintable(f: FieldMeta): boolean {
  if (NEVER_PRINTED.has(f.apiName) || f.apiName.startsWith('$')) return false;
  if (NO_V1_FORM.has(f.dataType)) return false;
  return f.dataType !== 'subform' && f.dataType !== 'lineitem';
}

function columnOf(module: ModuleMeta, f: FieldMeta, options: ColumnOptions): V1Column {
  if (f.apiName === 'Owner') return { kind: 'pair', field: f, idLabel: 'SMOWNERID', nameLabel: ownerLabel(module) };
  if (f.apiName === 'What_Id') return { kind: 'se', field: f, idLabel: 'SEID', moduleLabel: 'SEMODULE', nameLabel: 'Related To' };
  const pair = LOOKUP_PAIRS[f.apiName];
  if (pair && (f.dataType === 'lookup' || f.dataType === 'ownerlookup' || f.dataType === 'userlookup')) {
    // Deal_Name is the record's own name field in Deals (text), a lookup elsewhere.
    return { kind: 'pair', field: f, idLabel: pair.id, nameLabel: pair.name };
  }
  if (NAME_ONLY[f.apiName]) return { kind: 'pair', field: f, nameLabel: NAME_ONLY[f.apiName] };
  if (f.dataType === 'lookup' || f.dataType === 'ownerlookup' || f.dataType === 'userlookup') {
    const label = readLabel(module, f, options);
    return options.customLookups === 'name-only'
      ? { kind: 'pair', field: f, nameLabel: label }
      : { kind: 'pair', field: f, idLabel: `${label}_ID`, nameLabel: label };
  }
  return { kind: 'field', field: f, label: readLabel(module, f, options) };
}

/** Every label a column prints (id label first), for selectColumns and sortColumnString matching. */
export function columnLabels(c: V1Column): string[] {
  switch (c.kind) {
    case 'self-id':
      return [c.label];
    case 'pair':
      return c.idLabel ? [c.idLabel, c.nameLabel] : [c.nameLabel];
    case 'se':
      return [c.idLabel, c.moduleLabel, c.nameLabel];
    case 'products':
    case 'field':
      return [c.label];
  }
}
