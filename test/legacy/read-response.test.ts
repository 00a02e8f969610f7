/**
 * Golden bytes of the v1 read answers, built from the answers recorded in PROTOCOL-READS.md (ids and names as given
 * there): records in XML and JSON (one row vs several, one FL vs several, Product Details), nodata, the hand-built
 * search error, getFields, getModules, getUsers.
 */
import { describe, expect, it } from 'vitest';
import { legacyErrors } from '../../src/legacy/errors.js';
import type { LegacyReadResult, V1FieldDescription, V1User } from '../../src/legacy/read-types.js';
import { renderLegacyJson, renderLegacyResponse, renderLegacyXml } from '../../src/legacy/response.js';
import type { LegacyResult } from '../../src/legacy/types.js';

const DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n';
const raw = (label: string, value: string) => ({ label, value, raw: true });
const text = (label: string, value: string) => ({ label, value });

const summersRow = {
  fields: [
    raw('LEADID', '1418626000000184479'),
    raw('SMOWNERID', '1418626000000083001'),
    text('Lead Owner', 'Owner Name'),
    text('Company', 'Acme'),
    text('Last Name', 'Summers'),
    text('Email', 's.summers@example.com'),
    raw('SMCREATORID', '1418626000000083001'),
    text('Created By', 'Owner Name'),
    raw('MODIFIEDBY', '1418626000000083001'),
    text('Modified By', 'Owner Name'),
    text('Created Time', '2015-05-19 14:20:32'),
    text('Modified Time', '2015-05-19 14:20:32'),
    text('Email Opt Out', 'false'),
    text('Last Activity Time', '2015-05-19 14:20:32'),
  ],
};

describe('records (§3.1, §3.5)', () => {
  it('XML getRecords row: ids raw, every other value CDATA, one line', () => {
    const body = renderLegacyXml('/crm/private/xml/Leads/getRecords', { kind: 'records', module: 'Leads', rows: [summersRow] });
    expect(body).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/getRecords"><result><Leads><row no="1"><FL val="LEADID">1418626000000184479</FL><FL val="SMOWNERID">1418626000000083001</FL><FL val="Lead Owner"><![CDATA[Owner Name]]></FL><FL val="Company"><![CDATA[Acme]]></FL><FL val="Last Name"><![CDATA[Summers]]></FL><FL val="Email"><![CDATA[s.summers@example.com]]></FL><FL val="SMCREATORID">1418626000000083001</FL><FL val="Created By"><![CDATA[Owner Name]]></FL><FL val="MODIFIEDBY">1418626000000083001</FL><FL val="Modified By"><![CDATA[Owner Name]]></FL><FL val="Created Time"><![CDATA[2015-05-19 14:20:32]]></FL><FL val="Modified Time"><![CDATA[2015-05-19 14:20:32]]></FL><FL val="Email Opt Out"><![CDATA[false]]></FL><FL val="Last Activity Time"><![CDATA[2015-05-19 14:20:32]]></FL></row></Leads></result></response>\n`,
    );
  });

  it('XML rows are numbered from 1 in every answer', () => {
    const body = renderLegacyXml('/u', { kind: 'records', module: 'Leads', rows: [{ fields: [raw('LEADID', '1')] }, { fields: [raw('LEADID', '2')] }] });
    expect(body).toContain('<row no="1"><FL val="LEADID">1</FL></row><row no="2"><FL val="LEADID">2</FL></row>');
  });

  it('JSON several rows → row array, FL array, content before val, every value a string', () => {
    const body = renderLegacyJson('/crm/private/json/Leads/getRecords', {
      kind: 'records',
      module: 'Leads',
      rows: [
        {
          fields: [
            raw('LEADID', '1418626000000184479'),
            raw('SMOWNERID', '1418626000000083001'),
            text('Lead Owner', 'Owner Name'),
            text('Last Name', 'Summers'),
            text('Email Opt Out', 'false'),
            text('Age of lead in days', '0'),
          ],
        },
        { fields: [raw('LEADID', '1418626000000184470'), text('Last Name', 'Pryde')] },
      ],
    });
    expect(body).toBe(
      '{"response":{"result":{"Leads":{"row":[{"no":"1","FL":[{"content":"1418626000000184479","val":"LEADID"},{"content":"1418626000000083001","val":"SMOWNERID"},{"content":"Owner Name","val":"Lead Owner"},{"content":"Summers","val":"Last Name"},{"content":"false","val":"Email Opt Out"},{"content":"0","val":"Age of lead in days"}]},{"no":"2","FL":[{"content":"1418626000000184470","val":"LEADID"},{"content":"Pryde","val":"Last Name"}]}]}},"uri":"/crm/private/json/Leads/getRecords"}}\n',
    );
  });

  it('JSON one row → row object', () => {
    const body = renderLegacyJson('/crm/private/json/Leads/searchRecords', {
      kind: 'records',
      module: 'Leads',
      rows: [{ fields: [raw('LEADID', '1418626000000184466'), text('Last Name', 'Xavier')] }],
    });
    expect(body).toBe(
      '{"response":{"result":{"Leads":{"row":{"no":"1","FL":[{"content":"1418626000000184466","val":"LEADID"},{"content":"Xavier","val":"Last Name"}]}}},"uri":"/crm/private/json/Leads/searchRecords"}}\n',
    );
  });

  it('JSON one FL → FL object (selectColumns=Leads(LEADID))', () => {
    const body = renderLegacyJson('/crm/private/json/Leads/searchRecords', {
      kind: 'records',
      module: 'Leads',
      rows: [{ fields: [raw('LEADID', '1418626000000184466')] }],
    });
    expect(body).toBe(
      '{"response":{"result":{"Leads":{"row":{"no":"1","FL":{"content":"1418626000000184466","val":"LEADID"}}}},"uri":"/crm/private/json/Leads/searchRecords"}}\n',
    );
  });

  it('newFormat=2 nulls: raw null ids, CDATA null names; JSON keeps the string "null"', () => {
    const result: LegacyResult = {
      kind: 'records',
      module: 'Contacts',
      rows: [{ fields: [raw('CONTACTID', '1'), raw('VENDORID', 'null'), text('Vendor Name', 'null')] }],
    };
    expect(renderLegacyXml('/u', result)).toContain('<FL val="VENDORID">null</FL><FL val="Vendor Name"><![CDATA[null]]></FL>');
    expect(renderLegacyJson('/u', result)).toContain('{"content":"null","val":"VENDORID"},{"content":"null","val":"Vendor Name"}');
  });

  it('Product Details (§3.6): nested products, only Product Name CDATA; JSON product before val', () => {
    const product = {
      no: '1',
      fields: [
        raw('Product Id', '85333000000089011'),
        text('Product Name', 'Server'),
        raw('Unit Price', '7222.0'),
        raw('Quantity', '11.0'),
        raw('Quantity in Stock', '10.0'),
        raw('Total', '79442.0'),
        raw('Discount', '0.0'),
        raw('Total After Discount', '79442.0'),
        raw('List Price', '7222.0'),
        raw('Net Total', '79442.0'),
        raw('Tax', '0.0'),
      ],
    };
    const result: LegacyResult = {
      kind: 'records',
      module: 'SalesOrders',
      rows: [{ fields: [raw('SALESORDERID', '85333000000089051'), text('Grand Total', '79442'), { label: 'Product Details', value: [product] }] }],
    };
    expect(renderLegacyXml('/crm/private/xml/SalesOrders/getRecords', result)).toBe(
      `${DECL}<response uri="/crm/private/xml/SalesOrders/getRecords"><result><SalesOrders><row no="1"><FL val="SALESORDERID">85333000000089051</FL><FL val="Grand Total"><![CDATA[79442]]></FL><FL val="Product Details"><product no="1"><FL val="Product Id">85333000000089011</FL><FL val="Product Name"><![CDATA[Server]]></FL><FL val="Unit Price">7222.0</FL><FL val="Quantity">11.0</FL><FL val="Quantity in Stock">10.0</FL><FL val="Total">79442.0</FL><FL val="Discount">0.0</FL><FL val="Total After Discount">79442.0</FL><FL val="List Price">7222.0</FL><FL val="Net Total">79442.0</FL><FL val="Tax">0.0</FL></product></FL></row></SalesOrders></result></response>\n`,
    );
    const json = renderLegacyJson('/crm/private/json/SalesOrders/getRecords', result);
    expect(json).toContain('{"product":{"no":"1","FL":[{"content":"85333000000089011","val":"Product Id"},{"content":"Server","val":"Product Name"},');
    expect(json).toContain('{"content":"0.0","val":"Tax"}]},"val":"Product Details"}');
  });

  it('CDATA values split ]]> and XML-special characters stay inside CDATA', () => {
    const body = renderLegacyXml('/u', { kind: 'records', module: 'Leads', rows: [{ fields: [raw('LEADID', '1'), text('Description', 'a]]>b <&>')] }] });
    expect(body).toContain('<FL val="Description"><![CDATA[a]]]]><![CDATA[>b <&>]]></FL>');
  });
});

describe('nodata and errors of the read methods', () => {
  const nodata: LegacyResult = { kind: 'nodata', error: legacyErrors.noData() };
  it('nodata 4422 (getRecordById of an unknown id, §5.2), both formats', () => {
    expect(renderLegacyJson('/crm/private/json/Leads/getRecordById', nodata)).toBe(
      '{"response":{"nodata":{"message":"There is no data to show","code":"4422"},"uri":"/crm/private/json/Leads/getRecordById"}}\n',
    );
    expect(renderLegacyXml('/crm/private/xml/Leads/getRecords', nodata)).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/getRecords"><nodata><code>4422</code><message>There is no data to show</message></nodata></response>\n`,
    );
  });

  it('searchRecords 4832: hand-built JSON (uri first, numeric code, spaces), normal XML (§6.2)', () => {
    const error = { code: '4832', message: 'API call cannot be completed as the Criteria parameter contains empty field name' };
    const result: LegacyReadResult = { kind: 'search-error', error };
    expect(renderLegacyJson('/crm/private/json/Leads/searchRecords', result)).toBe(
      '{"response": {"uri":"/crm/private/json/Leads/searchRecords","error": {"code":4832,"message":"API call cannot be completed as the Criteria parameter contains empty field name"}}}\n',
    );
    expect(renderLegacyXml('/crm/private/xml/Leads/searchRecords', result)).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/searchRecords"><error><code>4832</code><message>API call cannot be completed as the Criteria parameter contains empty field name</message></error></response>\n`,
    );
  });

  it.each(['id', 'toIndex', 'fromIndex', 'lastModifiedTime', 'searchColumn', 'criteria', 'type'])(
    '4600 naming "%s" in the normal envelope',
    (param) => {
      const result: LegacyResult = { kind: 'error', error: legacyErrors.badParameter(param) };
      expect(renderLegacyJson('/crm/private/json/Leads/getRecords', result)).toBe(
        `{"response":{"error":{"message":"Unable to process your request. Please verify if the name and value is appropriate for the \\"${param}\\" parameter.","code":"4600"},"uri":"/crm/private/json/Leads/getRecords"}}\n`,
      );
      expect(renderLegacyXml('/crm/private/xml/Leads/getRecords', result)).toBe(
        `${DECL}<response uri="/crm/private/xml/Leads/getRecords"><error><code>4600</code><message>Unable to process your request. Please verify if the name and value is appropriate for the "${param}" parameter.</message></error></response>\n`,
      );
    },
  );
});

describe('getFields (§8.2): no <response> wrapper', () => {
  const ownerFl: V1FieldDescription = { req: false, type: 'Lookup', isreadonly: false, maxlength: '120', label: 'Lead Owner', dv: 'Lead Owner', customfield: false };
  const fields: V1FieldDescription[] = [
    ownerFl,
    { req: true, type: 'Text', isreadonly: false, maxlength: '100', label: 'Company', dv: 'Company', customfield: false },
    { req: false, type: 'Text', isreadonly: false, maxlength: '100', label: 'Designation', dv: 'Title', customfield: false },
    { req: false, type: 'Pick List', isreadonly: false, maxlength: '120', label: 'Lead Source', dv: 'Lead Source', customfield: false, values: ['-None-', 'Advertisement'] },
    { req: false, type: 'Currency', isreadonly: false, maxlength: '16', fval: '$0.00', label: 'Annual Revenue', dv: 'Annual Revenue', customfield: false },
    { req: false, type: 'Boolean', isreadonly: false, maxlength: '50', label: 'Email Opt Out', dv: 'Email Opt Out', customfield: false, enabled: false },
  ];
  const address = { name: 'Address Information', dv: 'Address Information', fields: [{ req: false, type: 'Text', isreadonly: false, maxlength: '250', label: 'Street', dv: 'Street', customfield: false }] };
  const result: LegacyResult = { kind: 'fields', module: 'Leads', sections: [{ name: 'Lead Information', dv: 'Lead Information', fields }, address] };

  it('XML: double space before label, fval in that slot, enabled last, <val> children, ></FL>', () => {
    expect(renderLegacyXml('/crm/private/xml/Leads/getFields', result)).toBe(
      `${DECL}<Leads><section name="Lead Information" dv="Lead Information"><FL req="false" type="Lookup" isreadonly="false" maxlength="120"  label="Lead Owner" dv="Lead Owner" customfield="false"></FL><FL req="true" type="Text" isreadonly="false" maxlength="100"  label="Company" dv="Company" customfield="false"></FL><FL req="false" type="Text" isreadonly="false" maxlength="100"  label="Designation" dv="Title" customfield="false"></FL><FL req="false" type="Pick List" isreadonly="false" maxlength="120"  label="Lead Source" dv="Lead Source" customfield="false"><val>-None-</val><val>Advertisement</val></FL><FL req="false" type="Currency" isreadonly="false" maxlength="16" fval="$0.00" label="Annual Revenue" dv="Annual Revenue" customfield="false"></FL><FL req="false" type="Boolean" isreadonly="false" maxlength="50"  label="Email Opt Out" dv="Email Opt Out" customfield="false" enabled="false"></FL></section><section name="Address Information" dv="Address Information"><FL req="false" type="Text" isreadonly="false" maxlength="250"  label="Street" dv="Street" customfield="false"></FL></section></Leads>\n`,
    );
  });

  it('XML option: self-closing empty FL', () => {
    const body = renderLegacyResponse({ format: 'xml', path: '/u' }, { kind: 'fields', module: 'Leads', sections: [{ name: 's', dv: 's', fields: [ownerFl] }] }, { read: { emptyFieldElement: 'self-closing' } }).body;
    expect(body).toContain('customfield="false"/></section>');
  });

  it('JSON: Java-7 key order (dv, name, FL; dv, maxlength, isreadonly, label, type, req, customfield), no uri', () => {
    expect(renderLegacyJson('/crm/private/json/Leads/getFields', result)).toBe(
      '{"Leads":{"section":[{"dv":"Lead Information","name":"Lead Information","FL":[{"dv":"Lead Owner","maxlength":"120","isreadonly":"false","label":"Lead Owner","type":"Lookup","req":"false","customfield":"false"},{"dv":"Company","maxlength":"100","isreadonly":"false","label":"Company","type":"Text","req":"true","customfield":"false"},{"dv":"Title","maxlength":"100","isreadonly":"false","label":"Designation","type":"Text","req":"false","customfield":"false"},{"val":["-None-","Advertisement"],"dv":"Lead Source","maxlength":"120","isreadonly":"false","label":"Lead Source","type":"Pick List","req":"false","customfield":"false"},{"dv":"Annual Revenue","maxlength":"16","isreadonly":"false","label":"Annual Revenue","fval":"$0.00","type":"Currency","req":"false","customfield":"false"},{"enabled":"false","dv":"Email Opt Out","maxlength":"50","isreadonly":"false","label":"Email Opt Out","type":"Boolean","req":"false","customfield":"false"}]},{"dv":"Address Information","name":"Address Information","FL":{"dv":"Street","maxlength":"250","isreadonly":"false","label":"Street","type":"Text","req":"false","customfield":"false"}}]}}\n',
    );
  });

  it('JSON: one section → object, one picklist value → string', () => {
    const one: LegacyResult = { kind: 'fields', module: 'Leads', sections: [{ name: 'A', dv: 'A', fields: [{ ...ownerFl, type: 'Pick List', values: ['-None-'] }] }] };
    expect(renderLegacyJson('/u', one)).toBe(
      '{"Leads":{"section":{"dv":"A","name":"A","FL":{"val":"-None-","dv":"Lead Owner","maxlength":"120","isreadonly":"false","label":"Lead Owner","type":"Pick List","req":"false","customfield":"false"}}}}\n',
    );
  });
});

describe('Info/getModules (§9)', () => {
  const result: LegacyResult = {
    kind: 'modules',
    modules: [
      { id: '1418626000000002175', pl: 'Accounts', sl: 'Account', gt: '1', name: 'Accounts' },
      { id: '1418626000000002177', pl: 'Registrations', sl: 'Customers', gt: '4', name: 'CustomModule1' },
    ],
  };
  it('XML: row attributes no id pl sl gt, text = v1 module name', () => {
    expect(renderLegacyXml('/crm/private/xml/Info/getModules', result)).toBe(
      `${DECL}<response uri="/crm/private/xml/Info/getModules"><result><row no="1" id="1418626000000002175" pl="Accounts" sl="Account" gt="1">Accounts</row><row no="2" id="1418626000000002177" pl="Registrations" sl="Customers" gt="4">CustomModule1</row></result></response>\n`,
    );
  });
  it('JSON: response.result.row[] with content, sl, id, no, pl, gt', () => {
    expect(renderLegacyJson('/crm/private/json/Info/getModules', result)).toBe(
      '{"response":{"result":{"row":[{"content":"Accounts","sl":"Account","id":"1418626000000002175","no":"1","pl":"Accounts","gt":"1"},{"content":"CustomModule1","sl":"Customers","id":"1418626000000002177","no":"2","pl":"Registrations","gt":"4"}]},"uri":"/crm/private/json/Info/getModules"}}\n',
    );
  });
});

describe('Users/getUsers (§10): no <response> wrapper', () => {
  const owner: V1User = {
    id: '1465372000000083003', email: 'owner@example.com', role: 'CEO', profile: 'Administrator', status: 'active', confirm: 'true',
    zuid: '50755502', timezone: 'PST8PDT', language: 'en_US', mobile: 'null', phone: 'null', fax: 'null', website: 'null',
    street: 'null', city: 'null', state: 'null', zip: 'null', country: 'null', name: 'Owner Name',
  };
  it('JSON one user: the observed key order exactly', () => {
    expect(renderLegacyJson('/crm/private/json/Users/getUsers', { kind: 'users', users: [owner] })).toBe(
      '{"users":{"user":{"zip":"null","phone":"null","fax":"null","status":"active","website":"null","street":"null","state":"null","city":"null","country":"null","content":"Owner Name","id":"1465372000000083003","timezone":"PST8PDT","zuid":"50755502","email":"owner@example.com","role":"CEO","language":"en_US","confirm":"true","profile":"Administrator","mobile":"null"}}}\n',
    );
  });
  it('JSON several users → array', () => {
    const body = renderLegacyJson('/u', { kind: 'users', users: [owner, { ...owner, id: '2', name: 'Second' }] });
    expect(body.startsWith('{"users":{"user":[{"zip":"null"')).toBe(true);
    expect(body).toContain('"content":"Second","id":"2"');
  });
  it('XML: the documented six attributes first, name as text', () => {
    expect(renderLegacyXml('/crm/private/xml/Users/getUsers', { kind: 'users', users: [owner] })).toBe(
      `${DECL}<users><user id="1465372000000083003" email="owner@example.com" role="CEO" profile="Administrator" status="active" confirm="true" zuid="50755502" timezone="PST8PDT" language="en_US" mobile="null" phone="null" fax="null" website="null" street="null" city="null" state="null" zip="null" country="null">Owner Name</user></users>\n`,
    );
  });
  it('no users → <users><nodata> in both formats', () => {
    expect(renderLegacyXml('/u', { kind: 'users', users: [] })).toBe(
      `${DECL}<users><nodata><code>4422</code><message>There is no data to show</message></nodata></users>\n`,
    );
    expect(renderLegacyJson('/u', { kind: 'users', users: [] })).toBe('{"users":{"nodata":{"message":"There is no data to show","code":"4422"}}}\n');
  });
});

describe('records JSON: the hand-built serialiser equals org.json over the XML tree', () => {
  it('property: any rows, raw/CDATA values (spaces, quotes, controls, empty), products', async () => {
    const fc = (await import('fast-check')).default;
    const { xmlTreeToJson } = await import('../../src/legacy/json.js');
    const { rowNode } = await import('../../src/legacy/read-response.js');
    const value = fc.oneof(fc.string(), fc.constantFrom('', ' x ', 'null', 'a"b\\c</d', '\u0001\u2028'));
    const field = fc.record({ label: fc.string({ minLength: 1 }), value, raw: fc.boolean() });
    const product = fc.record({ no: fc.integer({ min: 1, max: 9 }).map(String), fields: fc.array(field, { minLength: 1, maxLength: 3 }) });
    const anyField = fc.oneof(field, fc.record({ label: fc.constant('Product Details'), value: fc.array(product, { minLength: 1, maxLength: 2 }) }));
    const rows = fc.array(fc.record({ fields: fc.array(anyField, { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(rows, fc.string(), (rs, module) => {
        const expected = `${xmlTreeToJson({ name: 'response', attrs: [['uri', '/u']], children: [{ name: 'result', children: [{ name: module || 'M', children: rs.map(rowNode) }] }] })}\n`;
        expect(renderLegacyJson('/u', { kind: 'records', module: module || 'M', rows: rs })).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
