import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  java7Bucket,
  java7Capacity,
  java7HashMapOrder,
  javaStringHash,
  orgJsonQuote,
  xmlTreeToJson,
} from '../../src/legacy/json.js';
import { cdata, renderLegacyJson, renderLegacyResponse, renderLegacyXml } from '../../src/legacy/response.js';
import type { LegacyFormat, LegacyResult } from '../../src/legacy/types.js';

const dir = join(import.meta.dirname, '../../samples/responses');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
  responses: { file: string; format: LegacyFormat; uri: string; result: LegacyResult }[];
};

describe('golden responses (samples/responses)', () => {
  it('covers both formats', () => {
    expect(index.responses.filter((r) => r.format === 'xml').length).toBeGreaterThanOrEqual(7);
    expect(index.responses.filter((r) => r.format === 'json').length).toBeGreaterThanOrEqual(3);
  });
  it.each(index.responses.map((r) => [r.file, r] as const))('%s re-renders byte for byte', (_file, entry) => {
    const golden = readFileSync(join(dir, entry.file), 'utf8');
    const rendered = renderLegacyResponse({ format: entry.format, path: entry.uri }, entry.result);
    expect(rendered.status).toBe(200);
    expect(rendered.contentType).toBe(entry.format === 'xml' ? 'text/xml;charset=utf-8' : 'application/jsonp;charset=utf-8');
    expect(rendered.body).toBe(golden);
  });
});

describe('renderLegacyResponse', () => {
  const error: LegacyResult = { kind: 'error', error: { code: '4834', message: 'Invalid Ticket Id' } };
  it('offers application/json for JSON clients that need it', () => {
    const r = renderLegacyResponse({ format: 'json', path: '/crm/private/json/Leads/insertRecords' }, error, { jsonContentType: 'json' });
    expect(r.contentType).toBe('application/json;charset=utf-8');
    expect(r.body).toBe('{"response":{"error":{"message":"Invalid Ticket Id","code":"4834"},"uri":"/crm/private/json/Leads/insertRecords"}}\n');
  });
  it('ignores jsonContentType for XML', () => {
    const r = renderLegacyResponse({ format: 'xml', path: '/x' }, error, { jsonContentType: 'json' });
    expect(r.contentType).toBe('text/xml;charset=utf-8');
  });
});

describe('XML escaping', () => {
  it('escapes & < > in text but leaves " raw; escapes & < " in attributes', () => {
    const body = renderLegacyXml('/a"b<c&d', { kind: 'error', error: { code: '4600', message: 'a "q" <b> & c' } });
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8" ?>\n<response uri="/a&quot;b&lt;c&amp;d"><error><code>4600</code><message>a "q" &lt;b&gt; &amp; c</message></error></response>\n',
    );
  });
  it('splits ]]> inside CDATA and only wraps the two user names', () => {
    expect(cdata('a]]>b]]>')).toBe('<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]>');
    const body = renderLegacyXml('/u', {
      kind: 'success',
      message: 'Record(s) added successfully',
      records: [{ id: '1&', createdTime: 't<', modifiedTime: 't>', createdBy: 'x]]>y', modifiedBy: '<&>' }],
    });
    expect(body).toContain('<FL val="Id">1&amp;</FL><FL val="Created Time">t&lt;</FL><FL val="Modified Time">t&gt;</FL>');
    expect(body).toContain('<FL val="Created By"><![CDATA[x]]]]><![CDATA[>y]]></FL><FL val="Modified By"><![CDATA[<&>]]></FL>');
  });
  it('renders a v4 error row with <details> and no <message>', () => {
    const body = renderLegacyXml('/u', { kind: 'rows', rows: [{ no: '7', error: { code: '4832', message: 'You have given a wrong value for the field : Annual Revenue' } }] });
    expect(body).toContain('<result><row no="7"><error><code>4832</code><details>You have given a wrong value for the field : Annual Revenue</details></error></row></result>');
  });
});

describe('Java 7 HashMap key order', () => {
  it('computes String.hashCode like Java', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a')).toBe(97);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648); // a well-known Integer.MIN_VALUE hash
  });
  it('puts every key of docs/PROTOCOL.md §4 in its listed bucket', () => {
    const expected: Record<string, number> = {
      result: 1, error: 4, nodata: 5, uri: 13, message: 0, code: 11, recorddetail: 13, no: 6, FL: 11, success: 13, details: 4,
    };
    for (const [key, bucket] of Object.entries(expected)) expect([key, java7Bucket(key, 16)]).toEqual([key, bucket]);
    expect(java7Bucket('content', 16)).toBe(java7Bucket('val', 16));
  });
  it.each([
    [['uri', 'result'], ['result', 'uri']],
    [['uri', 'error'], ['error', 'uri']],
    [['uri', 'nodata'], ['nodata', 'uri']],
    [['code', 'message'], ['message', 'code']],
    [['message', 'recorddetail'], ['message', 'recorddetail']],
    [['val', 'content'], ['content', 'val']],
    [['no', 'FL'], ['no', 'FL']],
    [['no', 'success'], ['no', 'success']],
    [['no', 'error'], ['error', 'no']],
    [['code', 'details'], ['details', 'code']],
  ])('orders %j as %j', (keys, order) => {
    expect(java7HashMapOrder(keys)).toEqual(order);
  });
  it('puts the last-inserted key first within a bucket and grows the table above 12 keys', () => {
    expect(java7HashMapOrder(['content', 'val'])).toEqual(['val', 'content']);
    expect(java7Capacity(12)).toBe(16);
    expect(java7Capacity(13)).toBe(32);
  });
});

describe('org.json conversion', () => {
  it('quotes like org.json', () => {
    expect(orgJsonQuote('a"b\\c</d/e')).toBe('"a\\"b\\\\c<\\/d/e"');
    expect(orgJsonQuote('\b\t\n\f\r\u0001\u001f')).toBe('"\\b\\t\\n\\f\\r\\u0001\\u001f"');
    expect(orgJsonQuote('\u0080\u009f\u00a0é\u2000\u2028\u20ac\u2100中😀')).toBe('"\\u0080\\u009f\u00a0é\\u2000\\u2028\\u20ac\u2100中😀"');
  });
  it('turns one child into an object and several into an array, text under content only beside attributes', () => {
    expect(xmlTreeToJson({ name: 'a', children: [{ name: 'b', text: '1' }] })).toBe('{"a":{"b":"1"}}');
    expect(xmlTreeToJson({ name: 'a', children: [{ name: 'b', text: '1' }, { name: 'b', text: '2' }] })).toBe('{"a":{"b":["1","2"]}}');
    expect(xmlTreeToJson({ name: 'FL', attrs: [['val', 'X']], text: '' })).toBe('{"FL":{"val":"X"}}');
    expect(xmlTreeToJson({ name: 'FL', attrs: [['val', 'X']], text: '  y ' })).toBe('{"FL":{"content":"y","val":"X"}}');
    expect(xmlTreeToJson({ name: 'FL', attrs: [['val', 'X']], text: ' y ', cdata: true })).toBe('{"FL":{"content":" y ","val":"X"}}');
  });
  it('renders every scalar as a string and escapes user names', () => {
    const json = renderLegacyJson('/crm/private/json/Leads/insertRecords', {
      kind: 'rows',
      rows: [{ no: '1', success: { code: '2002', details: { id: '1234567890123456789', createdTime: 'c', modifiedTime: 'm', createdBy: 'a</b>', modifiedBy: '"q"' } } }],
    });
    expect(json).toBe(
      '{"response":{"result":{"row":{"no":"1","success":{"details":{"FL":[{"content":"1234567890123456789","val":"Id"},{"content":"c","val":"Created Time"},{"content":"m","val":"Modified Time"},{"content":"a<\\/b>","val":"Created By"},{"content":"\\"q\\"","val":"Modified By"}]},"code":"2002"}}},"uri":"/crm/private/json/Leads/insertRecords"}}\n',
    );
    expect(JSON.parse(json).response.result.row.success.details.FL[0].content).toBe('1234567890123456789');
  });
});
