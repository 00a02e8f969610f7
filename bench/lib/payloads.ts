/**
 * Realistic v1 xmlData payloads for the benchmarks, generated deterministically (seeded PRNG) so runs compare:
 * Leads rows shaped like the seeds' "all fields" example (owner id, phones with leading zeros, CDATA with `&`,
 * picklists, numbers, a date) and Quotes rows with a Product Details block of several line items.
 */

export type PayloadShape = 'leads' | 'quotes';

export interface Payload {
  shape: PayloadShape;
  rows: number;
  /** v1 module path segment. */
  module: string;
  /** Query-style parameters besides authtoken/scope/xmlData (version=4 for multi-row Quotes, as v1 required). */
  params: Record<string, string>;
  xmlData: string;
}

export interface PayloadOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Line items per Quotes row (default 3). */
  productsPerRow?: number;
}

/** The sandbox's seeded PRNG (mulberry32), reused to vary names and numbers reproducibly. */
import { seededRandom as prng } from '../../src/sandbox/faults.js';

export { prng };

const FIRST = ['Peter', 'Maria', 'Kenji', 'Aiko', 'Rahul', 'Chloé', 'Jonas', 'Fatima', 'Li', 'Olga'];
const LAST = ['John', "O'Neil", 'Tanaka', 'Sharma', 'Müller', 'Dubois', 'García', 'Kowalski', 'Nakamura', 'Heng'];
const COMPANIES = ['Zoho', 'A & A Traders', 'Acme <West>', 'Nippon Kogyo', 'Globex', 'Initech', 'Umbrella & Sons'];
const SOURCES = ['External Referral', 'Web Download', 'Cold Call', 'Advertisement', 'Partner'];
const STATUSES = ['Contacted', 'Not Contacted', 'Attempted to Contact', 'Pre Qualified'];
const INDUSTRIES = ['Financial Services', 'Manufacturing', 'Government/Military', 'ASP (Application Service Provider)'];
const CITIES = ['Chennai', 'Tokyo', 'Toronto', 'Berlin', 'São Paulo'];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const digits = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
  return s;
};
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fl = (label: string, value: string): string => `<FL val="${label}">${esc(value)}</FL>`;
const flCdata = (label: string, value: string): string => `<FL val="${label}"><![CDATA[${value}]]></FL>`;
/** A 19-digit id string (beyond JS safe integers, as real ids are). */
const id19 = (r: () => number): string => `3652397000${digits(r, 9)}`;

function leadRow(r: () => number, no: number): string {
  const first = pick(r, FIRST);
  const last = pick(r, LAST);
  return (
    `<row no="${no}">` +
    fl('SMOWNERID', '1386586000000105001') +
    flCdata('Company', pick(r, COMPANIES)) +
    fl('First Name', first) +
    fl('Last Name', last) +
    fl('Designation', 'CEO') +
    fl('Email', `${first.toLowerCase().replace(/[^a-z]/g, '')}.${no}@example.com`) +
    fl('Phone', `0${digits(r, 10)}`) +
    fl('Mobile', `0${digits(r, 10)}`) +
    fl('Website', 'www.sample.com') +
    fl('Lead Source', pick(r, SOURCES)) +
    fl('Lead Status', pick(r, STATUSES)) +
    fl('Industry', pick(r, INDUSTRIES)) +
    fl('No of Employees', String(1 + Math.floor(r() * 5000))) +
    fl('Annual Revenue', `${Math.floor(r() * 1e7)}.${digits(r, 2)}`) +
    fl('Email Opt Out', r() < 0.5 ? 'true' : 'false') +
    fl('Salutation', 'Mr.') +
    fl('Street', `${1 + Math.floor(r() * 999)} Main Street`) +
    fl('City', pick(r, CITIES)) +
    fl('State', 'Tamil Nadu') +
    fl('Zip Code', `0${digits(r, 5)}`) +
    fl('Country', 'India') +
    flCdata('Description', `Met at the fair; asked for a quote on "Plan ${digits(r, 2)}" & a demo.`) +
    '</row>'
  );
}

function quoteRow(r: () => number, no: number, products: number): string {
  let items = '';
  for (let p = 1; p <= products; p++) {
    const price = `${1 + Math.floor(r() * 900)}.${digits(r, 2)}`;
    items +=
      `<product no="${p}">` +
      fl('Product Id', id19(r)) +
      fl('Product Name', `Widget ${digits(r, 3)}`) +
      fl('Unit Price', price) +
      fl('Quantity', `${1 + Math.floor(r() * 20)}.0`) +
      fl('Quantity in Stock', '0.0') +
      fl('Total', price) +
      fl('Discount', r() < 0.5 ? '0.0' : '10%') +
      fl('Total After Discount', price) +
      fl('List Price', price) +
      fl('Net Total', price) +
      fl('Tax', '0.0') +
      '</product>';
  }
  return (
    `<row no="${no}">` +
    fl('Subject', `Quote ${digits(r, 6)}`) +
    fl('Quote Stage', 'Draft') +
    fl('Carrier', 'FedEX') +
    fl('ACCOUNTID', id19(r)) +
    flCdata('Account Name', pick(r, COMPANIES)) +
    fl('SMOWNERID', '1386586000000105001') +
    fl('Valid Till', '2026-12-31') +
    fl('Sub Total', '23.0') +
    fl('Tax', '0.0') +
    fl('Adjustment', '0.0') +
    fl('Grand Total', '23.0') +
    fl('Billing Street', `${1 + Math.floor(r() * 999)} Market Street`) +
    fl('Billing City', pick(r, CITIES)) +
    fl('Billing Code', `0${digits(r, 5)}`) +
    fl('Billing Country', 'India') +
    flCdata('Terms and Conditions', 'Net 30 & no returns after 14 days.') +
    `<FL val="Product Details">${items}</FL>` +
    '</row>'
  );
}

/** One payload of `rows` rows. Multi-row Quotes carry version=4 (v1 rejected them otherwise). */
export function makePayload(shape: PayloadShape, rows: number, options: PayloadOptions = {}): Payload {
  const r = prng(options.seed ?? 1);
  const products = options.productsPerRow ?? 3;
  let body = '';
  for (let i = 1; i <= rows; i++) body += shape === 'leads' ? leadRow(r, i) : quoteRow(r, i, products);
  const module = shape === 'leads' ? 'Leads' : 'Quotes';
  const params: Record<string, string> = shape === 'quotes' && rows > 1 ? { version: '4' } : {};
  return { shape, rows, module, params, xmlData: `<${module}>${body}</${module}>` };
}

/** `application/x-www-form-urlencoded` body of a legacy call, as most old clients POSTed it. */
export function legacyFormBody(payload: Payload, authtoken: string): string {
  const p = new URLSearchParams({ authtoken, scope: 'crmapi', ...payload.params, xmlData: payload.xmlData });
  return p.toString();
}

/** The legacy request path of a payload. */
export const legacyPath = (payload: Payload): string => `/crm/private/xml/${payload.module}/insertRecords`;
