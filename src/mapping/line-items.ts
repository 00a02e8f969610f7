/**
 * Inventory line items on update and per-line `Tax` (issue 16 item 9). Pure.
 *
 * A v1 update that sends `Product Details` rows names products, and maybe some of their columns. v2 replaces the
 * whole line-item list with what it is sent, and fills what a line leaves out from the product (quantity 1, the
 * product's price): an invoice of 350 became 7274. So an update never sends the client's lines alone: they are
 * merged, by product, into the record's current lines (GET before the update), keeping every column and every line
 * the client did not send. A per-line v1 `Tax` is an amount; v2 wants `line_tax` `[{name, percentage}]` naming an
 * org tax (GET /crm/v2/org/taxes), so the amount is matched against the org's taxes on the line's taxable amount.
 */
import type { V2Record } from './types.js';

/** One org tax as `GET /crm/v2/org/taxes` lists it (`taxes[i]`): `value` is the percentage. */
export interface OrgTax {
  name: string;
  value: number;
}

/** v2 line-item keys a client may write; everything else on a fetched line is computed by v2. */
const WRITABLE_LINE_KEYS = ['quantity', 'list_price', 'Discount', 'product_description', 'line_tax'] as const;

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The product id of a line (`product: {id}` or a bare id). */
export function lineProductId(line: V2Record): string | undefined {
  const p = line.product;
  if (typeof p === 'string' || typeof p === 'number') return String(p);
  const id = obj(p)?.id;
  return id === undefined || id === null ? undefined : String(id);
}

/** A fetched line reduced to what can be written back unchanged: its line id, product and writable columns. */
function writableCopy(current: V2Record): V2Record {
  const out: V2Record = {};
  if (current.id !== undefined && current.id !== null) out.id = String(current.id);
  out.product = { id: lineProductId(current) };
  for (const key of WRITABLE_LINE_KEYS) {
    const v = current[key];
    if (v === undefined || v === null) continue;
    out[key] = key === 'line_tax' ? lineTaxOf(v) : v;
  }
  return out;
}

/** `line_tax` of a fetched line as `[{name, percentage}]` (v2 answers carry ids and values too). */
function lineTaxOf(v: unknown): { name: string; percentage: number }[] {
  if (!Array.isArray(v)) return [];
  const out: { name: string; percentage: number }[] = [];
  for (const t of v) {
    const o = obj(t);
    const percentage = typeof o?.percentage === 'number' ? o.percentage : typeof o?.value === 'number' ? o.value : undefined;
    if (typeof o?.name === 'string' && percentage !== undefined) out.push({ name: o.name, percentage });
  }
  return out;
}

/**
 * The lines to send on update: every current line, in its order, with the sent columns of the sent line for the
 * same product laid over it (a product on several lines: the n-th sent line updates the n-th current one); sent
 * lines whose product is not on the record are appended. `sentIndex[i]` = index in `sent` of result line i, if any.
 */
export function mergeLineItems(sent: readonly V2Record[], current: readonly V2Record[]): { lines: V2Record[]; sentIndex: (number | undefined)[] } {
  const lines: V2Record[] = [];
  const sentIndex: (number | undefined)[] = [];
  const used = new Set<number>();
  for (const cur of current) {
    const product = lineProductId(cur);
    const base = writableCopy(cur);
    const j = sent.findIndex((s, i) => !used.has(i) && lineProductId(s) === product);
    if (j >= 0) {
      used.add(j);
      const { product: _p, ...columns } = sent[j];
      lines.push({ ...base, ...columns });
      sentIndex.push(j);
    } else {
      lines.push(base);
      sentIndex.push(undefined);
    }
  }
  sent.forEach((s, i) => {
    if (used.has(i)) return;
    lines.push(s);
    sentIndex.push(i);
  });
  return { lines, sentIndex };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'text' in v) return Number((v as { text: string }).text); // DecimalLiteral
  return undefined;
};

/** The taxable amount of a line: list price × quantity − discount (an amount or `"N%"`); undefined when unknown. */
export function taxableAmount(line: V2Record): number | undefined {
  const price = num(line.list_price);
  const quantity = num(line.quantity);
  if (price === undefined || quantity === undefined) return undefined;
  const total = price * quantity;
  const d = line.Discount;
  let discount = 0;
  if (typeof d === 'string' && /^\d+(\.\d+)?%$/.test(d)) discount = (total * Number.parseFloat(d)) / 100;
  else if (num(d) !== undefined) discount = num(d)!;
  return total - discount;
}

/**
 * v2 `line_tax` for a v1 per-line Tax amount: `[]` for 0; the line's current taxes when they already come to that
 * amount; else the one org tax whose percentage of the taxable amount gives it (to the cent). undefined when no
 * tax, or more than one, fits, or the taxable amount is unknown.
 */
export function lineTaxForAmount(
  line: V2Record,
  amount: number,
  taxes: readonly OrgTax[] | undefined,
): { name: string; percentage: number }[] | undefined {
  if (amount === 0) return [];
  const base = taxableAmount(line);
  if (base === undefined) return undefined;
  const target = round2(amount);
  const current = Array.isArray(line.line_tax) ? lineTaxOf(line.line_tax) : [];
  if (current.length > 0 && round2((base * current.reduce((s, t) => s + t.percentage, 0)) / 100) === target) return current;
  const fits = (taxes ?? []).filter((t) => round2((base * t.value) / 100) === target);
  const names = new Set(fits.map((t) => t.name));
  if (names.size !== 1) return undefined;
  return [{ name: fits[0].name, percentage: fits[0].value }];
}
