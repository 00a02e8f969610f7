/** The sandbox's read endpoints: list paging/sort/fields/ids/If-Modified-Since, full-record GET, layouts, users. */
import { describe, expect, it } from 'vitest';
import { manualClock, refreshGrant, sandbox, type TestSandbox } from './helpers.js';

async function insert(t: TestSandbox, module: string, rows: Record<string, unknown>[]): Promise<string[]> {
  const data = rows.map((r) => (module === 'Leads' && !('Company' in r) ? { Company: 'Co', ...r } : r));
  const ids: string[] = [];
  for (let i = 0; i < data.length; i += 100) {
    const res = await t.http.post(`/crm/v2/${module}`).set(t.auth).send({ data: data.slice(i, i + 100) });
    expect(res.status).toBeLessThan(300);
    ids.push(...(res.body.data as { details: { id: string } }[]).map((d) => d.details.id));
  }
  return ids;
}

describe('GET /crm/v2/{M} list', () => {
  it('pages with per_page ≤ 200, more_records, and 204 past the end', async () => {
    const t = await sandbox();
    const ids = await insert(t, 'Leads', Array.from({ length: 250 }, (_, i) => ({ Last_Name: `L${i}` })));
    const p1 = await t.http.get('/crm/v2/Leads?page=1&per_page=200').set(t.auth);
    expect(p1.body.info).toEqual({ per_page: 200, count: 200, page: 1, more_records: true });
    const p2 = await t.http.get('/crm/v2/Leads?page=2&per_page=200').set(t.auth);
    expect(p2.body.info).toEqual({ per_page: 200, count: 50, page: 2, more_records: false });
    expect((await t.http.get('/crm/v2/Leads?page=3').set(t.auth)).status).toBe(204);
    // Default order: newest first.
    expect(p1.body.data[0].id).toBe(ids[ids.length - 1]);
    expect(p2.body.data[49].id).toBe(ids[0]);
  });

  it('sort_by any field, sort_order asc/desc, empties last (ties by age); bad sort_by → 400', async () => {
    const t = await sandbox();
    await insert(t, 'Leads', [{ Last_Name: 'b', Company: 'Beta' }, { Last_Name: 'a', Company: 'alpha' }, { Last_Name: 'c', Company: 'gamma' }]);
    const names = async (q: string) => ((await t.http.get(`/crm/v2/Leads?${q}`).set(t.auth)).body.data as { Last_Name: string }[]).map((r) => r.Last_Name);
    expect(await names('sort_by=Company&sort_order=asc')).toEqual(['a', 'b', 'c']);
    expect(await names('sort_by=Company&sort_order=desc')).toEqual(['c', 'b', 'a']);
    expect(await names('sort_by=Email&sort_order=desc')).toEqual(['c', 'a', 'b']);
    expect(await names('sort_order=asc')).toEqual(['b', 'a', 'c']);
    expect(await names('sort_by=Created_Time&sort_order=asc')).toEqual(['b', 'a', 'c']);
    expect((await t.http.get('/crm/v2/Leads?sort_by=Shoe_Size').set(t.auth)).status).toBe(400);
  });

  it('fields narrows the record (id always), ids lists chosen records and skips unknown ones', async () => {
    const t = await sandbox();
    const ids = await insert(t, 'Leads', [{ Last_Name: 'a', Email: 'a@x.example' }, { Last_Name: 'b' }, { Last_Name: 'c' }]);
    const narrow = await t.http.get('/crm/v2/Leads?fields=Last_Name,Email').set(t.auth);
    expect(Object.keys(narrow.body.data[0]).sort()).toEqual(['Email', 'Last_Name', 'id']);
    const some = await t.http.get(`/crm/v2/Leads?ids=${ids[2]},1234567890123456789,${ids[0]}`).set(t.auth);
    expect((some.body.data as { id: string }[]).map((r) => r.id).sort()).toEqual([ids[0], ids[2]].sort());
    expect((await t.http.get('/crm/v2/Leads?ids=1234567890123456789').set(t.auth)).status).toBe(204);
    const tooMany = Array.from({ length: 101 }, (_, i) => String(i + 1)).join(',');
    expect((await t.http.get(`/crm/v2/Leads?ids=${tooMany}`).set(t.auth)).status).toBe(400);
  });

  it('If-Modified-Since: only records modified after it; nothing → 304 without a body', async () => {
    const clock = manualClock();
    const t = await sandbox({ now: clock.now });
    const ids = await insert(t, 'Leads', [{ Last_Name: 'a' }, { Last_Name: 'b' }, { Last_Name: 'c' }]);
    clock.advance(3_600_000);
    const mark = new Date(clock.now()).toISOString();
    clock.advance(60_000);
    t.auth = { Authorization: `Zoho-oauthtoken ${await refreshGrant(t.sb)}` }; // the first token expired meanwhile
    expect((await t.http.put('/crm/v2/Leads').set(t.auth).send({ data: [{ id: ids[1], Company: 'X' }] })).status).toBe(200);
    const changed = await t.http.get('/crm/v2/Leads').set(t.auth).set('If-Modified-Since', mark);
    expect((changed.body.data as { id: string }[]).map((r) => r.id)).toEqual([ids[1]]);
    const later = new Date(clock.now() + 1000).toISOString();
    const none = await t.http.get('/crm/v2/Leads').set(t.auth).set('If-Modified-Since', later);
    expect(none.status).toBe(304);
    expect(none.text).toBe('');
  });
});

describe('GET /crm/v2/{M}/{id}: the full record', () => {
  it('every field of the module, empty ones null, plus $approved, $editable, Full_Name', async () => {
    const t = await sandbox();
    const [id] = await insert(t, 'Leads', [{ Last_Name: 'Summers', First_Name: 'Sam' }]);
    const res = await t.http.get(`/crm/v2/Leads/${id}`).set(t.auth);
    const rec = res.body.data[0] as Record<string, unknown>;
    expect(rec.Industry).toBeNull();
    expect(rec.Email).toBeNull();
    expect(rec.Full_Name).toBe('Sam Summers');
    expect(rec.$approved).toBe(true);
    expect(rec.$editable).toBe(true);
    expect(rec.Tag).toEqual([]);
    expect(rec.id).toBe(id);
    expect((await t.http.get('/crm/v2/Leads/1234567890123456789').set(t.auth)).status).toBe(204);
  });
});

describe('layouts and users', () => {
  it('layouts have sections with fields in sequence, required flags', async () => {
    const t = await sandbox();
    const res = await t.http.get('/crm/v2/settings/layouts?module=Leads').set(t.auth);
    const sections = res.body.layouts[0].sections as { name: string; fields: { api_name: string; required: boolean }[] }[];
    expect(sections.map((s) => s.name)).toEqual(['Lead Information', 'Address Information', 'Description Information']);
    const company = sections[0].fields.find((f) => f.api_name === 'Company');
    expect(company?.required).toBe(true);
    expect(sections[1].fields.map((f) => f.api_name)).toEqual(['Street', 'City', 'State', 'Zip_Code', 'Country']);
    expect((await t.http.get('/crm/v2/settings/layouts?module=Nope').set(t.auth)).status).toBe(400);
    expect((await t.http.get('/crm/v2/settings/layouts').set(t.auth)).status).toBe(400);
  });

  it('users by type, paged; unknown type → 400', async () => {
    const t = await sandbox();
    const all = await t.http.get('/crm/v2/users?type=AllUsers').set(t.auth);
    expect(all.body.users.length).toBeGreaterThan(1);
    const admins = await t.http.get('/crm/v2/users?type=AdminUsers').set(t.auth);
    expect((admins.body.users as { profile: { name: string } }[]).every((u) => u.profile.name === 'Administrator')).toBe(true);
    const current = await t.http.get('/crm/v2/users?type=CurrentUser').set(t.auth);
    expect(current.body.users).toHaveLength(1);
    const paged = await t.http.get('/crm/v2/users?type=AllUsers&per_page=1&page=2').set(t.auth);
    expect(paged.body.info).toMatchObject({ per_page: 1, count: 1, page: 2 });
    expect((await t.http.get('/crm/v2/users?type=Martians').set(t.auth)).status).toBe(400);
  });
});
