/**
 * Porting guidance for integration owners: which v2 endpoint replaces each v1 method, which OAuth scopes a v2
 * client needs for it, and the rule a value must follow to convert. This is advice printed in reports and
 * porting kits (README "zbridge report"); what the bridge itself translates is decided in src/mapping.
 *
 * Scope names follow Zoho's `ZohoCRM.<scope>.<OPERATION>` grammar: modules are `modules.<name>` with the
 * standard module's api_name lower-cased without underscores (`salesorders`, `pricebooks`) and `modules.custom`
 * for custom modules; metadata is `settings.fields` / `settings.modules` / `settings.layouts`; users `users`.
 */
import { isStandardModule } from '../mapping/index.js';

export interface V2Equivalent {
  /** The v2 call(s) that replace the v1 method, `{module}` standing for the v2 module api_name. */
  v2: string;
  /** What to watch for when porting (differences the bridge papers over). */
  notes: string;
  /** Operation types needed on the module's scope; `settings.*` / `users` scopes are listed in `extraScopes`. */
  moduleOps: ('READ' | 'CREATE' | 'UPDATE' | 'DELETE')[];
  extraScopes?: string[];
}

/** v1 method name (as in the URL) → its v2 replacement. */
export const V2_EQUIVALENTS: Record<string, V2Equivalent> = {
  insertRecords: {
    v2: 'POST /crm/v2/{module} (duplicateCheck=2: POST /crm/v2/{module}/upsert with duplicate_check_fields)',
    notes:
      'Body {"data":[records],"trigger":[…]} with api_names as keys, at most 100 records. duplicateCheck=1 has no v2 equivalent: search by the duplicate-check field first (GET /crm/v2/{module}/search) and insert only when nothing matches. Lookups take {"id"}; owners a user id.',
    moduleOps: ['CREATE'],
  },
  updateRecords: {
    v2: 'PUT /crm/v2/{module}/{id} (version=4, several rows: PUT /crm/v2/{module} with "id" in each record)',
    notes: 'Only the fields sent change, as in v1. Unknown ids answer INVALID_DATA per record.',
    moduleOps: ['UPDATE'],
  },
  deleteRecords: { v2: 'DELETE /crm/v2/{module}/{id} or DELETE /crm/v2/{module}?ids=a,b', notes: 'At most 100 ids per call.', moduleOps: ['DELETE'] },
  getRecords: {
    v2: 'GET /crm/v2/{module}?page=&per_page=&sort_by=&sort_order=&fields=',
    notes: 'fromIndex/toIndex become page/per_page (at most 200); lastModifiedTime becomes the If-Modified-Since header (304 = nothing changed). 204 = no records.',
    moduleOps: ['READ'],
  },
  getMyRecords: {
    v2: 'GET /crm/v2/{module}/search?criteria=(Owner:equals:<user id>)',
    notes: 'v2 has no "my records" list: filter by the token user\'s id (GET /crm/v2/users?type=CurrentUser).',
    moduleOps: ['READ'],
    extraScopes: ['ZohoCRM.users.READ'],
  },
  getRecordById: { v2: 'GET /crm/v2/{module}/{id} (idlist: GET /crm/v2/{module}?ids=a,b)', notes: '204 = no such record.', moduleOps: ['READ'] },
  searchRecords: {
    v2: 'GET /crm/v2/{module}/search?criteria=((Field:equals:value)and(…))',
    notes: 'criteria use api_names; escape ( ) , and \\ in values; equals is loose in v2 (check the results); 204 = no match.',
    moduleOps: ['READ'],
  },
  getSearchRecords: { v2: 'GET /crm/v2/{module}/search?criteria=…', notes: 'The old alias of searchRecords.', moduleOps: ['READ'] },
  getSearchRecordsByPDC: {
    v2: 'GET /crm/v2/{module}/search?email= | phone= | criteria=(Field:equals:value)',
    notes: 'searchColumn email/phone map to email=/phone=; other predefined columns to a criteria on their api_name.',
    moduleOps: ['READ'],
  },
  getRelatedRecords: { v2: 'GET /crm/v2/{module}/{id}/{related list api_name}', notes: '204 = nothing related.', moduleOps: ['READ'] },
  updateRelatedRecords: { v2: 'PUT /crm/v2/{module}/{id}/{related list}/{related id}', notes: '', moduleOps: ['UPDATE'] },
  getFields: {
    v2: 'GET /crm/v2/settings/fields?module={module} (sections: GET /crm/v2/settings/layouts?module={module})',
    notes: 'Labels are field_label; write with api_name.',
    moduleOps: [],
    extraScopes: ['ZohoCRM.settings.fields.READ', 'ZohoCRM.settings.layouts.READ'],
  },
  getModules: { v2: 'GET /crm/v2/settings/modules', notes: 'Use api_name in v2 paths.', moduleOps: [], extraScopes: ['ZohoCRM.settings.modules.READ'] },
  getUsers: { v2: 'GET /crm/v2/users?type=AllUsers|ActiveUsers|CurrentUser', notes: '', moduleOps: [], extraScopes: ['ZohoCRM.users.READ'] },
  convertLead: {
    v2: 'POST /crm/v2/Leads/{id}/actions/convert',
    notes: 'Body {"data":[{"overwrite":…,"Deals":{…}}]}.',
    moduleOps: ['UPDATE'],
    extraScopes: ['ZohoCRM.modules.contacts.CREATE', 'ZohoCRM.modules.accounts.CREATE', 'ZohoCRM.modules.deals.CREATE'],
  },
  getDeletedRecordIds: { v2: 'GET /crm/v2/{module}/deleted?type=all', notes: '', moduleOps: ['READ'] },
  uploadFile: { v2: 'POST /crm/v2/{module}/{id}/Attachments (multipart "file")', notes: '', moduleOps: [], extraScopes: ['ZohoCRM.modules.attachments.CREATE'] },
  downloadFile: { v2: 'GET /crm/v2/{module}/{id}/Attachments/{attachment id}', notes: '', moduleOps: [], extraScopes: ['ZohoCRM.modules.attachments.READ'] },
  deleteFile: { v2: 'DELETE /crm/v2/{module}/{id}/Attachments/{attachment id}', notes: '', moduleOps: [], extraScopes: ['ZohoCRM.modules.attachments.DELETE'] },
  uploadPhoto: { v2: 'POST /crm/v2/{module}/{id}/photo (multipart "file")', notes: '', moduleOps: ['UPDATE'] },
  downloadPhoto: { v2: 'GET /crm/v2/{module}/{id}/photo', notes: '', moduleOps: ['READ'] },
  deletePhoto: { v2: 'DELETE /crm/v2/{module}/{id}/photo', notes: '', moduleOps: ['UPDATE'] },
};

/** Methods whose v1 module segment is not a record module (Info/getModules, Users/getUsers). */
const NOT_A_RECORD_MODULE = new Set(['getModules', 'getUsers', 'getFields']);

/** The scope name of a v2 module: `leads`, `salesorders`, …; `custom` for custom modules. */
export function moduleScopeName(moduleApiName: string): string {
  return isStandardModule(moduleApiName) ? moduleApiName.replace(/_/g, '').toLowerCase() : 'custom';
}

/** v2 equivalent of a v1 method, with `{module}` filled in; undefined for a method with no known equivalent. */
export function v2Equivalent(method: string, moduleApiName: string): (V2Equivalent & { method: string }) | undefined {
  const eq = V2_EQUIVALENTS[method];
  if (!eq) return undefined;
  return { ...eq, method, v2: eq.v2.replaceAll('{module}', moduleApiName || '{module}') };
}

/**
 * OAuth scopes a v2 client needs for these (v2 module, v1 method, parameters) uses. `duplicateCheck` 1/2 also
 * needs READ (search) and UPDATE (upsert); lookups by name and owners by e-mail need READ on the target modules
 * and `ZohoCRM.users.READ` (pass them in `reads` / `users`).
 */
export function requiredScopes(
  uses: readonly { module: string; method: string; duplicateCheck?: string }[],
  extra: { reads?: readonly string[]; users?: boolean } = {},
): string[] {
  const scopes = new Set<string>();
  const add = (module: string, op: string): void => {
    if (module) scopes.add(`ZohoCRM.modules.${moduleScopeName(module)}.${op}`);
  };
  for (const u of uses) {
    const eq = V2_EQUIVALENTS[u.method];
    if (!eq) continue;
    if (!NOT_A_RECORD_MODULE.has(u.method)) for (const op of eq.moduleOps) add(u.module, op);
    for (const s of eq.extraScopes ?? []) scopes.add(s);
    if (u.method === 'insertRecords' && u.duplicateCheck === '1') add(u.module, 'READ');
    if (u.method === 'insertRecords' && u.duplicateCheck === '2') {
      add(u.module, 'READ');
      add(u.module, 'UPDATE');
    }
  }
  for (const m of extra.reads ?? []) add(m, 'READ');
  if (extra.users) scopes.add('ZohoCRM.users.READ');
  return [...scopes].sort();
}

/** The rule a v1 value must follow for a v2 field of this data_type (mapping/values.ts converts by it). */
export function conversionRule(dataType: string | undefined): string {
  switch (dataType) {
    case 'integer':
      return 'integer field: send whole digits (an optional ".0" is accepted), e.g. 42';
    case 'bigint':
      return 'big integer field: send whole digits, e.g. 9007199254740993';
    case 'double':
    case 'currency':
    case 'percent':
    case 'decimal':
      return 'number field: digits with an optional "." and decimals, no thousands separator or currency sign, e.g. 1234.50';
    case 'boolean':
      return 'boolean field: send true or false';
    case 'date':
      return 'date field: yyyy-MM-dd or MM/dd/yyyy with a real day, e.g. 2024-03-31 or 03/31/2024';
    case 'datetime':
      return "date-time field: yyyy-MM-dd HH:mm[:ss] in the API user's time zone, or ISO 8601 with an offset";
    case 'lookup':
    case 'ownerlookup':
    case 'userlookup':
      return 'lookup field: send the record or user id (digits); names are resolved only by the live bridge';
    default:
      return 'send the value in the field\'s format';
  }
}
