/**
 * v2 related lists (`GET /crm/v2/settings/related_lists?module={Parent}`), derived from module and field metadata
 * so the sandbox and the bridge's offline fallback agree with whatever snapshot is loaded
 * (docs/PROTOCOL-READS.md §11).
 *
 * A related list of a parent module is one of:
 * - `lookup`: records of `module` whose lookup field `field` points at the parent (Accounts → Contacts via
 *   `Account_Name`);
 * - `junction`: a many-to-many relation with its own fields (Campaigns ↔ Leads with `Member_Status`, Price_Books ↔
 *   Products with `list_price`, Deals ↔ Contacts as `Contact_Roles`);
 * - `notes` / `attachments`: the parent's Notes (`Parent_Id`) and files;
 * - `activities`: v2's `Activities` (open activities) and `Activities_History` (closed ones): Tasks, Events and
 *   Calls linked by `What_Id` (or `Who_Id` for Contacts), each row with its `Activity_Type`;
 * - `stage-history`: a Deal's `Stage_History` (one entry per stage it went through).
 */
import type { V2FieldJson, V2ModuleJson } from './types.js';

export type RelatedListKind = 'lookup' | 'junction' | 'notes' | 'attachments' | 'activities' | 'stage-history';

/** One entry of v2's related-list metadata, plus the facts the sandbox and the bridge need to follow it. */
export interface RelatedListDef {
  /** Related list api_name (the last path segment of `/crm/v2/{Parent}/{id}/{api_name}`). */
  api_name: string;
  display_label: string;
  /** The module of the records the list holds. */
  module: string;
  kind: RelatedListKind;
  /** lookup / activities: the child's field pointing at the parent. */
  field?: string;
  /** junction: the relation's own fields (v2 api_names). */
  junctionFields?: string[];
  /** activities: open (`Activities`) or closed (`Activities_History`) ones. */
  closed?: boolean;
}

/** The modules an `Activities` / `Activities_History` related list holds, each row naming its `Activity_Type`. */
export const ACTIVITY_MODULES: readonly string[] = ['Tasks', 'Events', 'Calls'];

/** v2's api_names of the two activity related lists: open activities, closed activities. */
export const ACTIVITY_LISTS = { open: 'Activities', closed: 'Activities_History' } as const;

/** The many-to-many pairs v1's updateRelatedRecords supported (and Contact Roles), both directions. */
const JUNCTIONS: { a: string; b: string; fields: string[]; listOnA?: string; listOnB?: string }[] = [
  { a: 'Campaigns', b: 'Leads', fields: ['Member_Status'] },
  { a: 'Campaigns', b: 'Contacts', fields: ['Member_Status'] },
  { a: 'Products', b: 'Leads', fields: [] },
  { a: 'Products', b: 'Accounts', fields: [] },
  { a: 'Products', b: 'Contacts', fields: [] },
  { a: 'Products', b: 'Deals', fields: [] },
  { a: 'Price_Books', b: 'Products', fields: ['list_price'] },
  { a: 'Deals', b: 'Contacts', fields: ['Contact_Role'], listOnA: 'Contact_Roles', listOnB: 'Deals_Roles' },
];

/** Modules whose records carry no Notes, Attachments or activities of their own. */
const NO_SIDE_LISTS = new Set(['Notes', 'Attachments', 'Tasks', 'Events', 'Calls']);

/**
 * Related lists of `parent`: junctions, lookups (by child module order), activities, Notes,
 * Attachments. Empty for a module the metadata does not know.
 *
 * @param modules `/settings/modules` entries
 * @param fields `/settings/fields` per module api_name
 */
export function relatedListsOf(parent: string, modules: V2ModuleJson[], fields: Record<string, V2FieldJson[]>): RelatedListDef[] {
  const known = new Set(modules.map((m) => m.api_name));
  if (!known.has(parent)) return [];
  const label = (api: string): string => modules.find((m) => m.api_name === api)?.plural_label ?? api;
  const out: RelatedListDef[] = [];
  const taken = new Set<string>();
  const add = (def: RelatedListDef): void => {
    if (taken.has(def.api_name)) return;
    taken.add(def.api_name);
    out.push(def);
  };
  // A junction wins over a lookup between the same modules (Leads' `Initial Campaign` vs Campaigns ↔ Leads).
  for (const j of JUNCTIONS) {
    if (j.a === parent && known.has(j.b)) {
      add({ api_name: j.listOnA ?? j.b, display_label: label(j.b), module: j.b, kind: 'junction', junctionFields: j.fields });
    } else if (j.b === parent && known.has(j.a)) {
      add({ api_name: j.listOnB ?? j.a, display_label: label(j.a), module: j.a, kind: 'junction', junctionFields: j.fields });
    }
  }
  for (const m of modules) {
    if (m.api_name === parent || NO_SIDE_LISTS.has(m.api_name)) continue;
    const lookup = (fields[m.api_name] ?? []).find(
      (f) => f.data_type === 'lookup' && (f.lookup as { module?: unknown } | undefined)?.module === parent,
    );
    if (lookup) add({ api_name: m.api_name, display_label: label(m.api_name), module: m.api_name, kind: 'lookup', field: lookup.api_name });
  }
  if (!NO_SIDE_LISTS.has(parent)) {
    if (ACTIVITY_MODULES.some((a) => known.has(a))) {
      const field = parent === 'Contacts' ? 'Who_Id' : 'What_Id';
      add({ api_name: ACTIVITY_LISTS.open, display_label: 'Open Activities', module: 'Activities', kind: 'activities', field, closed: false });
      add({ api_name: ACTIVITY_LISTS.closed, display_label: 'Closed Activities', module: 'Activities', kind: 'activities', field, closed: true });
    }
    if (known.has('Notes')) add({ api_name: 'Notes', display_label: 'Notes', module: 'Notes', kind: 'notes', field: 'Parent_Id' });
    add({ api_name: 'Attachments', display_label: 'Attachments', module: 'Attachments', kind: 'attachments' });
  }
  if (parent === 'Deals') add({ api_name: 'Stage_History', display_label: 'Stage History', module: 'Stage_History', kind: 'stage-history' });
  return out;
}

/** The JSON of `GET /crm/v2/settings/related_lists?module=` for these definitions (key order as v2 sends it). */
export function relatedListsJson(parent: string, defs: RelatedListDef[], idSeed: string): Record<string, unknown>[] {
  return defs.map((d, i) => ({
    sequence_number: String(i + 1),
    display_label: d.display_label,
    api_name: d.api_name,
    module: d.module,
    name: d.api_name,
    action: null,
    id: `${idSeed}${String(i + 1).padStart(4, '0')}`,
    href: `${parent}/{id}/${d.api_name}`,
    type: 'default',
  }));
}
