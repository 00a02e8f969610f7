/** AUTHENTICATION_FAILURE, OAUTH_SCOPE_MISMATCH and NO_PERMISSION where Zoho answers them, and by fault injection. */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { scopeModuleName, scopesAllow, type Need } from '../../src/sandbox/access.js';
import { sandbox } from './helpers.js';

const CLIENT = { clientId: '1000.SCOPED', clientSecret: 'scoped-secret' };
const ADMIN = '1386586000000105001'; // profile Administrator
const STANDARD = '1386586000000105002'; // profile Standard

async function scoped(scopes: string[] | undefined, userId = ADMIN, extra: Parameters<typeof sandbox>[0] = {}) {
  const t = await sandbox({ clients: [{ ...CLIENT, refreshTokens: [{ token: 'rt', userId, scopes }] }], ...extra });
  const res = await request(t.sb.url)
    .post('/oauth/v2/token')
    .type('form')
    .send({ grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'rt' });
  return { ...t, auth: { Authorization: `Zoho-oauthtoken ${res.body.access_token as string}` } };
}

const scopeMismatch = { code: 'OAUTH_SCOPE_MISMATCH', details: {}, message: 'invalid oauth scope to access this URL', status: 'error' };
const lead = { Last_Name: 'Scope', Company: 'Zylker' };

describe('OAuth scopes', () => {
  it.each([
    [['ZohoCRM.modules.ALL'], { kind: 'module', module: 'Leads', custom: false, operations: ['CREATE'] }, true],
    [['zohocrm.modules.all'], { kind: 'module', module: 'Leads', custom: false, operations: ['READ'] }, true],
    [['ZohoCRM.modules.leads.READ'], { kind: 'module', module: 'Leads', custom: false, operations: ['READ'] }, true],
    [['ZohoCRM.modules.leads.READ'], { kind: 'module', module: 'Leads', custom: false, operations: ['CREATE'] }, false],
    [['ZohoCRM.modules.leads.READ'], { kind: 'module', module: 'Contacts', custom: false, operations: ['READ'] }, false],
    [['ZohoCRM.modules.leads.WRITE'], { kind: 'module', module: 'Leads', custom: false, operations: ['CREATE', 'UPDATE'] }, true],
    [['ZohoCRM.modules.leads.WRITE'], { kind: 'module', module: 'Leads', custom: false, operations: ['READ'] }, false],
    [['ZohoCRM.modules.leads.CREATE'], { kind: 'module', module: 'Leads', custom: false, operations: ['CREATE', 'UPDATE'] }, false],
    [['ZohoCRM.modules.leads.CREATE', 'ZohoCRM.modules.leads.UPDATE'], { kind: 'module', module: 'Leads', custom: false, operations: ['CREATE', 'UPDATE'] }, true],
    [['ZohoCRM.modules.salesorders.ALL'], { kind: 'module', module: 'Sales_Orders', custom: false, operations: ['DELETE'] }, true],
    [['ZohoCRM.modules.custom.READ'], { kind: 'module', module: 'Course_Progress', custom: true, operations: ['READ'] }, true],
    [['ZohoCRM.settings.fields.READ'], { kind: 'settings', resource: 'fields' }, true],
    [['ZohoCRM.settings.fields.READ'], { kind: 'settings', resource: 'modules' }, false],
    [['ZohoCRM.settings.ALL'], { kind: 'settings', resource: 'layouts' }, true],
    [['ZohoCRM.users.READ'], { kind: 'users' }, true],
    [['ZohoCRM.modules.ALL'], { kind: 'users' }, false],
  ] as [string[], Need, boolean][])('%j covers %j: %s', (scopes, need, ok) => {
    expect(scopesAllow(scopes, need)).toBe(ok);
  });

  it('scope module names: lower case without underscores; custom modules are "custom"', () => {
    expect([scopeModuleName('Sales_Orders', false), scopeModuleName('Price_Books', false), scopeModuleName('Course_Progress', true)]).toEqual([
      'salesorders',
      'pricebooks',
      'custom',
    ]);
  });

  it('a token with Leads READ only: search works, insert and other modules → 401 OAUTH_SCOPE_MISMATCH', async () => {
    const t = await scoped(['ZohoCRM.modules.leads.READ', 'ZohoCRM.settings.ALL']);
    expect((await t.http.get('/crm/v2/Leads/search').query({ email: 'a@b.co' }).set(t.auth)).status).toBe(204);
    expect((await t.http.get('/crm/v2/settings/fields').query({ module: 'Leads' }).set(t.auth)).status).toBe(200);
    const insert = await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    expect(insert.status).toBe(401);
    expect(insert.text).toBe(JSON.stringify(scopeMismatch));
    expect((await t.http.get('/crm/v2/Contacts/search').query({ email: 'a@b.co' }).set(t.auth)).status).toBe(401);
    expect((await t.http.get('/crm/v2/users').set(t.auth)).body.code).toBe('OAUTH_SCOPE_MISMATCH');
    expect(t.sb.state.records('Leads')).toHaveLength(0);
  });

  it('upsert needs create and update', async () => {
    const t = await scoped(['ZohoCRM.modules.leads.CREATE']);
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(201);
    expect((await t.http.post('/crm/v2/Leads/upsert').set(t.auth).send({ data: [lead] })).body).toEqual(scopeMismatch);
    expect((await t.http.put('/crm/v2/Leads').set(t.auth).send({ data: [{ id: '1', ...lead }] })).body).toEqual(scopeMismatch);
  });
});

describe('profile permissions → 403 NO_PERMISSION', () => {
  const permissions = { Standard: { Leads: ['READ' as const], Contacts: [] } };

  it('a Standard user may read Leads but not create them; Contacts not at all; other modules freely', async () => {
    const t = await scoped(undefined, STANDARD, { profilePermissions: permissions });
    expect((await t.http.get('/crm/v2/Leads/search').query({ word: 'x' }).set(t.auth)).status).toBe(204);
    const insert = await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    expect(insert.status).toBe(403);
    expect(insert.body).toEqual({ code: 'NO_PERMISSION', details: { permissions: ['Crm_Implied_Create_Leads'] }, message: 'permission denied', status: 'error' });
    const read = await t.http.get('/crm/v2/Contacts/search').query({ word: 'x' }).set(t.auth);
    expect(read.body.details).toEqual({ permissions: ['Crm_Implied_View_Contacts'] });
    const upsert = await t.http.post('/crm/v2/Contacts/upsert').set(t.auth).send({ data: [{ Last_Name: 'x' }] });
    expect(upsert.body.details).toEqual({ permissions: ['Crm_Implied_Create_Contacts', 'Crm_Implied_Edit_Contacts'] });
    expect((await t.http.post('/crm/v2/Accounts').set(t.auth).send({ data: [{ Account_Name: 'free' }] })).status).toBe(201);
    expect(t.sb.state.records('Leads')).toHaveLength(0);
  });

  it('an Administrator is not restricted by the Standard profile', async () => {
    const t = await scoped(undefined, ADMIN, { profilePermissions: permissions });
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(201);
  });
});

describe('fault injection of the auth errors', () => {
  it.each([
    ['authentication-failure', 401, { code: 'AUTHENTICATION_FAILURE', details: {}, message: 'Authentication failed', status: 'error' }],
    ['scope-mismatch', 401, scopeMismatch],
    ['no-permission', 403, { code: 'NO_PERMISSION', details: { permissions: ['Crm_Implied_Create_Leads'] }, message: 'permission denied', status: 'error' }],
  ] as const)('failNext %s → %i', async (kind, status, body) => {
    const t = await sandbox();
    t.sb.state.setFaults({ failNext: { count: 1, kind } });
    const res = await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] });
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
    expect(t.sb.state.records('Leads')).toHaveLength(0);
    expect((await t.http.post('/crm/v2/Leads').set(t.auth).send({ data: [lead] })).status).toBe(201); // one-shot
  });

  it("requests: 'all' lets failNext hit reads too", async () => {
    const t = await sandbox();
    t.sb.state.setFaults({ failNext: { count: 1, kind: 'no-permission', requests: 'all' } });
    const res = await t.http.get('/crm/v2/Leads/search').query({ email: 'a@b.co' }).set(t.auth);
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual({ permissions: ['Crm_Implied_View_Leads'] });
  });
});
