/**
 * Every seed payload of samples/payloads, sent through the proxy to the sandbox over real sockets. The
 * records the seeds reference by id (contacts, accounts, products, owners …) are put into the sandbox first,
 * so each call must succeed — except the ones the table below expects to fail, for the reason it gives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formDecode } from '../../src/legacy/request.js';
import { parseXmlData } from '../../src/legacy/xmldata.js';
import { Schema } from '../../src/mapping/index.js';
import { samplesDir } from '../../src/paths.js';
import { code, fixtureMetadataDir, form, ids, seedRecord, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

interface PayloadEntry {
  file: string;
  module: string;
  method: string;
  params: Record<string, string>;
  urlEncoded?: boolean;
}

const index = JSON.parse(readFileSync(join(samplesDir, 'payloads', 'index.json'), 'utf8')) as { payloads: PayloadEntry[] };

/** Calls whose legacy answer is an error by design, and the code they must get. */
const EXPECTED_ERRORS: Record<string, { code: string; why: string }> = {
  '001-leads-duplicate-check-v4.xml': { code: '4832', why: 'the seed e-mails ("automation@crm.com 1") are not e-mail addresses: v2 rejects them' },
  '004-leads-duplicate-check-v4.xml': { code: '4832', why: 'the seed e-mails ("automation@crm.com 1") are not e-mail addresses: v2 rejects them' },
  '003-leads-update-v4-multi.xml': { code: '4832', why: 'the seed e-mails ("automation@crm.com 1") are not e-mail addresses: v2 rejects them' },
};

/** Which module an id pseudo-field points at, per label. */
const ID_TARGETS: Record<string, string> = {
  CONTACTID: 'Contacts',
  WHOID: 'Contacts',
  ACCOUNTID: 'Accounts',
  VENDORID: 'Vendors',
  'Product Id': 'Products',
  entityId: 'Leads',
};

const OWNER_IDS = ['2000000016714', '2000000018005', '269840000000034003', '508020000000210005'];

let t: TestProxy;
const schema = Schema.bundled();

function xmlOf(entry: PayloadEntry): string {
  const raw = readFileSync(join(samplesDir, 'payloads', entry.file), 'utf8');
  return entry.urlEncoded ? formDecode(raw) : raw;
}

/** Seed every record a payload references, so that v2 lookups point at real records. */
function seedReferences(entry: PayloadEntry): void {
  const parsed = parseXmlData(xmlOf(entry));
  const callModule = schema.resolveModule(entry.module)!.apiName;
  if (entry.params.id) seedRecord(t.sandbox, callModule, entry.params.id, { Subject: 'seeded', Last_Name: 'Seeded' });
  for (const row of parsed.rows) {
    const fields = new Map(row.fields.map((f) => [f.label, f.value]));
    for (const f of row.fields) {
      if (typeof f.value === 'string') {
        const target = ID_TARGETS[f.label];
        if (target) seedRecord(t.sandbox, target, f.value.trim(), { Last_Name: 'Seeded', Product_Name: 'Seeded' });
        if (f.label === 'SEID') {
          const semodule = schema.resolveModule(String(fields.get('SEMODULE') ?? ''))?.apiName;
          if (semodule) seedRecord(t.sandbox, semodule, f.value.trim(), { Last_Name: 'Seeded', Subject: 'Seeded' });
        }
        if (f.label === 'Id' && entry.method === 'updateRecords') seedRecord(t.sandbox, callModule, f.value.trim(), { Last_Name: 'Seeded' });
      } else {
        for (const product of f.value) {
          for (const pf of product.fields) {
            if (pf.label === 'Product Id' && typeof pf.value === 'string') seedRecord(t.sandbox, 'Products', pf.value.trim(), { Product_Name: 'Seeded' });
          }
        }
      }
    }
  }
}

beforeAll(async () => {
  const metadataDir = fixtureMetadataDir(
    OWNER_IDS.map((id, i) => ({ id, full_name: `Seed Owner ${i + 1}`, email: i === 0 ? 'scott@zohotest.com' : `owner${i}@zohotest.com` })),
  );
  t = await startTestProxy({ sandbox: { metadataDir } });
});
afterAll(async () => {
  await t?.close();
});

describe('every seed payload through proxy → sandbox', () => {
  for (const entry of index.payloads) {
    it(`${entry.file} (${entry.module}/${entry.method})`, async () => {
      seedReferences(entry);
      const params = { authtoken: TOKEN, scope: 'crmapi', ...entry.params, xmlData: xmlOf(entry) };
      const res = await t.http
        .post(`/crm/private/xml/${entry.module}/${entry.method}`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(form(params));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/xml;charset=utf-8');
      const body = res.text;
      expect(body.startsWith('<?xml version="1.0" encoding="UTF-8" ?>\n<response uri="')).toBe(true);
      const expected = EXPECTED_ERRORS[entry.file];
      if (expected) {
        expect(code(body), expected.why).toBe(expected.code);
        return;
      }
      expect(body, body).not.toContain('<error>');
      if (entry.params.version === '4') {
        expect(body).toMatch(/<row no="[^"]+"><success><code>200[012]<\/code>/);
      } else {
        expect(body).toMatch(/<message>Record\(s\) (added|updated) successfully<\/message>/);
      }
      for (const id of ids(body)) expect(id).toMatch(entry.method === 'updateRecords' ? /^\d+$/ : /^\d{19}$/);
    });
  }
});

describe('what landed in the sandbox', () => {
  it('has api_names and typed values, ids as strings', async () => {
    const leads = t.sandbox.state.records('Leads');
    const peter = leads.find((r) => r.values.First_Name === 'Peter' || r.values.Email === 'peter@zohotest.com') ?? leads.find((r) => typeof r.values.Annual_Revenue === 'number');
    expect(peter, JSON.stringify(leads.map((l) => l.values)).slice(0, 500)).toBeDefined();
    for (const key of Object.keys(peter!.values)) expect(key).toMatch(/^[A-Za-z$][A-Za-z0-9_]*$/);
    const quotes = t.sandbox.state.records('Quotes');
    const withItems = quotes.find((q) => Array.isArray(q.values.Product_Details));
    expect(withItems).toBeDefined();
    const item = (withItems!.values.Product_Details as Record<string, unknown>[])[0];
    expect(typeof item.quantity).toBe('number');
    expect(item.product).toMatchObject({ id: expect.stringMatching(/^\d+$/) });
    const tasks = t.sandbox.state.records('Tasks');
    const linked = tasks.find((task) => task.values.What_Id !== undefined);
    expect(linked?.values.$se_module).toBeDefined();
  });
});
