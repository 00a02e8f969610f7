/** Each legacy request shape, end to end over real sockets, plus the v1 JSON format. */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, ids, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy();
});
afterAll(async () => {
  await t?.close();
});

const lead = (last: string, extra = '') =>
  `<Leads><row no="1"><FL val="Last Name">${last}</FL><FL val="Company">Acme</FL>${extra}</row></Leads>`;

function landed(lastName: string) {
  return t.sandbox.state.records('Leads').filter((r) => r.values.Last_Name === lastName);
}

describe('request shapes', () => {
  it('GET with everything in the query string', async () => {
    const res = await t.http.get('/crm/private/xml/Leads/insertRecords').query({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('QueryGet') });
    expect(res.text).toContain('Record(s) added successfully');
    expect(landed('QueryGet')).toHaveLength(1);
  });

  it('POST with every parameter in the query string and an empty body', async () => {
    const qs = new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('QueryPost') }).toString();
    const res = await t.http.post(`/crm/private/xml/Leads/insertRecords?${qs}`).set('Content-Length', '0');
    expect(res.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(landed('QueryPost')).toHaveLength(1);
  });

  it('form-urlencoded POST', async () => {
    const res = await t.http
      .post('/crm/private/xml/Leads/insertRecords')
      .type('form')
      .send(form({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('FormPost') }));
    expect(res.text).toContain('<FL val="Id">');
    expect(landed('FormPost')).toHaveLength(1);
  });

  it('raw unencoded body with no Content-Type (PHP CURLOPT_POSTFIELDS), & inside the XML', async () => {
    const body = `authtoken=${TOKEN}&scope=crmapi&xmlData=${lead('Raw &amp; Body', '<FL val="Description">a &amp; b</FL>')}`;
    const res = await t.http.post('/crm/private/xml/Leads/insertRecords').set('Content-Type', '').send(Buffer.from(body));
    expect(res.text).toContain('Record(s) added successfully');
    const [rec] = landed('Raw & Body');
    expect(rec?.values.Description).toBe('a & b');
  });

  it('multipart/form-data', async () => {
    const res = await t.http
      .post('/crm/private/xml/Leads/insertRecords')
      .field('authtoken', TOKEN)
      .field('scope', 'crmapi')
      .field('xmlData', lead('Multipart'));
    expect(res.text).toContain('Record(s) added successfully');
    expect(landed('Multipart')).toHaveLength(1);
  });

  it('XML body (Guzzle style) with the parameters in the query string', async () => {
    const res = await t.http
      .post(`/crm/private/xml/Leads/insertRecords?authtoken=${TOKEN}&scope=crmapi`)
      .set('Content-Type', 'application/xml')
      .send(lead('XmlBody'));
    expect(res.text).toContain('Record(s) added successfully');
    expect(landed('XmlBody')).toHaveLength(1);
  });

  it('query string wins over the body for a repeated parameter', async () => {
    const res = await t.http
      .post(`/crm/private/xml/Leads/insertRecords?authtoken=${TOKEN}&scope=crmapi&xmlData=${encodeURIComponent(lead('FromQuery'))}`)
      .type('form')
      .send(form({ authtoken: 'wrong-token', xmlData: lead('FromBody') }));
    expect(res.text).toContain('Record(s) added successfully');
    expect(landed('FromQuery')).toHaveLength(1);
    expect(landed('FromBody')).toHaveLength(0);
  });

  it('lower-case parameter names, a stray ?? and %26 decoded once', async () => {
    const xml = encodeURIComponent(lead('Amp', '<FL val="Description"><![CDATA["A %26 A"]]></FL>')).replace(/%2526/g, '%26');
    const res = await t.http.get(`/crm/private/xml/Leads/insertRecords?AUTHTOKEN=${TOKEN}&Scope=crmapi&&??newformat=1&xmldata=${xml}`);
    expect(res.text).toContain('Record(s) added successfully');
    expect(landed('Amp')[0]?.values.Description).toBe('"A & A"');
  });

  it('JSON params body with no Content-Type and a Content-Length counted in UTF-16 units (zohorde)', async () => {
    // The client writes JSON.stringify(params) and counts characters, not bytes: "é" is 2 bytes but 1 unit.
    const xml = lead('Zoë JSON');
    const json = JSON.stringify({ authtoken: TOKEN, scope: 'crmapi', wfTrigger: 'false', xmlData: xml });
    const query = new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', wfTrigger: 'false', xmlData: xml }).toString();
    const { port } = t.proxy;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `GET /crm/private/json/Leads/insertRecords?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${json.length}\r\n\r\n`,
        );
        socket.write(Buffer.from(json, 'utf8'));
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('utf8')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => socket.end(), 3000).unref();
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(raw).toContain('application/jsonp;charset=utf-8');
    expect(raw).toContain('"message":"Record(s) added successfully"');
    expect(landed('Zoë JSON')).toHaveLength(1);
  });

  it('unknown paths and formats still answer legacy XML with HTTP 200', async () => {
    const res = await t.http.get('/crm/private/xml/Leads');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<code>4600</code>');
    // An unknown format segment is a malformed path: the path error in XML, nothing written (finding 7).
    const other = await t.http.get('/crm/private/csv/Leads/insertRecords').query({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('CsvFormat') });
    expect(other.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(other.text).toContain('<code>4600</code>');
    expect(landed('CsvFormat')).toHaveLength(0);
  });
});

describe('v1 JSON format', () => {
  it('renders the mechanical conversion with jsonp content type', async () => {
    const res = await t.http.get('/crm/private/json/Leads/insertRecords').query({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('JsonFormat') });
    expect(res.headers['content-type']).toBe('application/jsonp;charset=utf-8');
    expect(res.text.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(res.text) as { response: { result: { message: string; recorddetail: { FL: { content: string; val: string }[] } }; uri: string } };
    expect(Object.keys(doc.response)).toEqual(['result', 'uri']);
    expect(doc.response.uri).toBe('/crm/private/json/Leads/insertRecords');
    expect(doc.response.result.recorddetail.FL.map((f) => f.val)).toEqual(['Id', 'Created Time', 'Modified Time', 'Created By', 'Modified By']);
    expect(doc.response.result.recorddetail.FL[0].content).toMatch(/^\d{19}$/);
    expect(Object.keys(doc.response.result.recorddetail.FL[0])).toEqual(['content', 'val']);
  });

  it('errors in JSON keep message before code', async () => {
    const res = await t.http.get('/crm/private/json/Leads/insertRecords').query({ authtoken: 'nope', scope: 'crmapi', xmlData: lead('x') });
    expect(res.text).toBe('{"response":{"error":{"message":"Invalid Ticket Id","code":"4834"},"uri":"/crm/private/json/Leads/insertRecords"}}\n');
  });
});

describe('the proxy keeps serving', () => {
  it('answers many concurrent calls on keep-alive sockets', async () => {
    const agentReq = (i: number) =>
      new Promise<string>((resolve, reject) => {
        const body = form({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead(`Concurrent ${i}`) });
        const req = httpRequest(
          { host: '127.0.0.1', port: t.proxy.port, method: 'POST', path: '/crm/private/xml/Leads/insertRecords', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } },
          (res) => {
            let data = '';
            res.on('data', (c) => (data += c));
            res.on('end', () => resolve(data));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => agentReq(i)));
    for (const a of answers) expect(ids(a)).toHaveLength(1);
    expect(new Set(answers.map((a) => ids(a)[0])).size).toBe(40);
  });
});

// Newcomer finding 7: every malformed path kind answers the path/method error (the generic 4600 "proper method
// name"), never a parameter's 4600 — whatever parameters came with it (xmlData absent, present, broken), and
// nothing is written.
describe('malformed paths answer the path error before any parameter check', () => {
  const GENERIC = 'proper method name,parameter and parameter values';
  const paths = [
    ['unknown format segment', '/crm/private/yaml/Leads/insertRecords', 'xml'],
    ['empty-looking format segment', '/crm/private/x/Leads/insertRecords', 'xml'],
    ['unknown module', '/crm/private/xml/Foo/insertRecords', 'xml'],
    ['wrong-case module', '/crm/private/xml/leads/insertRecords', 'xml'],
    ['unknown method', '/crm/private/xml/Leads/insertRecordz', 'xml'],
    ['wrong-case method', '/crm/private/json/Leads/InsertRecords', 'json'],
    ['extra segment', '/crm/private/xml/Leads/insertRecords/more', 'xml'],
    ['missing method', '/crm/private/xml/Leads', 'xml'],
    ['wrong prefix case', '/crm/Private/xml/Leads/insertRecords', 'xml'],
    ['empty module', '/crm/private/xml//insertRecords', 'xml'],
  ] as const;
  const params = [
    ['no xmlData', {}],
    ['a valid xmlData', { xmlData: lead('PathCheck') }],
    ['a broken xmlData', { xmlData: '<Leads><row' }],
  ] as const;
  const cases = paths.flatMap(([kind, path, format]) => params.map(([what, extra]) => [kind, what, path, format, extra] as const));

  it.each(cases)('%s with %s → the generic 4600', async (_kind, _what, path, format, extra) => {
    const res = await t.http
      .post(path)
      .type('form')
      .send(form({ authtoken: TOKEN, scope: 'crmapi', ...extra }));
    expect(res.status).toBe(200);
    expect(res.text).toContain(GENERIC);
    expect(res.text).not.toContain('"xmlData"');
    expect(res.headers['content-type']).toContain(format === 'json' ? 'json' : 'xml');
    expect(landed('PathCheck')).toHaveLength(0);
  });

  it('the format segment is matched in any case: JSON answers JSON, XML answers XML', async () => {
    const json = await t.http.post('/crm/private/JSON/Leads/insertRecords').type('form').send(form({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('FormatCase') }));
    expect(json.text).toMatch(/^\{"response":/);
    const xml = await t.http.post('/crm/private/XML/Leads/insertRecords').type('form').send(form({ authtoken: TOKEN, scope: 'crmapi', xmlData: lead('FormatCase') }));
    expect(xml.text).toContain('Record(s) added successfully');
    expect(landed('FormatCase')).toHaveLength(2);
  });
});
