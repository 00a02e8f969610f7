import { describe, expect, it } from 'vitest';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { DEMO_USER, sandbox } from './helpers.js';

describe('metadata endpoints', () => {
  it('GET /settings/modules returns the snapshot modules', async () => {
    const t = await sandbox();
    const res = await t.http.get('/crm/v2/settings/modules').set(t.auth);
    expect(res.status).toBe(200);
    expect(res.body.modules).toEqual(bundledSnapshot().modules);
    expect(res.body.modules.find((m: { module_name: string }) => m.module_name === 'CustomModule1').api_name).toBe('Course_Progress');
  });

  it('GET /settings/fields?module= (case-insensitive), errors for missing or unknown module', async () => {
    const t = await sandbox();
    const res = await t.http.get('/crm/v2/settings/fields?module=leads').set(t.auth);
    expect(res.body.fields).toEqual(bundledSnapshot().fields.Leads);
    const missing = await t.http.get('/crm/v2/settings/fields').set(t.auth);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('REQUIRED_PARAM_MISSING');
    expect((await t.http.get('/crm/v2/settings/fields?module=Nope').set(t.auth)).body.code).toBe('INVALID_MODULE');
  });

  it('GET /users?type=AllUsers|ActiveUsers|CurrentUser with id, email, full_name, time_zone', async () => {
    const t = await sandbox();
    const all = await t.http.get('/crm/v2/users?type=AllUsers').set(t.auth);
    expect(all.body.users.length).toBe(bundledSnapshot().users.length);
    for (const u of all.body.users) {
      expect(typeof u.id).toBe('string');
      expect(u).toHaveProperty('email');
      expect(u).toHaveProperty('full_name');
      expect(u).toHaveProperty('time_zone');
    }
    const active = await t.http.get('/crm/v2/users?type=ActiveUsers').set(t.auth);
    expect(active.body.users.every((u: { status?: string }) => (u.status ?? 'active') === 'active')).toBe(true);
    const me = await t.http.get('/crm/v2/users?type=CurrentUser').set(t.auth);
    expect(me.body.users).toHaveLength(1);
    expect(me.body.users[0]).toMatchObject({ id: DEMO_USER.id, full_name: DEMO_USER.name, time_zone: DEMO_USER.zone });
    expect((await t.http.get('/crm/v2/users?type=Bogus').set(t.auth)).status).toBe(400);
  });
});
