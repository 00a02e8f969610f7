/**
 * getRelatedRecords children that are no v2 module (docs/PROTOCOL-READS.md §11.1): v1's pseudo-child modules
 * `Attachments`, `ContactRoles` and `PotStageHistory`, each served from its v2 related list (`Attachments`,
 * `Contact_Roles`, `Stage_History`) and printed as v1 rows. No capture of these rows exists: the id pseudo-fields
 * are the ones v1 clients key them by (TJ: `id`, `CNTROLEID`, `POTENTIALSTAGEHISTORYID`), the other labels are
 * the labels of v1's related-list columns [choice, documented in README]. Values print as in getRecords (§3.3).
 *
 * Activities (Tasks, Events, Calls) and Notes are real modules: they print with their own columns (rows.ts); only
 * where they come from is decided here (ACTIVITY_CHILDREN).
 */
import type { V1Row } from '../legacy/read-types.js';
import { ACTIVITY_LISTS, ACTIVITY_MODULES } from '../v2/related-lists.js';
import { toV1Row, type RowOptions, type SelectedColumn } from './rows.js';
import type { FieldMeta } from './types.js';

export interface PseudoChild {
  /** v1 module name in the URL (`/crm/private/xml/ContactRoles/getRelatedRecords`). */
  name: string;
  /** v2 related list api_name on the parent. */
  list: string;
  /** v2 parent modules v1 served it for (Potentials → Deals); undefined = every module with the list. */
  parents?: readonly string[];
  /** v1 columns in printed order (the id pseudo-field first). */
  columns: readonly SelectedColumn[];
}

const field = (apiName: string, label: string, dataType: string): FieldMeta => ({
  apiName,
  label,
  dataType,
  jsonType: null,
  length: null,
  readOnly: true,
  lookupModule: null,
  pickListValues: [],
  unique: false,
  custom: false,
});
const plain = (apiName: string, label: string, dataType = 'text'): SelectedColumn => ({ kind: 'field', field: field(apiName, label, dataType), label });
const pair = (apiName: string, idLabel: string, nameLabel: string): SelectedColumn => ({ kind: 'pair', field: field(apiName, nameLabel, 'ownerlookup'), idLabel, nameLabel });

/** The pseudo-children, by v1 module name. */
export const PSEUDO_CHILDREN: ReadonlyMap<string, PseudoChild> = new Map(
  [
    {
      name: 'Attachments',
      list: 'Attachments',
      columns: [
        { kind: 'self-id', label: 'id' },
        plain('File_Name', 'File Name'),
        plain('Size', 'Size', 'bigint'),
        pair('Owner', 'SMOWNERID', 'Attached By'),
        plain('Created_Time', 'Created Time', 'datetime'),
        plain('Modified_Time', 'Modified Time', 'datetime'),
      ],
    },
    {
      name: 'ContactRoles',
      list: 'Contact_Roles',
      parents: ['Deals'],
      columns: [
        { kind: 'self-id', label: 'CNTROLEID' },
        { kind: 'self-id', label: 'CONTACTID' },
        plain('Full_Name', 'Contact Name'),
        plain('Email', 'Email', 'email'),
        plain('Contact_Role', 'Contact Role', 'picklist'),
      ],
    },
    {
      name: 'PotStageHistory',
      list: 'Stage_History',
      parents: ['Deals'],
      columns: [
        { kind: 'self-id', label: 'POTENTIALSTAGEHISTORYID' },
        plain('Stage', 'Stage', 'picklist'),
        plain('Amount', 'Amount', 'currency'),
        plain('Probability', 'Probability', 'integer'),
        plain('Expected_Revenue', 'Expected Revenue', 'currency'),
        plain('Closing_Date', 'Closing Date', 'date'),
        pair('Modified_By', 'MODIFIEDBY', 'Modified By'),
        plain('Modified_Time', 'Modified Time', 'datetime'),
      ],
    },
  ].map((p) => [p.name.toLowerCase(), p as PseudoChild]),
);

/** The pseudo-child a v1 module name means (case-insensitive, as v1 module names are), or undefined. */
export function pseudoChild(v1Module: string): PseudoChild | undefined {
  return PSEUDO_CHILDREN.get(v1Module.toLowerCase());
}

/**
 * One v2 related-list row → the pseudo-child's v1 row. A Contact_Roles row without `Full_Name` (older answers)
 * gets `First_Name Last_Name`.
 */
export function pseudoChildRow(child: PseudoChild, record: Record<string, unknown>, options: RowOptions = {}): V1Row {
  if (child.name === 'ContactRoles' && (record.Full_Name === undefined || record.Full_Name === null)) {
    const name = [record.First_Name, record.Last_Name].filter((x) => typeof x === 'string' && x !== '').join(' ');
    record = { ...record, Full_Name: name || null };
  }
  return toV1Row(record, child.columns, options);
}

/** Activity modules (v2 api_names) served from v2's activity related lists when the parent has no list of their own. */
export const ACTIVITY_CHILDREN: ReadonlySet<string> = new Set(ACTIVITY_MODULES);

/** The activity related lists to read, open ones first, then closed ones (`Activities`, `Activities_History`). */
export const ACTIVITY_LIST_ORDER: readonly string[] = [ACTIVITY_LISTS.open, ACTIVITY_LISTS.closed];

/** True when a row of an activity related list is of `module` (`Activity_Type`: `Tasks`, `Events`, `Calls`). */
export function isActivityOf(record: Record<string, unknown>, module: string): boolean {
  return record.Activity_Type === module;
}
