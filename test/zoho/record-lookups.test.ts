/** records.ts beyond the basics: criteria escaping checked by the sandbox's parser, awkward values, failures, resolver memory. */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { parseCriteria } from '../../src/sandbox/search.js';
import type { ZohoClient } from '../../src/zoho/client.js';
import { NoteParentResolver, criteriaEquals, escapeCriteriaValue, fetchRecord, searchRecords } from '../../src/zoho/records.js';
import { clientFor, insertLead, insertRecordId as insertId, requestsOf, sandbox } from './helpers.js';
import { legacyErrorOf } from '../../src/mapping/results.js';

let sb: RunningSandbox | undefined;
let client: ZohoClient | undefined;
afterEach(async () => {
  client?.close();
  await sb?.close();
  sb = client = undefined;
});

const GETS = 'GET /crm/v2/:module/:id';


describe('criteria escaping', () => {
  it('every value comes back unchanged from a criteria parser (one alternative, not split, not cut)', () => {
    // The sandbox trims values, as v2 does; inner text is what must survive.
    const value = fc.string({ unit: fc.constantFrom('a', ' ', '(', ')', ',', '\\', ':', 'é', 'x'), minLength: 1, maxLength: 30 })
      .filter((v) => v.trim() === v && v !== '');
    fc.assert(
      fc.property(value, (v) => {
        expect(parseCriteria(criteriaEquals('Last_Name', v))).toEqual({ kind: 'cond', field: 'Last_Name', operator: 'equals', values: [v] });
      }),
      { numRuns: 300 },
    );
  });

  it('escapes exactly the four special characters', () => {
    expect(escapeCriteriaValue('()\\,')).toBe('\\(\\)\\\\\\,');
    expect(escapeCriteriaValue('a:b "c" ü\'')).toBe('a:b "c" ü\'');
    expect(escapeCriteriaValue('')).toBe('');
  });
});

describe('searchRecords against the sandbox', () => {
  it.each([
    ['a closing parenthesis', 'Smith)', ['Smith', 'Smith) Jr']],
    ['a comma', 'Doe, Jane', ['Doe', 'Jane']],
    ['a backslash', 'C:\\temp', ['C:temp', 'C:\\\\temp']],
    ['an opening parenthesis', '(unknown', ['unknown']],
  ])('finds exactly the record whose name has %s', async (_label, name, decoys) => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    for (const n of [name, ...decoys]) await client.execute(insertLead(n), 'insert');
    const found = await searchRecords(client, 'Leads', { criteria: criteriaEquals('Last_Name', name) });
    expect(found.map((r) => r.Last_Name)).toEqual([name]);
    expect(typeof found[0].id).toBe('string');
  });

  it('word and phone searches; 204 is []', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    await client.execute(insertLead('Wordy', { Phone: '+1 555 0100', Company: 'Zebracorp' }), 'insert');
    expect((await searchRecords(client, 'Leads', { word: 'Zebracorp' })).map((r) => r.Last_Name)).toEqual(['Wordy']);
    expect((await searchRecords(client, 'Leads', { phone: '+1 555 0100' })).map((r) => r.Last_Name)).toEqual(['Wordy']);
    expect(await searchRecords(client, 'Leads', { word: 'Nothing-like-it' })).toEqual([]);
    expect(await searchRecords(client, 'Contacts', { email: 'nobody@example.com' })).toEqual([]);
  });

  it('a malformed criteria or an unknown module is an UpstreamError naming the v2 code', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const unescaped = (await searchRecords(client, 'Leads', { criteria: '(Last_Name:equals:a(b)' }).catch((e: unknown) => e)) as UpstreamError;
    expect(unescaped).toBeInstanceOf(UpstreamError);
    expect(unescaped.status).toBe(400);
    expect(unescaped.v2Code).toBe('INVALID_QUERY');
    const module = (await searchRecords(client, 'No_Such', { word: 'x' }).catch((e: unknown) => e)) as UpstreamError;
    expect(module.v2Code).toBe('INVALID_MODULE');
  });
});

describe('fetchRecord against the sandbox', () => {
  it('an id is a path segment: slashes and dots cannot reach another URL', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    expect(await fetchRecord(client, 'Leads', '../settings/modules')).toBeUndefined();
    expect(requestsOf(sb, 'GET /crm/v2/settings/modules')).toBe(0);
  });

  it('an unknown module throws (400 INVALID_MODULE), a 5xx throws 4500', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url, { maxRetries: 0 }));
    const id = await insertId(client, 'Leads', { Last_Name: 'Known', Company: 'C' });
    const module = (await fetchRecord(client, 'No_Such', id).catch((e: unknown) => e)) as UpstreamError;
    expect(module).toBeInstanceOf(UpstreamError);
    expect(module).toMatchObject({ status: 400, v2Code: 'INVALID_MODULE' });
    sb.state.setFaults({ errorRate: 1 });
    const down = (await fetchRecord(client, 'Leads', id).catch((e: unknown) => e)) as UpstreamError;
    expect(down).toBeInstanceOf(UpstreamError);
    expect(legacyErrorOf(down).code).toBe('4500');
    sb.state.setFaults({});
    expect((await fetchRecord(client, 'Leads', id))?.id).toBe(id);
  });
});

describe('NoteParentResolver', () => {
  it('a failing upstream rejects the probe, and the failure is not remembered', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url, { maxRetries: 0 }));
    const id = await insertId(client, 'Contacts', { Last_Name: 'Parent' });
    const resolver = new NoteParentResolver(client, { candidates: ['Leads', 'Contacts'] });
    sb.state.setFaults({ errorRate: 1 });
    await expect(resolver.resolve(id)).rejects.toBeInstanceOf(UpstreamError);
    sb.state.setFaults({});
    expect(await resolver.resolve(id)).toBe('Contacts');
  });

  it('concurrent resolves of one id probe once', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const id = await insertId(client, 'Deals', { Deal_Name: 'Big', Stage: 'Qualification' });
    const resolver = new NoteParentResolver(client, { candidates: ['Leads', 'Contacts', 'Deals'] });
    const answers = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve(id)));
    expect(new Set(answers)).toEqual(new Set(['Deals']));
    expect(requestsOf(sb, GETS)).toBe(3);
  });

  it('an id not found anywhere is probed again next time (it may be created meanwhile)', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const resolver = new NoteParentResolver(client, { candidates: ['Leads'] });
    expect(await resolver.resolve('3652397000000999999')).toBeUndefined();
    expect(await resolver.resolve('3652397000000999999')).toBeUndefined();
    expect(requestsOf(sb, GETS)).toBe(2);
  });

  it('remembers at most maxRemembered ids, forgetting the oldest', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const ids = [];
    for (const n of ['one', 'two', 'three']) ids.push(await insertId(client, 'Leads', { Last_Name: n, Company: 'C' }));
    const resolver = new NoteParentResolver(client, { candidates: ['Leads'], maxRemembered: 2 });
    for (const id of ids) resolver.remember(id, 'Leads');
    expect(await resolver.resolve(ids[2])).toBe('Leads');
    expect(await resolver.resolve(ids[1])).toBe('Leads');
    expect(requestsOf(sb, GETS)).toBe(0);
    expect(await resolver.resolve(ids[0])).toBe('Leads'); // forgotten: probed again, then remembered
    expect(requestsOf(sb, GETS)).toBe(1);
  });
});
