/**
 * The Java-8 JSON key order (PROTOCOL-READS.md §14, profile option `jsonKeyOrder: "java8"`): Java 8's HashMap
 * buckets (`h ^ (h >>> 16)`), insertion order within a bucket. The §14 table's Java-8 column is checked key by key,
 * golden bodies are written out in full (the getFields ones in the orders the 2016 crm.zoho.com.cn capture shows),
 * and the default stays Java 7 byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { java7HashMapOrder, java8HashMapOrder, xmlTreeToJson } from '../../src/legacy/json.js';
import { rowNode } from '../../src/legacy/read-response.js';
import type { V1FieldDescription, V1Row } from '../../src/legacy/read-types.js';
import { renderLegacyJson, renderLegacyResponse } from '../../src/legacy/response.js';
import type { LegacyResult } from '../../src/legacy/types.js';
import { parseConfig } from '../../src/config.js';
import { startTestProxy, TOKEN } from '../proxy/helpers.js';

describe('java8HashMapOrder: the §14 Java-8 column', () => {
  // [object, keys in org.json's insertion order (attributes, then content / children in document order), Java 8 order]
  it.each([
    ['response', ['uri', 'result'], ['result', 'uri']],
    ['response (nodata)', ['uri', 'nodata'], ['nodata', 'uri']],
    ['response (error)', ['uri', 'error'], ['error', 'uri']],
    ['record row / product', ['no', 'FL'], ['no', 'FL']],
    ['FL value', ['val', 'content'], ['val', 'content']],
    ['FL Product Details', ['val', 'product'], ['val', 'product']],
    ['delete result / nodata / error / success', ['message', 'code'], ['code', 'message']],
    ['convertLead success', ['Contact', 'Account', 'Potential'], ['Account', 'Potential', 'Contact']],
    ['convertLead child', ['param', 'content'], ['param', 'content']],
    ['getFields section [obs CN]', ['name', 'dv', 'FL'], ['dv', 'FL', 'name']],
    ['getFields FL [obs CN]', ['req', 'type', 'isreadonly', 'maxlength', 'label', 'dv', 'customfield'], ['dv', 'customfield', 'maxlength', 'isreadonly', 'label', 'type', 'req']],
    ['getFields FL with fval [obs CN]', ['req', 'type', 'isreadonly', 'maxlength', 'fval', 'label', 'dv', 'customfield'], ['dv', 'customfield', 'maxlength', 'isreadonly', 'fval', 'label', 'type', 'req']],
    ['getFields FL with enabled [obs CN]', ['req', 'type', 'isreadonly', 'maxlength', 'label', 'dv', 'customfield', 'enabled'], ['dv', 'customfield', 'maxlength', 'isreadonly', 'label', 'type', 'enabled', 'req']],
    ['getFields picklist FL [obs CN]', ['req', 'type', 'isreadonly', 'maxlength', 'label', 'dv', 'customfield', 'val'], ['val', 'dv', 'customfield', 'maxlength', 'isreadonly', 'label', 'type', 'req']],
    ['getModules row', ['no', 'id', 'pl', 'sl', 'gt', 'content'], ['no', 'sl', 'id', 'pl', 'gt', 'content']],
  ])('%s', (_object, inserted, expected) => {
    expect(java8HashMapOrder(inserted)).toEqual(expected);
  });

  it('keeps insertion order within a bucket, where Java 7 puts the newest first', () => {
    // "Aa" and "BB" have the same String.hashCode (2112), so they share a bucket in both models.
    expect(java8HashMapOrder(['Aa', 'BB'])).toEqual(['Aa', 'BB']);
    expect(java8HashMapOrder(['BB', 'Aa'])).toEqual(['BB', 'Aa']);
    expect(java7HashMapOrder(['Aa', 'BB'])).toEqual(['BB', 'Aa']);
  });

  it('sizes the table as HashMap grows (32 buckets from 13 keys): a permutation of the keys, stable', () => {
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    const order = java8HashMapOrder(keys);
    expect([...order].sort()).toEqual([...keys].sort());
    expect(java8HashMapOrder(keys)).toEqual(order);
  });
});

const URI = '/crm/private/json/Leads/getRecords';
const productRow: V1Row = {
  fields: [
    { label: 'SALESORDERID', value: '85333000000089053', raw: true },
    { label: 'Subject', value: 'SO & <1>' },
    { label: 'Description', value: '' },
    {
      label: 'Product Details',
      value: [{ no: '1', fields: [{ label: 'Product Id', value: '85333000000071001', raw: true }, { label: 'Unit Price', value: '7222.0', raw: true }] }],
    },
  ],
};

describe('Java-8 golden bodies', () => {
  it('getRecords, one row with a Product Details FL: val before content and product', () => {
    const body = renderLegacyResponse({ format: 'json', path: URI }, { kind: 'records', module: 'SalesOrders', rows: [productRow] }, { jsonKeyOrder: 'java8' }).body;
    expect(body).toBe(
      '{"response":{"result":{"SalesOrders":{"row":{"no":"1","FL":[{"val":"SALESORDERID","content":"85333000000089053"},{"val":"Subject","content":"SO & <1>"},{"val":"Description"},' +
        '{"val":"Product Details","product":{"no":"1","FL":[{"val":"Product Id","content":"85333000000071001"},{"val":"Unit Price","content":"7222.0"}]}}]}}},"uri":"/crm/private/json/Leads/getRecords"}}\n',
    );
  });

  it('getRecords: the hand-built body equals org.json over the same tree in Java 8 order, for one row and several', () => {
    for (const rows of [[productRow], [productRow, productRow, { fields: [{ label: 'LEADID', value: '1', raw: true }] }]]) {
      const expected = `${xmlTreeToJson({ name: 'response', attrs: [['uri', URI]], children: [{ name: 'result', children: [{ name: 'Leads', children: rows.map(rowNode) }] }] }, 'java8')}\n`;
      expect(renderLegacyJson(URI, { kind: 'records', module: 'Leads', rows }, 'java8')).toBe(expected);
    }
  });

  it('getFields: the orders of the 2016 crm.zoho.com.cn capture (section dv, FL, name; FL dv, customfield …)', () => {
    const fl = (f: Partial<V1FieldDescription>): V1FieldDescription => ({ req: false, type: 'Text', isreadonly: false, maxlength: '120', label: 'L', dv: 'L', customfield: false, ...f });
    const result: LegacyResult = {
      kind: 'fields',
      module: 'Leads',
      sections: [
        {
          name: 'Lead Information',
          dv: 'Lead Information',
          fields: [
            fl({ type: 'Lookup', label: 'Lead Owner', dv: 'Lead Owner' }),
            fl({ type: 'Pick List', label: 'Lead Source', dv: 'Lead Source', values: ['-None-', 'Advertisement'] }),
            fl({ type: 'Currency', maxlength: '16', fval: '￥0.00', label: 'Annual Revenue', dv: 'Annual Revenue' }),
            fl({ type: 'Boolean', maxlength: '50', label: 'Email Opt Out', dv: 'Email Opt Out', enabled: false }),
          ],
        },
      ],
    };
    expect(renderLegacyJson('/crm/private/json/Leads/getFields', result, 'java8')).toBe(
      '{"Leads":{"section":{"dv":"Lead Information","FL":[' +
        '{"dv":"Lead Owner","customfield":"false","maxlength":"120","isreadonly":"false","label":"Lead Owner","type":"Lookup","req":"false"},' +
        '{"val":["-None-","Advertisement"],"dv":"Lead Source","customfield":"false","maxlength":"120","isreadonly":"false","label":"Lead Source","type":"Pick List","req":"false"},' +
        '{"dv":"Annual Revenue","customfield":"false","maxlength":"16","isreadonly":"false","fval":"￥0.00","label":"Annual Revenue","type":"Currency","req":"false"},' +
        '{"dv":"Email Opt Out","customfield":"false","maxlength":"50","isreadonly":"false","label":"Email Opt Out","type":"Boolean","enabled":"false","req":"false"}' +
        '],"name":"Lead Information"}}}\n',
    );
  });

  it('a write answer and an error: code before message, result before uri', () => {
    const success: LegacyResult = {
      kind: 'success',
      message: 'Record(s) added successfully',
      records: [{ id: '1', createdTime: '2016-08-23 10:00:00', modifiedTime: '2016-08-23 10:00:00', createdBy: 'A', modifiedBy: 'A' }],
    };
    const j8 = renderLegacyJson('/crm/private/json/Leads/insertRecords', success, 'java8');
    expect(j8).toBe(
      '{"response":{"result":{"recorddetail":{"FL":[{"val":"Id","content":"1"},{"val":"Created Time","content":"2016-08-23 10:00:00"},{"val":"Modified Time","content":"2016-08-23 10:00:00"},{"val":"Created By","content":"A"},{"val":"Modified By","content":"A"}]},"message":"Record(s) added successfully"},"uri":"/crm/private/json/Leads/insertRecords"}}\n',
    );
    const error = renderLegacyJson('/crm/private/json/Leads/insertRecords', { kind: 'error', error: { code: '4600', message: 'Unable to process your request.' } }, 'java8');
    expect(error).toBe('{"response":{"error":{"code":"4600","message":"Unable to process your request."},"uri":"/crm/private/json/Leads/insertRecords"}}\n');
  });

  it('users: the 19 keys in Java 8 order', () => {
    const u = { id: '1', email: 'e', role: 'r', profile: 'p', status: 'active', confirm: 'true', zuid: 'z', timezone: 't', language: 'l', mobile: 'null', phone: 'null', fax: 'null', website: 'null', street: 'null', city: 'null', state: 'null', zip: 'null', country: 'null', name: 'N' };
    const body = renderLegacyJson('/crm/private/json/Users/getUsers', { kind: 'users', users: [u] }, 'java8');
    expect(Object.keys((JSON.parse(body) as { users: { user: Record<string, string> } }).users.user)).toEqual(
      java8HashMapOrder(['id', 'email', 'role', 'profile', 'status', 'confirm', 'zuid', 'timezone', 'language', 'mobile', 'phone', 'fax', 'website', 'street', 'city', 'state', 'zip', 'country', 'content']),
    );
  });

  it('the default is Java 7, byte for byte the same as asking for it', () => {
    for (const result of [{ kind: 'records', module: 'SalesOrders', rows: [productRow] }, { kind: 'error', error: { code: '4600', message: 'x' } }] as LegacyResult[]) {
      expect(renderLegacyResponse({ format: 'json', path: URI }, result).body).toBe(renderLegacyResponse({ format: 'json', path: URI }, result, { jsonKeyOrder: 'java7' }).body);
      expect(renderLegacyResponse({ format: 'json', path: URI }, result, { jsonKeyOrder: 'java8' }).body).not.toBe(renderLegacyResponse({ format: 'json', path: URI }, result).body);
    }
  });
});

describe('configuration', () => {
  it('profiles[].jsonKeyOrder and sandbox.jsonKeyOrder: java7 by default, java8 accepted, anything else refused', () => {
    const profile = { name: 'p', authtokens: ['t'], clientId: 'c', clientSecret: 's', refreshToken: 'r' };
    expect(parseConfig({ upstream: 'zoho', profiles: [profile] }).profiles[0].jsonKeyOrder).toBe('java7');
    expect(parseConfig({ upstream: 'zoho', profiles: [{ ...profile, jsonKeyOrder: 'java8' }] }).profiles[0].jsonKeyOrder).toBe('java8');
    expect(parseConfig({}).sandbox.jsonKeyOrder).toBe('java7');
    expect(() => parseConfig({ upstream: 'zoho', profiles: [{ ...profile, jsonKeyOrder: 'java9' }] })).toThrow(/jsonKeyOrder/);
  });

  it('through the proxy: a profile with java8 answers JSON in Java 8 order, XML unchanged', async () => {
    const t = await startTestProxy({ sandbox: { jsonKeyOrder: 'java8' } });
    try {
      const insert = await t.http
        .post('/crm/private/json/Leads/insertRecords')
        .type('form')
        .send({ authtoken: TOKEN, scope: 'crmapi', xmlData: '<Leads><row no="1"><FL val="Last Name">Order</FL><FL val="Company">J8 Inc</FL></row></Leads>' });
      expect(insert.text.startsWith('{"response":{"result":{"recorddetail":{"FL":[{"val":"Id","content":"')).toBe(true);
      const id = /"val":"Id","content":"(\d+)"/.exec(insert.text)![1];
      const read = await t.http.get('/crm/private/json/Leads/getRecordById').query({ authtoken: TOKEN, scope: 'crmapi', id, selectColumns: 'Leads(Last Name,Company)' });
      expect(read.text).toBe(
        `{"response":{"result":{"Leads":{"row":{"no":"1","FL":[{"val":"LEADID","content":"${id}"},{"val":"Company","content":"J8 Inc"},{"val":"Last Name","content":"Order"}]}}},"uri":"/crm/private/json/Leads/getRecordById"}}\n`,
      );
      const bad = await t.http.get('/crm/private/json/Leads/getRecordById').query({ authtoken: TOKEN, scope: 'crmapi' });
      expect(bad.text).toMatch(/^\{"response":\{"error":\{"code":"\d+","message":/);
      const xml = await t.http.get('/crm/private/xml/Leads/getRecordById').query({ authtoken: TOKEN, scope: 'crmapi', id, selectColumns: 'Leads(Last Name)' });
      expect(xml.text).toContain(`<FL val="LEADID">${id}</FL><FL val="Last Name"><![CDATA[Order]]></FL>`);
    } finally {
      await t.close();
    }
  }, 60_000);
});
