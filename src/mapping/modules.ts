/**
 * Per-module v1 facts (docs/PROTOCOL.md §6, §7) that metadata cannot tell: the `{MODULE}ID` pseudo-field of each
 * module, the names v1 used in `{Module} Owner`, and v1 labels that differ from the v2 field_label.
 */
import type { ModuleMeta } from './types.js';

/** `{MODULE}ID` pseudo-fields naming the record itself. Custom modules add `CUSTOMMODULEN_ID`. */
const SELF_ID: Record<string, string[]> = {
  Leads: ['LEADID'],
  Contacts: ['CONTACTID'],
  Accounts: ['ACCOUNTID'],
  Deals: ['POTENTIALID', 'DEALID'],
  Tasks: ['ACTIVITYID', 'TASKID'],
  Events: ['ACTIVITYID', 'EVENTID'],
  Calls: ['ACTIVITYID', 'CALLID'],
  Cases: ['CASEID'],
  Solutions: ['SOLUTIONID'],
  Products: ['PRODUCTID'],
  Vendors: ['VENDORID'],
  Price_Books: ['PRICEBOOKID', 'BOOKID'],
  Quotes: ['QUOTEID'],
  Sales_Orders: ['SALESORDERID', 'SOID'],
  Purchase_Orders: ['PURCHASEORDERID', 'POID'],
  Invoices: ['INVOICEID'],
  Campaigns: ['CAMPAIGNID'],
  Notes: ['NOTEID', 'ACTIVITYID'],
};

export function selfIdLabels(module: ModuleMeta): string[] {
  const upper = module.moduleName.toUpperCase();
  return [...(SELF_ID[module.apiName] ?? []), `${upper}_ID`, `${upper}ID`];
}

/** Extra names v1 used for a module in `{Module} Owner` besides its labels and module_name. */
const OWNER_PREFIX_EXTRAS: Record<string, string[]> = {
  Deals: ['Potential', 'Potentials'],
  Events: ['Event', 'Events'],
  Sales_Orders: ['SO'],
  Purchase_Orders: ['PO'],
};

const squash = (s: string): string => s.replace(/[\s_]+/g, '').toLowerCase();

/** True when `label` is `{Module} Owner` for this module (`Lead Owner`, `Potential Owner`, `CustomModule1 Owner`). */
export function isModuleOwnerLabel(module: ModuleMeta, label: string): boolean {
  return isModulePrefixedLabel(module, label, 'Owner');
}

/** True when `label` is `{Module} {suffix}` for any name v1 used for this module. */
export function isModulePrefixedLabel(module: ModuleMeta, label: string, suffix: string): boolean {
  const trimmed = label.trim();
  if (!trimmed.toLowerCase().endsWith(` ${suffix.toLowerCase()}`)) return false;
  const prefix = squash(trimmed.slice(0, -suffix.length));
  const names = [
    module.singularLabel,
    module.pluralLabel,
    module.moduleName,
    module.apiName,
    ...(OWNER_PREFIX_EXTRAS[module.apiName] ?? []),
  ];
  return names.some((n) => squash(n) === prefix || squash(n) === `${prefix}s`);
}

/**
 * The v1 label of a field where it differs from the v2 field_label (used in legacy error texts:
 * "Mandatory Field Missing : <label>"). Keyed by module api_name, then field api_name.
 */
const V1_LABELS: Record<string, Record<string, string>> = {
  Leads: { Designation: 'Title', No_of_Employees: 'No of Employees', Owner: 'Lead Owner' },
  Deals: { Deal_Name: 'Potential Name', Owner: 'Potential Owner', Probability: 'Probability' },
  Events: { Event_Title: 'Subject', Start_DateTime: 'Start DateTime', End_DateTime: 'End DateTime' },
  Cases: { Deal_Name: 'Potential Name', Related_To: 'Related To' },
  Quotes: { Deal_Name: 'Potential Name', Product_Details: 'Product Details' },
  Sales_Orders: { Deal_Name: 'Potential Name', Product_Details: 'Product Details' },
  Purchase_Orders: { Product_Details: 'Product Details' },
  Invoices: { Product_Details: 'Product Details' },
  Notes: { Parent_Id: 'entityId', se_module: 'entityId', Note_Content: 'Note Content' },
  Price_Books: { Pricing_Details: 'Pricing Details' },
};

/** The v1 label of a field, for error texts: the §7 v1 label, else the v2 field_label, else the api_name. */
export function v1Label(module: ModuleMeta | undefined, apiName: string): string {
  if (module) {
    const special = V1_LABELS[module.apiName]?.[apiName];
    if (special) return special;
    if (apiName === 'Name' && module.fieldsByApiName.has('Name')) return `${module.moduleName} Name`;
    const field = module.fieldsByApiName.get(apiName);
    if (field) return field.label;
  }
  return apiName.replace(/_/g, ' ');
}

/**
 * Per-module v1 label lists of §7 where the label is not simply the v2 field_label or api_name with spaces:
 * v1 `dv` aliases, renamed fields, and labels clients send that v2 spells otherwise.
 */
export const MODULE_LABEL_LISTS: Record<string, Record<string, string>> = {
  Leads: {
    Title: 'Designation',
    Designation: 'Designation',
    'No of Employees': 'No_of_Employees',
    'No. of Employees': 'No_of_Employees',
    'Skype ID': 'Skype_ID',
  },
  Contacts: { 'Reports To': 'Reporting_To', 'Skype ID': 'Skype_ID' },
  Deals: { 'Potential Name': 'Deal_Name', 'Deal Name': 'Deal_Name', Probability: 'Probability' },
  Events: { Subject: 'Event_Title', Title: 'Event_Title' },
  Cases: { 'Potential Name': 'Deal_Name', 'Related To': 'Related_To' },
  Quotes: { 'Potential Name': 'Deal_Name' },
  Sales_Orders: { 'Potential Name': 'Deal_Name' },
  Invoices: { 'Billing Zip': 'Billing_Code', 'Shipping Zip': 'Shipping_Code' },
  Vendors: { 'GL Account': 'GL_Account' },
  Campaigns: { 'Num sent': 'Num_sent' },
  Notes: { 'Note Title': 'Note_Title', 'Note Content': 'Note_Content' },
};

/** Labels §7 says have no v2 field in a module: dropped with an 'unsupported-field' warning. */
export const UNSUPPORTED_LABELS: Record<string, Record<string, string>> = {
  Events: { 'Send Notification Email': 'Events have no v2 "Send Notification Email" field' },
  Price_Books: { 'Pricing Details': 'Pricing_Details has no known v1 form' },
};
