import { describe, expect, it } from 'vitest';
import { LegacyRequestError } from '../../src/errors.js';
import { legacyErrors } from '../../src/legacy/errors.js';
import { formDecode, parseFormPairs } from '../../src/legacy/form.js';
import { parseJsonParams } from '../../src/legacy/json-params.js';
import { parseLegacyRequest, parseLegacyUrlLine, type RawHttpRequest } from '../../src/legacy/request.js';
import { parseXmlData } from '../../src/legacy/xmldata.js';
import { legacyErrorOf } from '../../src/mapping/results.js';

const PATH = '/crm/private/xml/Leads/insertRecords';
const XML = '<Leads><row no="1"><FL val="Last Name">Smith</FL><FL val="Account Name"><![CDATA["A & A"]]></FL></row></Leads>';

function req(partial: Partial<Omit<RawHttpRequest, 'body'>> & { body?: Buffer | string }): RawHttpRequest {
  const body = partial.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(partial.body) ? partial.body : Buffer.from(partial.body, 'utf8');
  return { method: partial.method ?? 'POST', url: partial.url ?? PATH, headers: partial.headers ?? {}, body };
}

function multipart(boundary: string, fields: [string, string][], file?: [string, string]): Buffer {
  let text = 'preamble\r\n';
  for (const [name, value] of fields) text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  if (file) text += `--${boundary}\r\nContent-Disposition: form-data; name="${file[0]}"; filename="a.xml"\r\nContent-Type: text/xml\r\n\r\n${file[1]}\r\n`;
  return Buffer.from(`${text}--${boundary}--\r\n`, 'utf8');
}

describe('parseLegacyRequest: request shapes', () => {
  const enc = encodeURIComponent;
  it.each<[string, RawHttpRequest, Record<string, string>]>([
    [
      'GET with everything in the query string',
      req({ method: 'GET', url: `${PATH}?authtoken=tok&scope=crmapi&newFormat=1&xmlData=${enc(XML)}` }),
      { authtoken: 'tok', scope: 'crmapi', newformat: '1', xmldata: XML },
    ],
    [
      'POST with the query string and an empty body',
      req({ url: `${PATH}?authtoken=tok&scope=crmapi&xmlData=${enc(XML)}`, headers: { 'content-length': '0' } }),
      { authtoken: 'tok', scope: 'crmapi', xmldata: XML },
    ],
    [
      'form-urlencoded POST',
      req({ headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: `authtoken=tok&scope=crmapi&wfTrigger=true&xmlData=${enc(XML)}` }),
      { authtoken: 'tok', scope: 'crmapi', wftrigger: 'true', xmldata: XML },
    ],
    [
      'raw unencoded body without Content-Type (+ is a space)',
      req({ body: 'authtoken=tok&scope=crmapi&xmlData=<Leads><row+no="1"><FL+val="Last+Name">Smith</FL></row></Leads>' }),
      { authtoken: 'tok', scope: 'crmapi', xmldata: '<Leads><row no="1"><FL val="Last Name">Smith</FL></row></Leads>' },
    ],
    [
      'raw body with a raw & inside the XML, params after it',
      req({ headers: { 'content-type': 'text/plain' }, body: `authtoken=tok&xmlData=${XML}&scope=crmapi&wfTrigger=false` }),
      { authtoken: 'tok', xmldata: XML, scope: 'crmapi', wftrigger: 'false' },
    ],
    [
      'raw body with a raw & inside the XML, xmlData last and a prolog',
      req({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `scope=crmapi&xmlData=<?xml version="1.0"?>\n<leads><row no="1"><FL val="A">x & y</FL></row></leads>` }),
      { scope: 'crmapi', xmldata: '<?xml version="1.0"?>\n<leads><row no="1"><FL val="A">x & y</FL></row></leads>' },
    ],
    [
      'raw body with a stray % kept literally',
      req({ body: 'authtoken=tok&xmlData=<Leads><row no="1"><FL val="Discount">10%</FL><FL val="B">50%25 %zz</FL></row></Leads>' }),
      { authtoken: 'tok', xmldata: '<Leads><row no="1"><FL val="Discount">10%</FL><FL val="B">50% %zz</FL></row></Leads>' },
    ],
    [
      'multipart/form-data (file parts ignored)',
      req({ headers: { 'content-type': 'multipart/form-data; boundary=----XyZ' }, body: multipart('----XyZ', [['authtoken', 'tok'], ['scope', 'crmapi'], ['xmlData', XML], ['note', 'a+b%26c']], ['xmlData2', '<x/>']) }),
      { authtoken: 'tok', scope: 'crmapi', xmldata: XML, note: 'a+b%26c' },
    ],
    [
      'JSON body without Content-Type',
      req({ body: JSON.stringify({ authtoken: 'tok', scope: 'crmapi', wfTrigger: false, version: 4, xmlData: XML }) }),
      { authtoken: 'tok', scope: 'crmapi', wftrigger: 'false', version: '4', xmldata: XML },
    ],
    [
      'JSON body cut short by a UTF-16 Content-Length, params in the query string',
      req({ url: `${PATH}?authtoken=tok&scope=crmapi&id=123&xmlData=${enc('<Leads><row no="1"><FL val="A">中文</FL></row></Leads>')}`, body: Buffer.from(JSON.stringify({ authtoken: 'tok', scope: 'crmapi', wfTrigger: 'false', xmlData: '<Leads><row no="1"><FL val="A">中文</FL></row></Leads>' }), 'utf8').subarray(0, 90) }),
      { authtoken: 'tok', scope: 'crmapi', id: '123', xmldata: '<Leads><row no="1"><FL val="A">中文</FL></row></Leads>', wftrigger: 'false' },
    ],
    [
      'XML body (text/xml) with the params in the query string',
      req({ url: `${PATH}?authtoken=tok&scope=crmapi`, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: XML }),
      { authtoken: 'tok', scope: 'crmapi', xmldata: XML },
    ],
    [
      'XML body ignored when an xmlData parameter exists',
      req({ url: `${PATH}?xmlData=${enc('<A><row/></A>')}`, headers: { 'content-type': 'application/xml' }, body: XML }),
      { xmldata: '<A><row/></A>' },
    ],
    [
      '?? before a parameter name is honoured',
      req({ method: 'GET', url: `${PATH}??duplicateCheck=1&authtoken=tok&scope=crmapi&??version=4` }),
      { authtoken: 'tok', duplicatecheck: '1', scope: 'crmapi', version: '4' },
    ],
    [
      'empty keys and empty pieces tolerated',
      req({ method: 'GET', url: `${PATH}?&&=x&authtoken=tok&&flag&scope=` }),
      { authtoken: 'tok', flag: '', scope: '' },
    ],
    [
      'names are case-insensitive and stored lower-cased',
      req({ method: 'GET', url: `${PATH}?AUTHTOKEN=tok&newformat=1&DuplicateCheck=2&XMLDATA=${enc(XML)}` }),
      { authtoken: 'tok', newformat: '1', duplicatecheck: '2', xmldata: XML },
    ],
    [
      '%26 in a GET query is & after one decoding pass, never two',
      req({ method: 'GET', url: `${PATH}?xmlData=<Contacts><row no="1"><FL val="Account Name"> <![CDATA["A %26 A"]]> </FL><FL val="B">%2526</FL></row></Contacts>` }),
      { xmldata: '<Contacts><row no="1"><FL val="Account Name"> <![CDATA["A & A"]]> </FL><FL val="B">%26</FL></row></Contacts>' },
    ],
    [
      'ticket and apikey kept when there is no authtoken',
      req({ method: 'GET', url: `${PATH}?ticket=t1&apikey=k1&scope=crmapi` }),
      { ticket: 't1', apikey: 'k1', scope: 'crmapi' },
    ],
    [
      'absolute URL with scheme and host',
      req({ method: 'GET', url: `https://crm.zoho.eu${PATH}?scope=crmapi` }),
      { scope: 'crmapi' },
    ],
  ])('%s', (_name, request, params) => {
    const call = parseLegacyRequest(request);
    expect(call.params).toEqual(params);
    expect(call.path).toBe(PATH);
    expect(call.module).toBe('Leads');
    expect(call.method).toBe('insertRecords');
    expect(call.format).toBe('xml');
    expect(call.xmlData).toBe(params.xmldata);
    expect(call.authtoken).toBe(params.authtoken);
  });

  it('the query string wins over the body on a repeated name', () => {
    const call = parseLegacyRequest(
      req({ url: `${PATH}?authtoken=fromQuery&Scope=crmapi`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'authtoken=fromBody&scope=other&wfTrigger=true' }),
    );
    expect(call.params).toEqual({ authtoken: 'fromQuery', scope: 'crmapi', wftrigger: 'true' });
    expect(call.authtoken).toBe('fromQuery');
    const json = parseLegacyRequest(req({ url: `${PATH}?version=4`, body: '{"version":"1","id":"9"}' }));
    expect(json.params).toEqual({ version: '4', id: '9' });
  });
  it('within one source the first occurrence wins', () => {
    expect(parseLegacyRequest(req({ url: `${PATH}?id=1&ID=2` })).params).toEqual({ id: '1' });
  });
  it('?? can be turned off (servlet behaviour)', () => {
    const call = parseLegacyRequest(req({ url: `${PATH}??duplicateCheck=1&authtoken=tok` }), { honourDoubleQuestionMark: false });
    expect(call.params.duplicatecheck).toBeUndefined();
    expect(call.params).toEqual({ authtoken: 'tok', '?duplicatecheck': '1' });
  });
  it('never fails on an unreadable body when the query string carries the params', () => {
    for (const body of ['{"authtoken":"to', '{', '{]', Buffer.from([0xff, 0xfe, 0x7b, 0x22])]) {
      const call = parseLegacyRequest(req({ url: `${PATH}?authtoken=tok&scope=crmapi`, body }));
      expect(call.params).toMatchObject({ authtoken: 'tok', scope: 'crmapi' });
      expect(call.xmlData).toBeUndefined();
    }
  });
  it('decodes the xmlData of a GET CDATA example to the POST value', () => {
    const call = parseLegacyRequest(req({ method: 'GET', url: `${PATH}?xmlData=${'<Contacts><row no="1"><FL val="Account Name"> <![CDATA["A %26 A"]]> </FL></row></Contacts>'.replace(/ /g, '%20')}` }));
    expect(parseXmlData(call.xmlData).rows[0].fields[0].value).toBe('"A & A"');
  });
  it.each([
    ['/crm/private/json/Leads/insertRecords', 'json'],
    ['/crm/private/xml/Leads/insertRecords', 'xml'],
    ['/crm/private/XML/Leads/insertRecords', 'xml'],
    ['/crm/private/JSON/Leads/insertRecords', 'json'],
  ])('format of %s is %s', (path, format) => {
    expect(parseLegacyRequest(req({ url: path })).format).toBe(format);
  });
  // v1 had no other format endpoint: a malformed path (the path error), before any parameter is read.
  it.each(['csv', 'yaml', 'xmlx', 'js'])('format segment %s is a bad path', (fmt) => {
    expect(() => parseLegacyRequest(req({ url: `/crm/private/${fmt}/Leads/insertRecords` }))).toThrow(expect.objectContaining({ reason: 'bad-path' }));
  });
  it('keeps module and method case as sent (case checks are the proxy\'s)', () => {
    const call = parseLegacyRequest(req({ url: '/crm/private/xml/leads/InsertRecords?x=1' }));
    expect([call.module, call.method, call.path]).toEqual(['leads', 'InsertRecords', '/crm/private/xml/leads/InsertRecords']);
  });
  it.each([
    '/',
    '/crm/private/xml/Leads',
    '/crm/private/xml/Leads/insertRecords/extra',
    '/crm/private/xml//insertRecords',
    '/crm/public/xml/Leads/insertRecords',
    '/crm/v2/Leads',
  ])('rejects the path %s with the generic 4600', (path) => {
    let thrown: unknown;
    try {
      parseLegacyRequest(req({ url: `${path}?authtoken=secret-token` }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LegacyRequestError);
    expect(legacyErrorOf(thrown)).toEqual(legacyErrors.generic());
    expect((thrown as Error).message).not.toContain('secret-token');
  });
});

describe('parseLegacyUrlLine', () => {
  it('reads a full GET URL from a log line', () => {
    const call = parseLegacyUrlLine(`  https://crm.zoho.com/crm/private/json/Contacts/updateRecords?authtoken=t&scope=crmapi&id=42&xmlData=${encodeURIComponent(XML)}\n`);
    expect(call).toMatchObject({ format: 'json', module: 'Contacts', method: 'updateRecords', path: '/crm/private/json/Contacts/updateRecords', xmlData: XML, authtoken: 't' });
    expect(call.params.id).toBe('42');
  });
  it('accepts an access-log request line', () => {
    const call = parseLegacyUrlLine('GET /crm/private/xml/Leads/insertRecords?scope=crmapi HTTP/1.1');
    expect(call.params).toEqual({ scope: 'crmapi' });
  });
  it('throws the generic 4600 for other URLs', () => {
    expect(() => parseLegacyUrlLine('https://www.zohoapis.com/crm/v2/Leads')).toThrow(LegacyRequestError);
  });
});

describe('form and JSON helpers', () => {
  it.each([
    ['a+b', 'a b'],
    ['%E4%B8%AD%F0%9F%98%80', '中😀'],
    ['100%', '100%'],
    ['%zz%2', '%zz%2'],
    ['%26%2526', '&%26'],
  ])('formDecode(%j) = %j', (input, output) => {
    expect(formDecode(input)).toBe(output);
  });
  it('rejects invalid UTF-8 escapes with 4600 naming the parameter, never U+FFFD', () => {
    expect(() => formDecode('%FF', 'utf-8', 'wfTrigger')).toThrow(/wfTrigger/);
  });
  it('splits pairs and repairs a raw xmlData only when the XML was cut', () => {
    expect(parseFormPairs('xmlData=<L><row/></L>&a=1')).toEqual([{ name: 'xmlData', value: '<L><row/></L>' }, { name: 'a', value: '1' }]);
    expect(parseFormPairs('xmlData=<L>a&b</L>&c=2')).toEqual([{ name: 'xmlData', value: '<L>a&b</L>' }, { name: 'c', value: '2' }]);
    expect(parseFormPairs('xmlData=<L/>&c=</L>')).toEqual([{ name: 'xmlData', value: '<L/>' }, { name: 'c', value: '</L>' }]);
    expect(parseFormPairs('xmlData=%3CL%3Ea%26b%3C%2FL%3E&c=2')).toEqual([{ name: 'xmlData', value: '<L>a&b</L>' }, { name: 'c', value: '2' }]);
    // Never closed: cut as a servlet would, and the XML parser rejects it later.
    expect(parseFormPairs('xmlData=<L>a&b')).toEqual([{ name: 'xmlData', value: '<L>a' }, { name: 'b', value: '' }]);
  });
  it('reads flat JSON members and stops cleanly where the body was cut', () => {
    expect(parseJsonParams('{"a":"1","b":2,"c":true,"d":null,"e":{"x":1},"f":[1],"g":"\\u4e2d\\n"}')).toEqual([
      { name: 'a', value: '1' }, { name: 'b', value: '2' }, { name: 'c', value: 'true' }, { name: 'g', value: '中\n' },
    ]);
    expect(parseJsonParams('{"a":"1","b":"tru')).toEqual([{ name: 'a', value: '1' }]);
    expect(parseJsonParams('{"a":"1","n":12')).toEqual([{ name: 'a', value: '1' }]);
    expect(parseJsonParams('[1,2]')).toEqual([]);
    expect(parseJsonParams('')).toEqual([]);
  });
});
