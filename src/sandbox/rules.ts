/**
 * Per-module facts of PROTOCOL.md §9.7 the emulator needs: the mandatory set on insert and the system
 * duplicate-check field. Kept behind these two functions so they can be swapped for the mapping layer's
 * `mandatoryFields` / `duplicateCheckField` (src/mapping/schema.ts) without touching the rest of the sandbox.
 */

const MANDATORY: Record<string, string[]> = {
  Leads: ['Last_Name'],
  Contacts: ['Last_Name'],
  Accounts: ['Account_Name'],
  Deals: ['Deal_Name', 'Stage'],
  Tasks: ['Subject'],
  Events: ['Event_Title', 'Start_DateTime', 'End_DateTime'],
  Calls: ['Subject', 'Call_Type', 'Call_Start_Time', 'Call_Duration'],
  Products: ['Product_Name'],
  Quotes: ['Subject', 'Product_Details'],
  Sales_Orders: ['Subject', 'Product_Details'],
  Invoices: ['Subject', 'Product_Details'],
  Purchase_Orders: ['Subject', 'Vendor_Name', 'Product_Details'],
  Campaigns: ['Campaign_Name'],
  Vendors: ['Vendor_Name'],
  Solutions: ['Solution_Title'],
  Price_Books: ['Price_Book_Name', 'Pricing_Details'],
  Cases: ['Case_Origin', 'Status', 'Subject'],
  Notes: ['Note_Content', 'Parent_Id', 'se_module'],
};

const DUPLICATE_FIELD: Record<string, string | undefined> = {
  Leads: 'Email',
  Contacts: 'Email',
  Accounts: 'Account_Name',
  Deals: 'Deal_Name',
  Products: 'Product_Name',
  Quotes: 'Subject',
  Sales_Orders: 'Subject',
  Invoices: 'Subject',
  Purchase_Orders: 'Subject',
  Campaigns: 'Campaign_Name',
  Vendors: 'Vendor_Name',
  Solutions: 'Solution_Title',
  Price_Books: 'Price_Book_Name',
  Cases: 'Subject',
};

/** Modules without a v2 upsert (seed 000). */
const NO_UPSERT = new Set(['Tasks', 'Events', 'Calls', 'Notes']);

/** Mandatory api_names on insert; custom modules (not in the table) need `Name`. */
export function mandatoryFieldsOf(moduleApiName: string): string[] {
  return MANDATORY[moduleApiName] ?? ['Name'];
}

/** The system duplicate-check field; custom modules use `Name`; activities and Notes have none. */
export function duplicateCheckFieldOf(moduleApiName: string): string | undefined {
  if (moduleApiName in MANDATORY && !(moduleApiName in DUPLICATE_FIELD)) return undefined;
  return DUPLICATE_FIELD[moduleApiName] ?? 'Name';
}

export function supportsUpsert(moduleApiName: string): boolean {
  return !NO_UPSERT.has(moduleApiName);
}

/** Fields holding inventory line items (v2.0 name and the later per-module names). */
export const LINE_ITEM_FIELDS = new Set(['Product_Details', 'Quoted_Items', 'Ordered_Items', 'Purchase_Items', 'Invoiced_Items']);
