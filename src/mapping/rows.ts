/**
 * v2 record → v1 row (PROTOCOL-READS.md §3): the reverse of plan.ts. Pure: takes the module's metadata, the
 * columns chosen (selectColumns), newFormat and the profile's zone, and returns labelled v1 texts in canonical
 * order. Used by every record-returning read (getRecords, getRecordById, search, related records).
 */
import type { V1Field, V1Product, V1Row } from '../legacy/read-types.js';
import { columnLabels, moduleColumns, type ColumnOptions, type V1Column } from './columns.js';
import { resolveLabel, type MappingOptions } from './fields.js';
import type { FieldMeta, ModuleMeta } from './types.js';
import { formatV1Value, javaDoubleToString } from './v1-values.js';

export interface RowOptions {
  /** 1 = omit empty fields, 2 = print them as `null` (§3.4). @default 1 */
  newFormat?: 1 | 2;
  /** The profile's IANA zone for datetimes; undefined keeps v2's wall clock. */
  timeZone?: string;
  /**
   * Print v2 `null` in standard integer/currency/double/bigint fields as `0` and in booleans as `false`, as v1 did
   * for never-set standard fields (§3.4, §16 #9). @default false
   */
  legacyZeros?: boolean;
  /** v2 module api_name → v1 module name, for SEMODULE (`Deals` → `Potentials`). Default: the api_name. */
  v1ModuleName?: (apiName: string) => string | undefined;
}

/** A column as selected: pairs may be narrowed to their id alone (§2.1: selecting `SMOWNERID` gives the id only). */
export type SelectedColumn = V1Column & { idOnly?: boolean };

export interface Selection {
  columns: SelectedColumn[];
  /** Requested labels that are no field of the module (ignored; the caller journals them, §16 #6). */
  unknown: string[];
}

/**
 * The columns a `selectColumns` list asks for, in canonical order (never request order), the module id always
 * first. `'all'` = every column. Labels match the printed labels exactly, else through the write side's label
 * resolution (so `Title`, labelOverrides and api_names select what they would write).
 */
export function selectColumns(
  module: ModuleMeta,
  requested: 'all' | string[],
  options: ColumnOptions & { mapping?: MappingOptions } = {},
): Selection {
  const all = moduleColumns(module, options);
  if (requested === 'all') return { columns: all, unknown: [] };
  const chosen = new Map<V1Column, SelectedColumn>();
  const unknown: string[] = [];
  for (const label of requested) {
    const column = findColumn(module, all, label, options.mapping);
    if (!column) {
      unknown.push(label);
      continue;
    }
    if (column.kind === 'self-id') continue;
    const idOnly = column.kind === 'pair' && column.idLabel === label;
    const seen = chosen.get(column);
    if (seen === undefined || (seen.idOnly && !idOnly)) chosen.set(column, idOnly ? { ...column, idOnly: true } : column);
  }
  return { columns: all.filter((c) => c.kind === 'self-id' || chosen.has(c)).map((c) => chosen.get(c) ?? c), unknown };
}

/** The column printing `label` (exact printed label, else the forward resolution of the label to a field). */
export function findColumn(module: ModuleMeta, columns: V1Column[], label: string, mapping?: MappingOptions): V1Column | undefined {
  const exact = columns.find((c) => columnLabels(c).includes(label));
  if (exact) return exact;
  const target = resolveLabel(module, label, mapping);
  if (target.kind === 'self-id') return columns[0];
  const apiName = 'field' in target ? target.field.apiName : 'apiName' in target ? target.apiName : undefined;
  if (apiName === undefined) return undefined;
  return columns.find((c) => c.kind !== 'self-id' && c.field.apiName === apiName);
}

/** One v2 record as a v1 row over the selected columns. */
export function toV1Row(record: Record<string, unknown>, columns: readonly SelectedColumn[], options: RowOptions = {}): V1Row {
  const nf2 = options.newFormat === 2;
  const fields: V1Field[] = [];
  const put = (label: string, value: string | undefined, raw: boolean): void => {
    if (value === undefined) {
      if (!nf2) return;
      value = 'null';
    }
    fields.push(raw ? { label, value, raw } : { label, value });
  };
  for (const c of columns) {
    switch (c.kind) {
      case 'self-id':
        put(c.label, idText(record.id), true);
        break;
      case 'pair': {
        const { id, name } = refOf(record[c.field.apiName]);
        if (c.idLabel) put(c.idLabel, id, true);
        if (!c.idOnly) put(c.nameLabel, name, false);
        break;
      }
      case 'se': {
        const { id, name } = refOf(record[c.field.apiName]);
        const seModule = typeof record.$se_module === 'string' && record.$se_module !== '' && id !== undefined ? record.$se_module : undefined;
        put(c.idLabel, id, true);
        put(c.moduleLabel, seModule === undefined ? undefined : (options.v1ModuleName?.(seModule) ?? seModule), false);
        put(c.nameLabel, name, false);
        break;
      }
      case 'products': {
        const items = record[c.field.apiName];
        if (Array.isArray(items) && items.length > 0) fields.push({ label: c.label, value: items.map((item, i) => productOf(item, i, nf2)) });
        else if (nf2) fields.push({ label: c.label, value: 'null' });
        break;
      }
      case 'field':
        put(c.label, formatV1Value(c.field, record[c.field.apiName], options) ?? legacyZero(c.field, options), false);
        break;
    }
  }
  return { fields };
}

function idText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** `{"name","id"}` (v2 lookups and users), or a bare id string (old SDK answers). */
function refOf(value: unknown): { id?: string; name?: string } {
  if (typeof value === 'string' && value !== '') return { id: value };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as { id?: unknown; name?: unknown };
    const id = idText(o.id);
    const name = typeof o.name === 'string' && o.name !== '' ? o.name : undefined;
    return { id, name };
  }
  return {};
}

const ZERO_TYPES = new Set(['integer', 'bigint', 'currency', 'double', 'decimal']);

function legacyZero(field: FieldMeta, options: RowOptions): string | undefined {
  if (!options.legacyZeros || field.custom) return undefined;
  if (field.dataType === 'boolean') return 'false';
  return ZERO_TYPES.has(field.dataType) ? '0' : undefined;
}

/** Line-item keys in v1's `<product>` order (§3.6), numbers as Java doubles (raw), names CDATA. */
const PRODUCT_NUMBERS: [string, string][] = [
  ['Unit Price', 'unit_price'],
  ['Quantity', 'quantity'],
  ['Quantity in Stock', 'quantity_in_stock'],
  ['Total', 'total'],
  ['Discount', 'Discount'],
  ['Total After Discount', 'total_after_discount'],
  ['List Price', 'list_price'],
  ['Net Total', 'net_total'],
  ['Tax', 'Tax'],
];

function productOf(raw: unknown, index: number, nf2: boolean): V1Product {
  const item = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const fields: V1Field[] = [];
  const { id, name } = refOf(item.product);
  if (id !== undefined) fields.push({ label: 'Product Id', value: id, raw: true });
  if (name !== undefined) fields.push({ label: 'Product Name', value: name });
  if (typeof item.product_description === 'string' && item.product_description !== '') {
    fields.push({ label: 'Product Description', value: item.product_description });
  }
  for (const [label, key] of PRODUCT_NUMBERS) {
    let value = item[key];
    if (key === 'Tax' && typeof value !== 'number' && Array.isArray(item.line_tax)) {
      value = item.line_tax.reduce((sum: number, t) => sum + (typeof (t as { value?: unknown })?.value === 'number' ? (t as { value: number }).value : 0), 0);
    }
    if (typeof value === 'number') fields.push({ label, value: javaDoubleToString(value), raw: true });
    else if (typeof value === 'string' && value !== '') fields.push({ label, value, raw: true });
    else if (nf2) fields.push({ label, value: 'null', raw: true });
  }
  return { no: String(index + 1), fields };
}
