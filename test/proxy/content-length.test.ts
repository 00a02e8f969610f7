/**
 * Every legacy answer whose body is known goes out with its Content-Length (one write, not chunked): counted in
 * UTF-8 bytes, so non-ASCII values arrive whole. Answer kinds: write success, read rows, nodata, errors (bad
 * authtoken, bad xmlData, unknown method), XML and JSON, GET and POST.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy();
});
afterAll(async () => {
  await t?.close();
});

/** Raw answer: headers and body bytes, as a client that reads to Content-Length sees them. */
function get(path: string, body?: string): Promise<{ headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, t.proxy.url);
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const q = (params: Record<string, string>) => new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', ...params }).toString();
const xml = '<Leads><row no="1"><FL val="Last Name">Müller 日本 €</FL><FL val="Company">Ça va</FL></row></Leads>';

describe('Content-Length on legacy answers', () => {
  const cases: [string, () => [string, string?]][] = [
    ['insert (XML, POST)', () => ['/crm/private/xml/Leads/insertRecords', q({ xmlData: xml })]],
    ['insert (JSON, POST)', () => ['/crm/private/json/Leads/insertRecords', q({ xmlData: xml })]],
    ['getRecords with non-ASCII rows (XML, GET)', () => [`/crm/private/xml/Leads/getRecords?${q({ fromIndex: '1', toIndex: '5' })}`]],
    ['getRecords with non-ASCII rows (JSON, GET)', () => [`/crm/private/json/Leads/getRecords?${q({ fromIndex: '1', toIndex: '5' })}`]],
    ['nodata', () => [`/crm/private/xml/Leads/searchRecords?${q({ criteria: '(Last Name:nobody-here)' })}`]],
    ['bad authtoken', () => [`/crm/private/xml/Leads/getRecords?authtoken=bad&scope=crmapi`]],
    ['bad xmlData', () => ['/crm/private/xml/Leads/insertRecords', q({ xmlData: '<Leads><row' })]],
    ['unknown method', () => [`/crm/private/json/Leads/frobnicate?${q({})}`]],
  ];
  it.each(cases)('%s', async (_name, make) => {
    const [path, body] = make();
    const { headers, bytes } = await get(path, body);
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(Number(headers['content-length'])).toBe(bytes.length);
    expect(bytes.length).toBeGreaterThan(0);
    // The body decodes whole (no cut multi-byte character at the end).
    expect(bytes.toString('utf8').endsWith('\n')).toBe(true);
  });

  it('a non-ASCII value read back keeps every byte', async () => {
    await get('/crm/private/xml/Leads/insertRecords', q({ xmlData: xml }));
    const { headers, bytes } = await get(`/crm/private/xml/Leads/searchRecords?${q({ criteria: '(Company:Ça va)' })}`);
    expect(Number(headers['content-length'])).toBe(bytes.length);
    expect(bytes.toString('utf8')).toContain('Müller 日本 €');
  });
});
