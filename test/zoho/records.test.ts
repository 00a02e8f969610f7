import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { ZohoClient } from '../../src/zoho/client.js';
import { NoteParentResolver, criteriaEquals, escapeCriteriaValue, fetchRecord, searchRecords } from '../../src/zoho/records.js';
import { clientFor, insertLead, insertRecordId as insert, requestsOf, sandbox } from './helpers.js';

let sb: RunningSandbox | undefined;
let client: ZohoClient | undefined;
afterEach(async () => {
  client?.close();
  await sb?.close();
  sb = client = undefined;
});

const GETS = 'GET /crm/v2/:module/:id';


describe('criteria helpers', () => {
  it('backslash-escapes ( ) , and \\', () => {
    expect(escapeCriteriaValue('Smith (Jr), a\\b')).toBe('Smith \\(Jr\\)\\, a\\\\b');
    expect(escapeCriteriaValue('plain')).toBe('plain');
    expect(criteriaEquals('Email', 'a,b@x.com')).toBe('(Email:equals:a\\,b@x.com)');
  });
});

describe('records against the sandbox', () => {
  it('searchRecords finds a value full of criteria syntax, and [] on 204', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const awkward = 'Smith (Jr), a\\b';
    const id = (await client.execute(insertLead(awkward, { Email: 'jr@example.com' }), 'insert')).outcome;
    expect(id.kind).toBe('response');
    await client.execute(insertLead('Smith'), 'insert');
    const found = await searchRecords(client, 'Leads', { criteria: criteriaEquals('Last_Name', awkward) });
    expect(found.map((r) => r.Last_Name)).toEqual([awkward]);
    expect((await searchRecords(client, 'Leads', { email: 'jr@example.com' })).map((r) => r.Last_Name)).toEqual([awkward]);
    expect(await searchRecords(client, 'Leads', { criteria: criteriaEquals('Last_Name', 'Nobody') })).toEqual([]);
  });

  it('searchRecords throws on a v2 error answer', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    await expect(searchRecords(client, 'Leads', { criteria: '(No_Such_Field:equals:x)' })).rejects.toThrow(/INVALID_QUERY/);
  });

  it('fetchRecord: the record, or undefined for an unknown id', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const id = await insert(client, 'Leads', { Last_Name: 'Fetched', Company: 'C' });
    const record = await fetchRecord(client, 'Leads', id);
    expect(record).toMatchObject({ id, Last_Name: 'Fetched' });
    expect(typeof record?.Created_Time).toBe('string');
    expect(await fetchRecord(client, 'Leads', '1234567890123456789')).toBeUndefined();
  });

  it('NoteParentResolver probes candidate modules in order and caches the answer', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const accountId = await insert(client, 'Accounts', { Account_Name: 'Parent Co' });
    const resolver = new NoteParentResolver(client);
    const before = requestsOf(sb, GETS);
    expect(await resolver.resolve(accountId)).toBe('Accounts');
    expect(requestsOf(sb, GETS) - before).toBe(3); // Leads, Contacts, Accounts
    expect(await Promise.all([resolver.resolve(accountId), resolver.resolve(accountId)])).toEqual(['Accounts', 'Accounts']);
    expect(requestsOf(sb, GETS) - before).toBe(3);
  });

  it('NoteParentResolver: remembered ids cost nothing, unknown ids are undefined, non-ids are not probed', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const resolver = new NoteParentResolver(client, { candidates: ['Leads', 'Contacts'] });
    resolver.remember('1111111111111111111', 'Deals');
    const before = requestsOf(sb, GETS);
    expect(await resolver.resolve('1111111111111111111')).toBe('Deals');
    expect(await resolver.resolve('not-an-id')).toBeUndefined();
    expect(requestsOf(sb, GETS)).toBe(before);
    expect(await resolver.resolve('2222222222222222222')).toBeUndefined();
    expect(requestsOf(sb, GETS) - before).toBe(2);
  });

  it('NoteParentResolver skips a candidate module the org does not have', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const id = await insert(client, 'Contacts', { Last_Name: 'Kid' });
    const resolver = new NoteParentResolver(client, { candidates: ['No_Such_Module', 'Contacts'] });
    expect(await resolver.resolve(id)).toBe('Contacts');
  });
});
