/**
 * v2 metadata → the v1 metadata answers (PROTOCOL-READS.md §8 getFields, §9 Info/getModules, §10 Users/getUsers).
 * Pure: the caller fetches `/settings/layouts`, `/settings/fields`, `/settings/modules`, `/users` and passes the JSON.
 */
import type { LegacyReadResult, V1FieldDescription, V1ModuleRow, V1Section, V1User } from '../legacy/read-types.js';
import { hasV1Form, moduleColumns, readLabel, type ColumnOptions } from './columns.js';
import type { FieldMeta, ModuleMeta, V2FieldJson, V2ModuleJson, V2UserJson } from './types.js';
import type { V2LayoutJson } from '../v2/types.js';

/* ------------------------------------------------------------------------------------------ getFields */

/** The layouts answer's shape lives with the v2 wire. */
export type { V2LayoutJson };

export interface GetFieldsOptions extends ColumnOptions {
  /** `type` parameter: undefined = all fields, 1 = summary view (v2 quick-create fields, §16 #13), 2 = mandatory. */
  type?: 1 | 2;
  /** Currency symbol for `fval`. @default '$' */
  currencySymbol?: string;
}

/** v2 data_type → v1 getFields `type` (§8.3). */
const V1_TYPES: Record<string, string> = {
  text: 'Text', textarea: 'TextArea', email: 'Email', phone: 'Phone', website: 'Website', picklist: 'Pick List',
  multiselectpicklist: 'Multiselect Pick List', integer: 'Integer', bigint: 'BigInt', double: 'Double', currency: 'Currency',
  boolean: 'Boolean', date: 'Date', datetime: 'DateTime', lookup: 'Lookup', percent: 'Double', autonumber: 'Text', formula: 'Text',
};

function v1Type(field: FieldMeta): string {
  if (field.dataType === 'ownerlookup' || field.dataType === 'userlookup') return field.apiName === 'Owner' ? 'Lookup' : 'OwnerLookup';
  if (field.dataType === 'subform' || field.dataType === 'lineitem') return 'Text';
  return V1_TYPES[field.dataType] ?? 'Text';
}

/** The label getFields names a field by: the name the rows print it under (pairs: the name label). */
function getFieldsLabel(module: ModuleMeta, field: FieldMeta, options: ColumnOptions): string {
  for (const c of moduleColumns(module, options)) {
    if (c.kind === 'self-id' || c.field !== field) continue;
    if (c.kind === 'pair' || c.kind === 'se') return c.nameLabel;
    return c.label;
  }
  return readLabel(module, field, options);
}

/**
 * getFields (§8.2, §8.3): the default (first visible) layout's sections and fields in sequence order, each field
 * described with its v1 label, displayed label, type, required flag, length and picklist values. Without layouts:
 * one `{Singular} Information` section in metadata order.
 */
export function getFieldsAnswer(
  module: ModuleMeta,
  v1ModuleName: string,
  fieldsJson: V2FieldJson[],
  layouts: V2LayoutJson[] | undefined,
  options: GetFieldsOptions = {},
): LegacyReadResult {
  const byApi = new Map(fieldsJson.map((f) => [f.api_name, f]));
  const describe = (apiName: string, required: boolean | undefined): V1FieldDescription | undefined => {
    const meta = module.fieldsByApiName.get(apiName);
    const json = byApi.get(apiName);
    if (!meta || !json) return undefined;
    const isItems = meta.dataType === 'subform' || meta.dataType === 'lineitem';
    if (!isItems && !hasV1Form(meta)) return undefined;
    const req = required ?? json.system_mandatory === true;
    const d: V1FieldDescription = {
      req,
      type: v1Type(meta),
      isreadonly: json.read_only === true || json.field_read_only === true || meta.dataType === 'autonumber' || meta.dataType === 'formula',
      maxlength: String(typeof json.length === 'number' ? json.length : 0),
      label: isItems ? 'Product Details' : getFieldsLabel(module, meta, options),
      dv: json.display_label ?? json.field_label,
      customfield: json.custom_field === true,
    };
    if (meta.dataType === 'currency') d.fval = `${options.currencySymbol ?? '$'}0.00`;
    if (meta.dataType === 'boolean') d.enabled = (json as { default_value?: unknown }).default_value === true;
    if ((meta.dataType === 'picklist' || meta.dataType === 'multiselectpicklist') && json.pick_list_values) {
      d.values = json.pick_list_values.map((p) => p.display_value);
    }
    return d;
  };
  const keep = (apiName: string, d: V1FieldDescription): boolean => {
    if (options.type === 2) return d.req;
    if (options.type === 1) return (byApi.get(apiName)?.view_type as { quick_create?: boolean } | undefined)?.quick_create === true;
    return true;
  };

  const layout = layouts?.find((l) => l.visible !== false && (l.status === undefined || l.status === 'active')) ?? layouts?.[0];
  let sections: V1Section[];
  if (layout?.sections?.length) {
    sections = [...layout.sections]
      .sort((a, b) => (a.sequence_number ?? 0) - (b.sequence_number ?? 0))
      .map((s) => {
        const fields = [...(s.fields ?? [])]
          .sort((a, b) => (a.sequence_number ?? 0) - (b.sequence_number ?? 0))
          .flatMap((f) => {
            const d = describe(f.api_name, f.required);
            return d && keep(f.api_name, d) ? [d] : [];
          });
        const name = s.name ?? s.display_label ?? '';
        return { name, dv: s.display_label ?? name, fields };
      });
  } else {
    const fields = fieldsJson.flatMap((f) => {
      const d = describe(f.api_name, undefined);
      return d && keep(f.api_name, d) ? [d] : [];
    });
    const name = `${module.singularLabel} Information`;
    sections = [{ name, dv: name, fields }];
  }
  return { kind: 'fields', module: v1ModuleName, sections: sections.filter((s) => s.fields.length > 0) };
}

/* ----------------------------------------------------------------------------------------- getModules */

/** The name v1 used for a module in URLs (§9, PROTOCOL §6): Deals → Potentials, Meetings → Events. */
export function v1ModuleNameOf(m: Pick<V2ModuleJson, 'api_name' | 'module_name'>): string {
  if (m.api_name === 'Deals') return 'Potentials';
  if (m.api_name === 'Events') return 'Events';
  return m.module_name;
}

/** Info/getModules (§9): one row per module in sequence order; `apiOnly` (type=api) keeps api_supported modules. */
export function getModulesAnswer(modules: V2ModuleJson[], apiOnly: boolean): LegacyReadResult {
  const rows: V1ModuleRow[] = [...modules]
    .filter((m) => !apiOnly || m.api_supported === true)
    .sort((a, b) => (Number(a.sequence_number) || 0) - (Number(b.sequence_number) || 0))
    .map((m) => ({
      id: String(m.id ?? ''),
      pl: m.plural_label,
      sl: m.singular_label,
      gt: m.generated_type === 'custom' ? '4' : '1',
      name: v1ModuleNameOf(m),
    }));
  return { kind: 'modules', modules: rows };
}

/* ------------------------------------------------------------------------------------------- getUsers */

/** v1 getUsers `type` values (§10) and the v2-only ones passed through. */
export const USER_TYPES = new Set([
  'AllUsers', 'ActiveUsers', 'DeactiveUsers', 'AdminUsers', 'ActiveConfirmedAdmins', 'ActiveConfirmedUsers', 'ConfirmedUsers',
  'NotConfirmedUsers', 'DeletedUsers', 'CurrentUser',
]);

const nullText = (v: unknown): string => (v === null || v === undefined || v === '' ? 'null' : typeof v === 'string' ? v : String(v));
const nameOf = (v: unknown): unknown => (v && typeof v === 'object' ? (v as { name?: unknown }).name : v);

/** One v2 user as v1 printed it (§10 field map): unset attributes are the text `null`. */
export function v1User(u: V2UserJson): V1User {
  const j = u as Record<string, unknown>;
  return {
    id: String(u.id),
    email: nullText(u.email),
    role: nullText(nameOf(j.role)),
    profile: nullText(nameOf(j.profile)),
    status: nullText(j.status ?? 'active'),
    confirm: typeof j.confirm === 'boolean' ? String(j.confirm) : nullText(j.confirm),
    zuid: nullText(j.zuid),
    timezone: nullText(j.time_zone),
    language: nullText(j.language),
    mobile: nullText(j.mobile),
    phone: nullText(j.phone),
    fax: nullText(j.fax),
    website: nullText(j.website),
    street: nullText(j.street),
    city: nullText(j.city),
    state: nullText(j.state),
    zip: nullText(j.zip),
    country: nullText(j.country),
    name: typeof u.full_name === 'string' ? u.full_name : '',
  };
}

/**
 * Users/getUsers (§10): the v2 users as v1 users; `searchColumn=name|email` + `searchValue` filter locally
 * (name: case-insensitive equality of the full name; email: case-insensitive equality).
 */
export function getUsersAnswer(users: V2UserJson[], search?: { column: 'name' | 'email'; value: string }): LegacyReadResult {
  let list = users.map(v1User);
  if (search) {
    const wanted = search.value.trim().toLowerCase();
    list = list.filter((u) => (search.column === 'name' ? u.name : u.email).trim().toLowerCase() === wanted);
  }
  return { kind: 'users', users: list };
}
