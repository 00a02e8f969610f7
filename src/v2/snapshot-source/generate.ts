/**
 * Writes the bundled v2 metadata snapshot (src/v2/snapshot/) from the compact table in table.ts, in the
 * exact v2.0 wire shapes of docs/PROTOCOL.md §9.5/§9.6, so the files are interchangeable with a pull from a real org.
 *
 *   npx tsx src/v2/snapshot-source/generate.ts [outDir]
 *
 * Deterministic: ids come from counters, never from the clock, so regenerating gives identical bytes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotDir } from '../../paths.js';
import { MODULES, USERS, type ModuleSpec } from './table.js';

const ORG = '306129';
let nextId = 1;
/** 18-digit metadata id (fields, lookups, modules), like the `306129000000000593` of §9.5. */
const metaId = (): string => `${ORG}${String(nextId++).padStart(12, '0')}`;

const TYPES = [
  'text', 'textarea', 'email', 'phone', 'website', 'picklist', 'integer', 'double', 'currency', 'percent', 'bigint',
  'boolean', 'date', 'datetime', 'multiselectpicklist', 'lookup', 'ownerlookup', 'userlookup', 'autonumber',
  'formula', 'subform', 'tag',
];
const LINE = new RegExp(
  `^(.*?)(?:=(\\w+))? (${TYPES.join('|')})(?:\\((.*)\\))?((?: (?:\\*|ro|custom|unique))*)$`,
);

interface ParsedField {
  label: string;
  apiName: string;
  type: string;
  arg?: string;
  mandatory: boolean;
  readOnly: boolean;
  custom: boolean;
  unique: boolean;
}

export function parseFieldLine(line: string): ParsedField {
  const m = LINE.exec(line);
  if (!m) throw new Error(`snapshot table: cannot parse field line ${JSON.stringify(line)}`);
  const [, label, api, type, arg, flagText] = m;
  const flags = new Set(flagText.trim().split(/\s+/).filter(Boolean));
  return {
    label,
    apiName: api ?? label.replace(/ /g, '_'),
    type,
    arg,
    mandatory: flags.has('*'),
    readOnly: flags.has('ro'),
    custom: flags.has('custom'),
    unique: flags.has('unique'),
  };
}

const JSON_TYPE: Record<string, string> = {
  text: 'string', textarea: 'string', email: 'string', phone: 'string', website: 'string', picklist: 'string',
  integer: 'integer', double: 'double', currency: 'double', percent: 'double', bigint: 'string', boolean: 'boolean',
  date: 'string', datetime: 'string', multiselectpicklist: 'jsonarray', lookup: 'jsonobject',
  ownerlookup: 'jsonobject', userlookup: 'jsonobject', autonumber: 'string', subform: 'jsonarray', tag: 'jsonarray',
};
const LENGTH: Record<string, number> = {
  text: 255, textarea: 32000, email: 100, phone: 30, website: 255, picklist: 120, integer: 9, double: 16,
  currency: 16, percent: 5, bigint: 18, boolean: 5, date: 20, datetime: 120, multiselectpicklist: 2000,
  lookup: 120, ownerlookup: 120, userlookup: 120, autonumber: 255, formula: 16, subform: 3, tag: 2000,
};

let sequence = 1;
function fieldJson(moduleApi: string, f: ParsedField): Record<string, unknown> {
  const id = metaId();
  const dataType = f.type === 'tag' ? 'text' : f.type;
  const isDecimal = f.type === 'double' || f.type === 'currency' || f.type === 'percent';
  const formulaReturn = f.type === 'formula' ? (f.arg ?? 'currency') : undefined;
  const jsonType =
    f.type === 'formula' ? (formulaReturn === 'currency' || formulaReturn === 'double' ? 'double' : 'string') : JSON_TYPE[f.type];
  let lookup: Record<string, string> = {};
  if (f.type === 'lookup') {
    const target = f.arg ?? '';
    lookup = {
      display_label: f.label,
      api_name: target === 'se_module' ? `${moduleApi}_${f.apiName}` : `${moduleApi}_${target}`,
      module: target,
      id: metaId(),
    };
  }
  const picks =
    f.type === 'picklist' || f.type === 'multiselectpicklist'
      ? (f.arg ?? '').split(',').map((v) => ({ display_value: v, actual_value: v }))
      : [];
  const ro = f.readOnly || f.type === 'autonumber' || f.type === 'formula';
  return {
    system_mandatory: f.mandatory,
    webhook: true,
    json_type: jsonType,
    crypt: null,
    field_label: f.label,
    tooltip: null,
    created_source: f.custom ? 'custom' : 'default',
    field_read_only: ro,
    display_label: f.label,
    read_only: ro,
    association_details: null,
    quick_sequence_number: String(sequence++),
    businesscard_supported: false,
    multi_module_lookup: {},
    currency: f.type === 'currency' || formulaReturn === 'currency' ? { rounding_option: 'normal', precision: 2 } : {},
    id,
    custom_field: f.custom,
    lookup,
    visible: true,
    length: LENGTH[f.type],
    view_type: { view: true, edit: !ro, quick_create: f.mandatory, create: !ro },
    subform: null,
    api_name: f.apiName,
    unique: f.unique ? { casesensitive: '0' } : {},
    data_type: dataType,
    formula: formulaReturn ? { return_type: formulaReturn } : {},
    decimal_place: isDecimal || formulaReturn === 'currency' ? 2 : null,
    mass_update: !ro && f.type !== 'subform',
    multiselectlookup: {},
    pick_list_values: picks,
    auto_number: f.type === 'autonumber' ? { prefix: f.arg ?? '', start_number: 1, suffix: '' } : {},
  };
}

/** Owner first, the module's own fields, then the system fields every module has. */
function moduleFieldLines(m: ModuleSpec): string[] {
  return [
    ...(m.noOwner ? [] : [`${m.singular} Owner=Owner ownerlookup`]),
    ...m.fields,
    'Created By=Created_By ownerlookup ro',
    'Modified By=Modified_By ownerlookup ro',
    'Created Time=Created_Time datetime ro',
    'Modified Time=Modified_Time datetime ro',
    'Tag=Tag tag ro',
  ];
}

const ADMIN = USERS[0];
const PROFILE_ID = '1386586000000026011';

function moduleJson(m: ModuleSpec, index: number): Record<string, unknown> {
  return {
    global_search_supported: true,
    deletable: true,
    creatable: true,
    modified_time: '2019-02-05T11:33:03+05:30',
    plural_label: m.plural,
    presence_sub_menu: true,
    id: metaId(),
    visibility: 1,
    convertable: m.apiName === 'Leads',
    editable: true,
    profiles: [{ name: 'Administrator', id: PROFILE_ID }],
    filter_supported: true,
    show_as_tab: true,
    web_link: null,
    sequence_number: index + 1,
    singular_label: m.singular,
    viewable: true,
    api_supported: true,
    api_name: m.apiName,
    quick_create: true,
    modified_by: { name: `${ADMIN.first} ${ADMIN.last}`, id: ADMIN.id },
    generated_type: m.custom ? 'custom' : 'default',
    feeds_required: false,
    scoring_supported: m.apiName !== 'Notes',
    webform_supported: ['Leads', 'Contacts', 'Cases'].includes(m.apiName) || Boolean(m.custom),
    arguments: [],
    module_name: m.moduleName,
    business_card_field_limit: 5,
    parent_module: {},
    display_field: m.displayField,
    per_page: 200,
  };
}

function userJson(u: (typeof USERS)[number], index: number): Record<string, unknown> {
  return {
    country: 'US',
    role: { name: u.role, id: `1386586000000026${String(index + 1).padStart(3, '0')}` },
    language: 'en_US',
    locale: 'en_US',
    profile: { name: u.profile, id: `1386586000000026${String(index + 11).padStart(3, '0')}` },
    last_name: u.last,
    time_format: 'hh:mm a',
    zuid: String(700000000 + index),
    full_name: `${u.first} ${u.last}`,
    id: u.id,
    first_name: u.first,
    email: u.email,
    status: 'active',
    confirm: true,
    time_zone: u.timeZone,
    date_format: 'MM/dd/yyyy',
  };
}

export function generateSnapshot(outDir: string): void {
  nextId = 1;
  sequence = 1;
  rmSync(join(outDir, 'fields'), { recursive: true, force: true });
  mkdirSync(join(outDir, 'fields'), { recursive: true });
  const modules = MODULES.map(moduleJson);
  for (const m of MODULES) {
    sequence = 1;
    const fields = moduleFieldLines(m).map((line) => fieldJson(m.apiName, parseFieldLine(line)));
    writeFileSync(join(outDir, 'fields', `${m.apiName}.json`), `${JSON.stringify({ fields }, null, 1)}\n`);
  }
  writeFileSync(join(outDir, 'modules.json'), `${JSON.stringify({ modules }, null, 1)}\n`);
  writeFileSync(join(outDir, 'users.json'), `${JSON.stringify({ users: USERS.map(userJson) }, null, 1)}\n`);
  writeFileSync(join(outDir, 'taxes.json'), `${JSON.stringify(taxesJson(), null, 1)}\n`);
}

/** GET /crm/v2/org/taxes of the bundled org: the taxes of the Products `Tax` picklist, with their rates. */
function taxesJson(): { taxes: Record<string, unknown>[]; preference: Record<string, boolean> } {
  const rates: [string, number][] = [['Sales Tax', 10], ['VAT', 20], ['Service Tax', 5]];
  return {
    taxes: rates.map(([name, value], i) => ({
      display_label: `${name} - ${value.toFixed(1)} %`,
      name,
      id: `36523970000002${String(2001 + i).padStart(5, '0')}`,
      value,
      sequence_number: i + 1,
    })),
    preference: { auto_populate_tax: false, modify_tax_rates: true },
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const out = process.argv[2] ?? snapshotDir;
  generateSnapshot(out);
  console.log(`snapshot written to ${out}`);
}
