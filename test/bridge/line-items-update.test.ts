/**
 * Issue 16 item 9 end to end (proxy → sandbox): an inventory update whose Product Details carry only some lines or
 * columns never changes the quantities and prices it did not send; per-line `Tax` amounts become v2 `line_tax` of the
 * org tax that gives them (bundled taxes: Sales Tax 10 %, VAT 20 %, Service Tax 5 %), else the row fails with 4832
 * naming Tax and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, payload, row, rowXml, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
let p1: string;
let p2: string;
let p3: string;
let vendorId: string;
beforeAll(async () => {
  h = await startHarness();
  p1 = h.seed('Products', { Product_Name: 'Widget', Unit_Price: 100 });
  p2 = h.seed('Products', { Product_Name: 'Gadget', Unit_Price: 50 });
  p3 = h.seed('Products', { Product_Name: 'Gizmo', Unit_Price: 7000 });
  vendorId = h.seed('Vendors', { Vendor_Name: 'Line vendor' });
});
afterAll(async () => {
  await h?.close();
});

interface Line {
  product: { id: string };
  quantity: number;
  list_price: number;
  line_tax: { name: string; percentage: number }[];
}

const product = (no: number, fields: Record<string, string>) =>
  `<product no="${no}">${Object.entries(fields).map(([k, v]) => `<FL val="${k}">${v}</FL>`).join('')}</product>`;

/** Every inventory module: [v1 path, v2 api_name, values a record needs]. */
const MODULES = [
  ['Quotes', 'Quotes', {}],
  ['SalesOrders', 'Sales_Orders', {}],
  ['PurchaseOrders', 'Purchase_Orders', { VENDORID: '' }],
  ['Invoices', 'Invoices', {}],
] as const;

const linesOf = (api: string, id: string): Line[] => {
  const rec = h.sandbox.state.records(api).find((r) => r.id === id)!;
  return rec.values.Product_Details as Line[];
};

/** An order of 350: Widget 2 × 100 + Gadget 3 × 50. */
async function createOrder(v1: string, extra: Record<string, string>): Promise<string> {
  const rest = { ...extra };
  if ('VENDORID' in rest) rest.VENDORID = vendorId;
  const xml = await h.call(v1, 'insertRecords', {
    xmlData: payload(
      v1,
      row('1', {
        Subject: `Order ${v1}`,
        ...rest,
        'Product Details':
          product(1, { 'Product Id': p1, Quantity: '2', 'List Price': '100' }) + product(2, { 'Product Id': p2, Quantity: '3', 'List Price': '50' }),
      }),
    ),
  });
  expect(xml).toContain('Record(s) added successfully');
  return ids(xml)[0];
}

/** The tax v2 computes for a stored line (no discounts here). */
const taxOf = (l: Line): number => Math.round(l.quantity * l.list_price * (l.line_tax ?? []).reduce((s, t) => s + t.percentage, 0)) / 100;

/** What the sandbox stores per line, reduced to what the client must keep. */
const summary = (lines: Line[]) =>
  lines.map((l) => ({ product: l.product.id, quantity: l.quantity, list_price: l.list_price, tax: (l.line_tax ?? []).map((t) => t.name) }));

describe.each(MODULES)('%s update with Product Details', (v1, api, extra) => {
  it('a line with only Product Id and Tax keeps its quantity and price; the other line is kept; the tax becomes line_tax', async () => {
    const id = await createOrder(v1, extra);
    // 10 % of Widget's 200 is 20: Sales Tax.
    const xml = await h.call(v1, 'updateRecords', { id, xmlData: payload(v1, row('1', { 'Product Details': product(1, { 'Product Id': p1, Tax: '20.0' }) })) });
    expect(xml).toContain('Record(s) updated successfully');
    expect(summary(linesOf(api, id))).toEqual([
      { product: p1, quantity: 2, list_price: 100, tax: ['Sales Tax'] },
      { product: p2, quantity: 3, list_price: 50, tax: [] },
    ]);
    expect(taxOf(linesOf(api, id)[0])).toBe(20);
  });

  it('a sent quantity changes only that column; a new product is appended', async () => {
    const id = await createOrder(v1, extra);
    const xml = await h.call(v1, 'updateRecords', {
      id,
      xmlData: payload(v1, row('1', { 'Product Details': product(1, { 'Product Id': p2, Quantity: '4' }) + product(2, { 'Product Id': p3, Quantity: '1', 'List Price': '1' }) })),
    });
    expect(xml).toContain('Record(s) updated successfully');
    expect(summary(linesOf(api, id))).toEqual([
      { product: p1, quantity: 2, list_price: 100, tax: [] },
      { product: p2, quantity: 4, list_price: 50, tax: [] },
      { product: p3, quantity: 1, list_price: 1, tax: [] },
    ]);
  });

  it.each([
    ['7.77', 'no org tax gives it'],
    ['abc', 'not a number'],
  ])('Tax %s (%s) fails the row with 4832 naming Tax; nothing is written', async (tax) => {
    const id = await createOrder(v1, extra);
    const before = JSON.stringify(linesOf(api, id));
    const xml = await h.call(v1, 'updateRecords', { id, xmlData: payload(v1, row('1', { 'Product Details': product(1, { 'Product Id': p1, Tax: tax }) })) });
    expect(xml).toContain('<error><code>4832</code><message>You have given a wrong value for the field : Tax</message></error>');
    expect(JSON.stringify(linesOf(api, id))).toBe(before);
  });
});

describe('more line-item cases', () => {
  it('the invoice of the report: totals stay 350 plus the tax sent (not 7274)', async () => {
    const id = await createOrder('Invoices', {});
    await h.call('Invoices', 'updateRecords', {
      id,
      xmlData: payload('Invoices', row('1', { 'Product Details': product(1, { 'Product Id': p1, Tax: '40' }) + product(2, { 'Product Id': p2, Tax: '7.5' }) })),
    });
    const lines = linesOf('Invoices', id);
    // 20 % (VAT) of 200 is 40; 5 % (Service Tax) of 150 is 7.5.
    expect(summary(lines)).toEqual([
      { product: p1, quantity: 2, list_price: 100, tax: ['VAT'] },
      { product: p2, quantity: 3, list_price: 50, tax: ['Service Tax'] },
    ]);
    const total = lines.reduce((s, l) => s + l.quantity * l.list_price + taxOf(l), 0);
    expect(total).toBe(397.5);
  });

  it('Tax 0 removes a line tax; version=4 updates merge per row (row Id after Product Details)', async () => {
    const a = await createOrder('Quotes', {});
    const b = await createOrder('Quotes', {});
    await h.call('Quotes', 'updateRecords', { id: a, xmlData: payload('Quotes', row('1', { 'Product Details': product(1, { 'Product Id': p1, Tax: '20' }) })) });
    expect(summary(linesOf('Quotes', a))[0].tax).toEqual(['Sales Tax']);
    const xml = await h.call('Quotes', 'updateRecords', {
      version: '4',
      xmlData: payload(
        'Quotes',
        `<row no="1"><FL val="Product Details">${product(1, { 'Product Id': p1, Tax: '0.0' })}</FL><FL val="Id">${a}</FL></row>`,
        row('2', { Id: b, 'Product Details': product(1, { 'Product Id': p2, Quantity: '9' }) }),
      ),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2001<\/code>/);
    expect(rowXml(xml, '2')).toMatch(/^<success><code>2001<\/code>/);
    expect(summary(linesOf('Quotes', a))).toEqual([
      { product: p1, quantity: 2, list_price: 100, tax: [] },
      { product: p2, quantity: 3, list_price: 50, tax: [] },
    ]);
    expect(summary(linesOf('Quotes', b))).toEqual([
      { product: p1, quantity: 2, list_price: 100, tax: [] },
      { product: p2, quantity: 9, list_price: 50, tax: [] },
    ]);
  });

  it('on insert a Tax amount is mapped from the sent price and quantity, or fails with 4832', async () => {
    const ok = await h.call('SalesOrders', 'insertRecords', {
      xmlData: payload('SalesOrders', row('1', { Subject: 'Taxed', 'Product Details': product(1, { 'Product Id': p1, Quantity: '1', 'List Price': '100', Tax: '10' }) })),
    });
    expect(summary(linesOf('Sales_Orders', ids(ok)[0]))[0].tax).toEqual(['Sales Tax']);
    const bad = await h.call('SalesOrders', 'insertRecords', {
      xmlData: payload('SalesOrders', row('1', { Subject: 'Taxed', 'Product Details': product(1, { 'Product Id': p1, Quantity: '1', 'List Price': '100', Tax: '11' }) })),
    });
    expect(bad).toContain('You have given a wrong value for the field : Tax');
  });
});
