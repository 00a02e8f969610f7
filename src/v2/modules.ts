/**
 * Per-module facts of the v2 wire (docs/PROTOCOL.md §9.7, §11), declared once and shared by the translation
 * core, the v2 client and the emulator so the bridge and its test double cannot disagree: duplicate-check and
 * mandatory fields, modules without upsert, inventory and approval modules, line-item fields, credit cost.
 */

/* ------------------------------------------------------------------ duplicate-check and mandatory fields (§9.7) */


const DUPLICATE_CHECK: Record<string, string | undefined> = {
  Leads: 'Email',
  Contacts: 'Email',
  Accounts: 'Account_Name',
  Deals: 'Deal_Name',
  Tasks: undefined,
  Events: undefined,
  Calls: undefined,
  Notes: undefined,
  Products: 'Product_Name',
  Quotes: 'Subject',
  Sales_Orders: 'Subject',
  Purchase_Orders: 'Subject',
  Invoices: 'Subject',
  Campaigns: 'Campaign_Name',
  Vendors: 'Vendor_Name',
  Solutions: 'Solution_Title',
  Price_Books: 'Price_Book_Name',
  Cases: 'Subject',
};

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

/** True for the standard modules of §9.7; anything else is treated as a custom module. */
export function isStandardModule(moduleApiName: string): boolean {
  return moduleApiName in MANDATORY;
}

/**
 * The system duplicate-check field of a module (§9.7): undefined for Tasks, Events, Calls and Notes.
 * Modules not in the table are custom modules (module_name `CustomModuleN`) and check `Name`.
 */
export function duplicateCheckField(moduleApiName: string, moduleName?: string): string | undefined {
  if (moduleApiName in DUPLICATE_CHECK) return DUPLICATE_CHECK[moduleApiName];
  if (moduleName !== undefined && moduleName in DUPLICATE_CHECK) return DUPLICATE_CHECK[moduleName];
  return 'Name';
}

/**
 * Fields v2 requires on insert (§9.7), as api_names; custom modules (anything not in the table) need `Name`.
 * Notes lists `se_module`, which is a body key rather than a field. Layout-mandatory fields (Leads `Company`)
 * are per org and not included.
 */
export function mandatoryFields(moduleApiName: string): string[] {
  return [...(MANDATORY[moduleApiName] ?? ['Name'])];
}

/** Modules whose `duplicateCheck` is a plain insert (no duplicate field, no v2 upsert). */
export function hasNoUpsert(moduleApiName: string): boolean {
  return ['Tasks', 'Events', 'Calls', 'Notes'].includes(moduleApiName);
}

/** Inventory modules reject default-version multi-row inserts (§1). */
export const INVENTORY_MODULES: ReadonlySet<string> = new Set(['Quotes', 'Sales_Orders', 'Purchase_Orders', 'Invoices']);

/** Modules where `isApproval=true` adds "approval" to the trigger (§1). */
export const APPROVAL_MODULES: ReadonlySet<string> = new Set(['Leads', 'Contacts', 'Cases']);

/* ------------------------------------------------------------------ name and line-item fields */

/** The field holding a record's name, per module api_name; custom modules use `Name`. */
export const NAME_FIELDS: Readonly<Record<string, string>> = {
  Accounts: 'Account_Name',
  Deals: 'Deal_Name',
  Vendors: 'Vendor_Name',
  Campaigns: 'Campaign_Name',
  Products: 'Product_Name',
  Price_Books: 'Price_Book_Name',
  Quotes: 'Subject',
  Sales_Orders: 'Subject',
  Purchase_Orders: 'Subject',
  Invoices: 'Subject',
  Cases: 'Subject',
  Solutions: 'Solution_Title',
  Contacts: 'Full_Name',
  Leads: 'Full_Name',
};

/** Fields holding inventory line items (v2.0 `Product_Details` and the later per-module names). */
export const LINE_ITEM_FIELDS: ReadonlySet<string> = new Set(['Product_Details', 'Quoted_Items', 'Ordered_Items', 'Purchase_Items', 'Invoiced_Items']);

/* ------------------------------------------------------------------ credits (§11) */

/** Most records one v2 write request carries (§9.2). */
export const MAX_RECORDS_PER_WRITE = 100;

/**
 * API credits one v2 write of `records` records costs: ceil(records / 10), at least 1, at most 10 (§11).
 * The one definition of the formula: the client's meter, the bridge's journal and the emulator's budget use it.
 */
export function writeCredits(records: number): number {
  return Math.min(10, Math.max(1, Math.ceil(records / 10)));
}

/** Credits of any v2 call: a write costs `writeCredits(records)`, anything else (GET, search, metadata) 1. */
export function callCredits(isWrite: boolean, records: number): number {
  return isWrite ? writeCredits(records) : 1;
}
