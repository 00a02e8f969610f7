/**
 * Breaker finding 3, as a kind: the access line's `rows` is the number of rows the call answered, the number the
 * journal holds — a read's records (`read.rows`), a write's row results (`rows`) — for every read and write
 * method; action answers (deletes, files, conversions) have no rows (0 in both).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalOutcomeEntry } from '../../src/journal/types.js';
import { ids, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
const lines: Record<string, unknown>[] = [];
const leadIds: string[] = [];

const lead = (n: number) => `<row no="${n}"><FL val="Last Name">Rows${n}</FL><FL val="Company">RowsCo</FL></row>`;

async function call(path: string, params: Record<string, string>): Promise<{ access: Record<string, unknown>; outcome: JournalOutcomeEntry; text: string }> {
  const res = await fetch(`${t.proxy.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', ...params }).toString(),
  });
  const text = await res.text();
  const reqId = res.headers.get('x-request-id');
  await new Promise((r) => setImmediate(r));
  const access = lines.find((l) => l.msg === 'access' && l.reqId === reqId)!;
  const outcome = t.outcomes().find((o) => o.id === reqId)!;
  expect(access, path).toBeDefined();
  expect(outcome, path).toBeDefined();
  return { access, outcome, text };
}

beforeAll(async () => {
  const sink = new Writable({ write: (c, _e, done) => (String(c).split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))), done()) });
  t = await startTestProxy({}, { logDestination: sink, logLevel: 'info' });
  for (let n = 1; n <= 3; n += 1) {
    const res = await fetch(`${t.proxy.url}/crm/private/xml/Leads/insertRecords`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: `<Leads>${lead(n)}</Leads>` }).toString(),
    });
    leadIds.push(...ids(await res.text()));
  }
});

afterAll(async () => {
  await t?.close();
});

describe('access line rows = the journal rows (finding 3)', () => {
  const cases: [string, string, () => Record<string, string>, number][] = [
    ['insertRecords, one row', '/crm/private/xml/Leads/insertRecords', () => ({ xmlData: `<Leads>${lead(7)}</Leads>` }), 1],
    ['insertRecords version=4, two rows', '/crm/private/xml/Leads/insertRecords', () => ({ version: '4', xmlData: `<Leads>${lead(8)}${lead(9)}</Leads>` }), 2],
    ['updateRecords', '/crm/private/json/Leads/updateRecords', () => ({ id: leadIds[0], xmlData: '<Leads><row no="1"><FL val="Company">RowsCo2</FL></row></Leads>' }), 1],
    ['getRecords toIndex=2', '/crm/private/xml/Leads/getRecords', () => ({ toIndex: '2' }), 2],
    ['getRecords (JSON) toIndex=3', '/crm/private/json/Leads/getRecords', () => ({ toIndex: '3' }), 3],
    ['getRecords of an empty module (nodata)', '/crm/private/xml/Campaigns/getRecords', () => ({}), 0],
    ['getRecordById', '/crm/private/xml/Leads/getRecordById', () => ({ id: leadIds[1] }), 1],
    ['getRecordById with idlist', '/crm/private/xml/Leads/getRecordById', () => ({ idlist: `${leadIds[0]};${leadIds[2]}` }), 2],
    ['searchRecords', '/crm/private/xml/Leads/searchRecords', () => ({ criteria: '(Last Name:Rows1)' }), 1],
    ['getSearchRecordsByPDC', '/crm/private/xml/Leads/getSearchRecordsByPDC', () => ({ searchColumn: 'leadid', searchValue: leadIds[2] }), 1],
    ['getMyRecords toIndex=2', '/crm/private/xml/Leads/getMyRecords', () => ({ toIndex: '2' }), 2],
    ['deleteRecords (an action: no rows)', '/crm/private/xml/Leads/deleteRecords', () => ({ id: leadIds[2] }), 0],
  ];

  it.each(cases)('%s', async (_name, path, params, expected) => {
    const { access, outcome, text } = await call(path, params());
    expect(text, text).not.toMatch(/<error>|"error"/);
    expect(access.rows).toBe(expected);
    expect(access.rows).toBe(outcome.read ? outcome.read.rows : outcome.rows.length);
  });

  it('getUsers: as many rows as users answered, the journal count', async () => {
    const { access, outcome } = await call('/crm/private/xml/Users/getUsers', { type: 'AllUsers' });
    expect(outcome.read?.rows).toBeGreaterThan(0);
    expect(access.rows).toBe(outcome.read?.rows);
  });
});
