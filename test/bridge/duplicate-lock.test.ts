/**
 * Issue 16 item 12 (second half) / issue 20: two concurrent duplicateCheck=1 inserts of the same value must not
 * both insert. Each call holds its (profile, module, value) keys from the duplicate pre-check until its writes
 * are answered, so the later call's search finds the earlier call's record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, payload, row, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
beforeAll(async () => {
  h = await startHarness();
  // Every v2 call takes a while, so without the lock all pre-checks would run before any insert lands.
  h.sandbox.state.setFaults({ latencyMs: 25 });
});
afterAll(async () => {
  await h?.close();
});

const emailsIn = (module: string, email: string): number =>
  h.sandbox.state.records(module).filter((r) => String(r.values.Email ?? '').toLowerCase() === email.toLowerCase()).length;

describe('concurrent duplicate-checked inserts', () => {
  // The value as different clients spell it: v2 search compares trimmed and case-insensitively.
  it.each([
    { module: 'Leads', rest: { 'Last Name': 'Race', Company: 'Acme' } },
    { module: 'Contacts', rest: { 'Last Name': 'Race' } },
  ])('20 calls for one e-mail on $module create one record; the others answer 2002 with it', async ({ module, rest }) => {
    const email = `race.${module.toLowerCase()}@example.com`;
    const spellings = [email, email.toUpperCase(), ` ${email} `];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call(module, 'insertRecords', {
          duplicateCheck: '1',
          xmlData: payload(module, row('1', { ...rest, Email: spellings[i % spellings.length] })),
        }),
      ),
    );
    expect(emailsIn(module, email)).toBe(1);
    const added = answers.filter((a) => a.includes('Record(s) added successfully'));
    const existing = answers.filter((a) => a.includes('Record(s) already exists'));
    expect(added).toHaveLength(1);
    expect(existing).toHaveLength(19);
    const created = ids(added[0])[0];
    for (const a of existing) expect(ids(a)[0]).toBe(created);
  });

  it('version=4 calls sharing values in opposite row orders do not deadlock and insert each value once', async () => {
    const a = 'multi.a@example.com';
    const b = 'multi.b@example.com';
    const call = (first: string, second: string) =>
      h.call('Leads', 'insertRecords', {
        duplicateCheck: '1',
        version: '4',
        xmlData: payload(
          'Leads',
          row('1', { 'Last Name': 'Multi', Company: 'Acme', Email: first }),
          row('2', { 'Last Name': 'Multi', Company: 'Acme', Email: second }),
        ),
      });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? call(a, b) : call(b, a))));
    expect(answers.every((x) => x.includes('<row no="1">') && x.includes('<row no="2">'))).toBe(true);
    expect(emailsIn('Leads', a)).toBe(1);
    expect(emailsIn('Leads', b)).toBe(1);
  });

  it('different values do not wait for each other', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.call('Leads', 'insertRecords', {
          duplicateCheck: '1',
          xmlData: payload('Leads', row('1', { 'Last Name': 'Own', Company: 'Acme', Email: `own.${i}@example.com` })),
        }),
      ),
    );
    expect(answers.filter((a) => a.includes('Record(s) added successfully'))).toHaveLength(10);
  });
});
