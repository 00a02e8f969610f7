/**
 * Stored records → v2 JSON: the `details` of a write answer and the full record of a GET, with times in the
 * requesting user's time-zone offset (no milliseconds) and user references as `{name,id}`.
 */
import { formatIsoInZone } from '../v2/time.js';
import type { SandboxMetadata } from './metadata.js';
import { LINE_ITEM_FIELDS, duplicateCheckFieldOf } from './rules.js';
import type { RecordStore, StoredRecord } from './store.js';

const userRef = (metadata: SandboxMetadata, id: string): { name: string; id: string } => ({
  name: metadata.user(id)?.fullName ?? '',
  id,
});

/** The name v2 shows for a record in lookups: its module's display field, else the usual name fields. */
export function displayName(metadata: SandboxMetadata, record: StoredRecord): string {
  const v = record.values;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' && v[k] !== '' ? (v[k] as string) : undefined);
  const displayField = metadata.module(record.module)?.display_field;
  if (displayField === 'Full_Name' || (displayField === undefined && (str('Last_Name') || str('First_Name')))) {
    const full = [str('First_Name'), str('Last_Name')].filter(Boolean).join(' ');
    if (full) return full;
  }
  if (displayField && str(displayField)) return str(displayField)!;
  const dup = duplicateCheckFieldOf(record.module);
  for (const k of [dup, 'Name', 'Subject', 'Event_Title', 'Note_Title']) {
    if (k && k !== 'Email' && str(k)) return str(k)!;
  }
  return '';
}

/** `details` of a write answer (§9.2 key order), capitalised or 2016/17 lower-case keys. */
export function writeDetails(
  metadata: SandboxMetadata,
  record: StoredRecord,
  timeZone: string,
  lowerCaseKeys: boolean,
): Record<string, unknown> {
  const modifiedTime = formatIsoInZone(record.modifiedAt, timeZone);
  const createdTime = formatIsoInZone(record.createdAt, timeZone);
  if (lowerCaseKeys) {
    return {
      modified_time: modifiedTime,
      modified_by: userRef(metadata, record.modifiedBy),
      created_time: createdTime,
      id: record.id,
      created_by: userRef(metadata, record.createdBy),
    };
  }
  return {
    Modified_Time: modifiedTime,
    Modified_By: userRef(metadata, record.modifiedBy),
    Created_Time: createdTime,
    id: record.id,
    Created_By: userRef(metadata, record.createdBy),
  };
}

/** A record as GET /crm/v2/{M}/{id} returns it: stored values, computed line items, system fields. */
export function renderRecord(
  metadata: SandboxMetadata,
  store: RecordStore,
  record: StoredRecord,
  timeZone: string,
): Record<string, unknown> {
  const owner = metadata.user(record.ownerId);
  const out: Record<string, unknown> = {
    Owner: { name: owner?.fullName ?? '', id: record.ownerId, email: owner?.email ?? '' },
  };
  const fields = metadata.fields(record.module);
  for (const [k, v] of Object.entries(record.values)) {
    if (LINE_ITEM_FIELDS.has(k) && Array.isArray(v)) out[k] = v.map((item) => renderLineItem(store, item));
    else if (typeof v === 'string' && fields?.get(k)?.data_type === 'datetime') out[k] = datetimeInZone(v, timeZone);
    else out[k] = v;
  }
  out.Created_By = userRef(metadata, record.createdBy);
  out.Created_Time = formatIsoInZone(record.createdAt, timeZone);
  out.Modified_By = userRef(metadata, record.modifiedBy);
  out.Modified_Time = formatIsoInZone(record.modifiedAt, timeZone);
  out.id = record.id;
  return out;
}

/** A stored date-time (any accepted form: `Z`, offsets, milliseconds) as v2 prints it: the user's offset, no ms. */
function datetimeInZone(value: string, timeZone: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : formatIsoInZone(ms, timeZone);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Line item with the computed keys of §9.8 (roughly: discount as number or "N%", taxes as percentages). */
function renderLineItem(store: RecordStore, raw: unknown): Record<string, unknown> {
  const item = raw as Record<string, unknown>;
  const productId = (item.product as { id: string }).id;
  const product = store.get('Products', productId)?.values ?? {};
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const unitPrice = num(product.Unit_Price) ?? 0;
  const quantity = num(item.quantity) ?? 1;
  const listPrice = num(item.list_price) ?? unitPrice;
  const total = round2(listPrice * quantity);
  let discount = 0;
  if (typeof item.Discount === 'number') discount = item.Discount;
  else if (typeof item.Discount === 'string' && /^\d+(\.\d+)?%$/.test(item.Discount)) {
    discount = (total * Number.parseFloat(item.Discount)) / 100;
  }
  const afterDiscount = round2(total - discount);
  const taxPercent = Array.isArray(item.line_tax)
    ? item.line_tax.reduce((sum: number, t) => sum + (num((t as Record<string, unknown>)?.percentage) ?? 0), 0)
    : 0;
  const tax = round2((afterDiscount * taxPercent) / 100);
  return {
    product: {
      Product_Code: typeof product.Product_Code === 'string' ? product.Product_Code : null,
      name: typeof product.Product_Name === 'string' ? product.Product_Name : '',
      id: productId,
    },
    quantity,
    Discount: item.Discount ?? 0,
    total_after_discount: afterDiscount,
    net_total: round2(afterDiscount + tax),
    book: null,
    Tax: tax,
    list_price: listPrice,
    unit_price: unitPrice,
    quantity_in_stock: num(product.Qty_in_Stock) ?? 0,
    total,
    product_description: item.product_description ?? null,
    line_tax: item.line_tax ?? [],
    id: item.id,
  };
}
