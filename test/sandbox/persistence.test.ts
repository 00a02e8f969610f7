import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandbox } from './helpers.js';

describe('dataFile', () => {
  it('records survive a restart; new ids do not collide with loaded ones', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'zbridge-sandbox-data-')), 'records.json');
    const first = await sandbox({ dataFile });
    const res = await first.http.post('/crm/v2/Leads').set(first.auth).send({ data: [{ Last_Name: 'Boyle', Company: 'Z', No_of_Employees: 3 }] });
    const id = res.body.data[0].details.id as string;
    await first.sb.close();
    expect(existsSync(dataFile)).toBe(true);
    expect(readFileSync(dataFile, 'utf8')).toContain(`"id":"${id}"`);

    const second = await sandbox({ dataFile });
    const got = await second.http.get(`/crm/v2/Leads/${id}`).set(second.auth);
    expect(got.status).toBe(200);
    expect(got.body.data[0]).toMatchObject({ id, Last_Name: 'Boyle', No_of_Employees: 3 });
    const again = await second.http.post('/crm/v2/Leads').set(second.auth).send({ data: [{ Last_Name: 'New', Company: 'Z' }] });
    expect(again.body.data[0].details.id).not.toBe(id);
    expect(second.sb.state.records('Leads')).toHaveLength(2);
  });

  it('a file that is not a sandbox data file stops start-up with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-sandbox-data-'));
    const dataFile = join(dir, 'bad.json');
    (await import('node:fs')).writeFileSync(dataFile, '{"hello":1}');
    await expect(sandbox({ dataFile })).rejects.toThrow(/not a sandbox data file/);
  });
});
