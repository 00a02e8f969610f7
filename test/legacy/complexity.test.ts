/**
 * Every parser on the request path runs in time linear in its input (issue: a 376-byte query blocked the event
 * loop for 19 s). For each parser, a generated worst case at n and 8n: the CPU-time ratio must stay below 22
 * (linear ×8, quadratic ×64) — see test/support/growth.ts for why this holds on a loaded machine.
 *
 * The cases are the shapes that broke before (nested-quantifier regular expressions, a search from each piece to
 * the end of the body, a list scanned per attribute, a trailing-whitespace regex) and the generic worst cases of
 * each parser (many small tokens, one huge token, deep or unterminated structure).
 */
import { describe, expect, it } from 'vitest';
import { formDecode, literalRootName, parseFormPairs } from '../../src/legacy/form.js';
import { readJsonParams } from '../../src/legacy/json-params.js';
import { headerParam, readMultipart } from '../../src/legacy/multipart.js';
import { parseLegacyRequest } from '../../src/legacy/request.js';
import { parseXmlData } from '../../src/legacy/xmldata.js';
import { decimalValue } from '../../src/v2/json.js';
import { firstIllegalChar } from '../../src/legacy/charset.js';
import { growthRatio, LINEAR_LIMIT } from '../support/growth.js';

const repeat = (piece: string, n: number) => piece.repeat(n);
const request = (body: string | Buffer, contentType?: string, query = 'scope=crmapi') => ({
  method: 'POST',
  url: `/crm/private/xml/Leads/insertRecords?${query}`,
  headers: contentType ? { 'content-type': contentType } : {},
  body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
});
const noLimits = { maxBytes: 1 << 30 };

interface Case {
  name: string;
  n: number;
  make: (n: number) => unknown;
  run: (input: never) => unknown;
}

const cases: Case[] = [
  // form.ts (query strings and form bodies)
  { name: 'form: xmlData repair over a run of empty comments (was exponential)', n: 3,
    make: (n) => `xmlData=${repeat('<!---->', n)}x&a=b`, run: (s: string) => parseFormPairs(s) },
  { name: 'form: many xmlData=<a>& pieces (was quadratic)', n: 750,
    make: (n) => repeat('xmlData=<a>&', n), run: (s: string) => parseFormPairs(s) },
  { name: 'form: many xmlData pieces with distinct roots', n: 750,
    make: (n) => Array.from({ length: n }, (_, i) => `xmlData=<r${i}>&`).join(''), run: (s: string) => parseFormPairs(s) },
  { name: 'form: many closing tags after one open root', n: 1500,
    make: (n) => `xmlData=<a>&${repeat('</b>', n)}</a>&c=1`, run: (s: string) => parseFormPairs(s) },
  { name: 'form: literal root scan over prolog, comments and spaces', n: 1500,
    make: (n) => `%EF%BB%BF${repeat('+%20%0A', n)}<?xml?>${repeat('<!-- c -->%0D', n)}<Leads${repeat(' a="1"', n)}>`,
    run: (s: string) => literalRootName(s, 0, s.length) },
  { name: 'form: stray % and escapes (servlet fallback)', n: 2500,
    make: (n) => `100%${repeat('%41+', n)}`, run: (s: string) => formDecode(s) },
  { name: 'form: escapes in windows-1252', n: 2500,
    make: (n) => repeat('%80%E4+', n), run: (s: string) => formDecode(s, 'windows-1252') },
  { name: 'form: many empty pairs', n: 2500, make: (n) => repeat('&=&a', n), run: (s: string) => parseFormPairs(s) },

  // xmldata.ts
  { name: 'xmlData: one <row> with many attributes (was quadratic; capped)', n: 1000,
    make: (n) => `<Leads><row ${Array.from({ length: n }, (_, i) => `a${i}=""`).join(' ')}></row></Leads>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: many attributes under a raised cap (the Set, not a list)', n: 1000,
    make: (n) => `<Leads><row ${Array.from({ length: n }, (_, i) => `a${i}=""`).join(' ')}></row></Leads>`,
    run: (s: string) => parseXmlData(s, { ...noLimits, maxAttributes: 1e9 }) },
  { name: 'xmlData: spaces between CDATA and text in a value (was quadratic)', n: 2500,
    make: (n) => `<L><row no="1"><FL val="a"><![CDATA[x]]>${' '.repeat(n)}x</FL></row></L>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: many rows (beyond the 100 kept)', n: 500,
    make: (n) => `<L>${repeat('<row no="1"><FL val="Last Name">x</FL></row>', n)}</L>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: many FL in one row', n: 500,
    make: (n) => `<L><row no="1">${repeat('<FL val="Last Name">x &amp; y</FL>', n)}</row></L>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: many CDATA parts in one FL', n: 1000,
    make: (n) => `<L><row no="1"><FL val="a">${repeat('a<![CDATA[b]]>', n)}</FL></row></L>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: comments and PIs everywhere', n: 1000,
    make: (n) => `<L>${repeat('<!-- x --><?pi a="1"?>', n)}<row/></L>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: references in text', n: 1500,
    make: (n) => `<L><row no="1"><FL val="a">${repeat('&#x41;&amp;', n)}</FL></row></L>`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: unterminated comment after many elements', n: 1000,
    make: (n) => `<L>${repeat('<row/>', n)}<!--${repeat('-', n)}`, run: (s: string) => parseXmlData(s, noLimits) },
  { name: 'xmlData: many unclosed elements (depth rejection)', n: 1500,
    make: (n) => `<L>${repeat('<a>', n)}`, run: (s: string) => parseXmlData(s, { ...noLimits, maxDepth: 1e9 }) },

  // multipart.ts, json-params.ts, charset.ts
  { name: 'multipart: many parts', n: 500,
    make: (n) => Buffer.from(repeat('--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n', n) + '--b--'),
    run: (b: Buffer) => readMultipart(b, 'b') },
  { name: 'multipart: near-boundaries with a 70-character boundary', n: 1000,
    make: (n) => Buffer.from(repeat(`--${'b'.repeat(69)}x`, n)), run: (b: Buffer) => readMultipart(b, 'b'.repeat(70)) },
  { name: 'header parameter: many empty parameters', n: 2500,
    make: (n) => `multipart/form-data${repeat('; ', n)}x`, run: (s: string) => headerParam(s, 'boundary') },
  { name: 'JSON parameters: many members', n: 1000,
    make: (n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":"v\\u00e4\\n"`).join(',')}}`, run: (s: string) => readJsonParams(s) },
  { name: 'JSON parameters: deep nesting, never closed', n: 2500,
    make: (n) => `{"a":${repeat('[', n)}`, run: (s: string) => readJsonParams(s) },
  { name: 'input hygiene scan', n: 10000, make: (n) => repeat('a\ud83d\ude00é', n), run: (s: string) => firstIllegalChar(s) },

  // request.ts: every body shape end to end
  { name: 'request: form body', n: 500,
    make: (n) => request(`scope=crmapi&xmlData=${repeat('%3Crow%3E', n)}`, 'application/x-www-form-urlencoded; charset=ISO-8859-1'), run: (r: never) => parseLegacyRequest(r) },
  { name: 'request: raw xmlData body with raw &', n: 500,
    make: (n) => request(`scope=crmapi&xmlData=<Leads>${repeat('<!-- & -->', n)}</Leads>&wfTrigger=true`), run: (r: never) => parseLegacyRequest(r) },
  { name: 'request: XML body in UTF-16 with a BOM', n: 500,
    make: (n) => request(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<Leads>${repeat('<row/>', n)}</Leads>`, 'utf16le')]), 'text/xml'), run: (r: never) => parseLegacyRequest(r) },
  { name: 'request: JSON parameters body', n: 500,
    make: (n) => request(`  {"scope":"crmapi","xmlData":"${repeat('<row/>', n)}"`), run: (r: never) => parseLegacyRequest(r) },
  { name: 'request: multipart body', n: 250,
    make: (n) => request(repeat('--B\r\nContent-Disposition: form-data; name="xmlData"\r\n\r\n<a/>\r\n', n), 'multipart/form-data; boundary=B'), run: (r: never) => parseLegacyRequest(r) },
  { name: 'request: long query string', n: 500,
    make: (n) => ({ method: 'GET', url: `/crm/private/xml/Leads/insertRecords?${repeat('xmlData=<a>&', n)}`, headers: {}, body: Buffer.alloc(0) }),
    run: (r: never) => parseLegacyRequest(r) },

  // values parsed from xmlData on the way to v2
  { name: 'decimal value with a long run of zeros (was quadratic)', n: 2500,
    make: (n) => `1.${'0'.repeat(n)}1`, run: (s: string) => decimalValue(s) },
];

describe('every request-path parser is linear', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ratio = growthRatio(c.make, c.run as (input: unknown) => unknown, c.n);
    expect(ratio, `CPU time at 8n / at n = ${ratio.toFixed(2)}`).toBeLessThan(LINEAR_LIMIT);
  });
});
