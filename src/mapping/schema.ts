/**
 * The Schema: modules and fields of one org, built from v2 metadata (live /settings or the bundled snapshot),
 * plus the fixed per-module facts of PROTOCOL.md §9.7 (duplicate-check and mandatory fields).
 */
import { bundledSnapshot } from './snapshot.js';
import type { FieldMeta, ModuleMeta, V2FieldJson, V2ModuleJson } from './types.js';

/** v1 path names that are not a module_name of any v2 org (PROTOCOL.md §6). */
const V1_MODULE_ALIASES: Record<string, string> = { Potentials: 'Deals' };
/** Modules v1 addressed by a name that later orgs changed in module_name: match these on api_name (§6). */
const MATCH_BY_API_NAME = new Set(['Events']);

export function fieldMetaFromJson(f: V2FieldJson): FieldMeta {
  const lookupModule = f.lookup && typeof f.lookup.module === 'string' ? f.lookup.module : null;
  return {
    apiName: f.api_name,
    label: f.field_label,
    dataType: f.data_type,
    jsonType: f.json_type ?? null,
    length: typeof f.length === 'number' ? f.length : null,
    readOnly: f.read_only === true || f.data_type === 'autonumber' || f.data_type === 'formula',
    lookupModule,
    pickListValues: (f.pick_list_values ?? []).map((p) => p.actual_value),
    unique: f.unique !== undefined && Object.keys(f.unique).length > 0,
    custom: f.custom_field === true,
  };
}

export class Schema {
  private readonly byApiName = new Map<string, ModuleMeta>();
  private readonly byApiNameLower = new Map<string, ModuleMeta>();
  private readonly byModuleName = new Map<string, ModuleMeta>();

  private constructor(modules: ModuleMeta[]) {
    for (const m of modules) {
      this.byApiName.set(m.apiName, m);
      this.byApiNameLower.set(m.apiName.toLowerCase(), m);
      this.byModuleName.set(m.moduleName, m);
    }
  }

  /** Modules without a fields entry get an empty field list (every label is then unknown). */
  static fromMetadata(modules: V2ModuleJson[], fields: Record<string, V2FieldJson[]>): Schema {
    return new Schema(
      modules.map((m) => {
        const metas = (fields[m.api_name] ?? []).map(fieldMetaFromJson);
        return {
          apiName: m.api_name,
          moduleName: m.module_name,
          singularLabel: m.singular_label,
          pluralLabel: m.plural_label,
          fields: metas,
          fieldsByApiName: new Map(metas.map((f) => [f.apiName, f])),
        };
      }),
    );
  }

  private static bundledSchema: Schema | undefined;
  /** The schema of the bundled snapshot (src/mapping/snapshot), built once. */
  static bundled(): Schema {
    if (!Schema.bundledSchema) {
      const snap = bundledSnapshot();
      Schema.bundledSchema = Schema.fromMetadata(snap.modules, snap.fields);
    }
    return Schema.bundledSchema;
  }

  /**
   * The module a v1 path segment names, case-sensitively as v1 was: module_name (`SalesOrders`,
   * `CustomModule1`, `Leads`), `Potentials` → Deals, and Events by api_name (later orgs call it Meetings).
   */
  resolveModule(v1Name: string): ModuleMeta | undefined {
    const direct = this.byModuleName.get(v1Name);
    if (direct) return direct;
    const alias = V1_MODULE_ALIASES[v1Name];
    if (alias) return this.byApiName.get(alias) ?? this.byModuleName.get(alias);
    if (MATCH_BY_API_NAME.has(v1Name)) return this.byApiName.get(v1Name);
    return undefined;
  }

  /** A module by v2 api_name: exact, else case-insensitive (v2 paths match case-insensitively). */
  module(apiName: string): ModuleMeta | undefined {
    return this.byApiName.get(apiName) ?? this.byApiNameLower.get(apiName.toLowerCase());
  }

  modules(): ModuleMeta[] {
    return [...this.byApiName.values()];
  }
}

/* ------------------------------------------------------------------ PROTOCOL.md §9.7 */

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
