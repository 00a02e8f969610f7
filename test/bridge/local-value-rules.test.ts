/**
 * Breaker finding 13: a value v2 refuses for certain that the bridge can check itself (src/v2/value-rules.ts: an
 * e-mail v2 does not take as one address, a text longer than the field's length) is refused before anything is
 * sent: 4832 `You have given a wrong value for the field : <label>` as v1 answered (PROTOCOL §5, §8). A
 * default-version call with such a row sends nothing — no write, no lookup created on its behalf — so it is
 * never half-applied, and its journal line and log line say why; a version=4 call sends the other rows. Values
 * v2 accepts pass unchanged (v1 took them too). Real proxy, real sandbox over HTTP.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalOutcomeEntry } from '../../src/journal/types.js';
import { form, seedRecord, startTestProxy, TOKEN, type TestProxy } from '../proxy/helpers.js';
import { payload, row, rowXml } from './helpers.js';

let t: TestProxy;
const logLines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({ write: (c, _e, done) => (logLines.push(String(c)), done()) });
  t = await startTestProxy({}, { logDestination: sink, logLevel: 'info' });
});
afterAll(async () => {
  await t?.close();
});

type Format = 'xml' | 'json';
type Shape = 'post-form' | 'get-query';

async function call(module: string, method: string, params: Record<string, string>, format: Format = 'xml', shape: Shape = 'post-form'): Promise<string> {
  const all = { authtoken: TOKEN, scope: 'crmapi', ...params };
  const path = `/crm/private/${format}/${module}/${method}`;
  const res = shape === 'get-query' ? await t.http.get(path).query(all) : await t.http.post(path).type('form').send(form(all));
  expect(res.status).toBe(200);
  return res.text;
}

const lastOutcome = (): JournalOutcomeEntry => t.outcomes().at(-1)!;
/** The v2 writes the last call made (resolution reads and the user's zone are GETs). */
const writes = () => lastOutcome().v2Calls.filter((c) => c.method !== 'GET');
const records = (module: string) => t.sandbox.state.records(module);
const named = (module: string, prefix: string) => records(module).filter((r) => String(r.values.Last_Name ?? r.values.Vendor_Name ?? '').startsWith(prefix));
let seq = 0;
const unique = (what: string) => `${what} ${++seq}`;

/** E-mail texts v2 does not take as one address (each with the part that makes it so). */
const BAD_EMAILS: [string, string][] = [
  ['a space and a counter (seeds 001/003)', 'automation@crm.com 1'],
  ['a no-break space (seed 004)', 'automation@crm.com\u00a01'],
  ['a space in the local part', 'bad email@x.example'],
  ['a space in the domain', 'a@x .example'],
  ['a tab inside', 'a@x.exa\tmple'],
  ['a line break inside', 'a@x.example\nb'],
  ['no @', 'no-at-sign.example'],
  ['no local part', '@x.example'],
  ['no domain', 'someone@'],
  ['two @', 'a@@x.example'],
  ['two addresses, comma', 'a@x.example,b@x.example'],
  ['two addresses, semicolon', 'a@x.example;b@x.example'],
  ['a domain without a dot', 'someone@localhost'],
  ['a domain ending in a dot', 'someone@x.'],
  ['a display name', 'Jane Doe <jane@x.example>'],
  ['over the field length (100)', `${'a'.repeat(95)}@x.example`],
];

/** E-mail texts v2 takes: they must be sent and stored exactly (trimmed, as every v1 value). */
const GOOD_EMAILS: [string, string, string][] = [
  ['plain', 'smith@example.com', 'smith@example.com'],
  ['plus tag and sub-domain', 'a.b+tag@sub.example.org', 'a.b+tag@sub.example.org'],
  ['upper case', 'UPPER@EXAMPLE.COM', 'UPPER@EXAMPLE.COM'],
  ['apostrophe', "o'brien@example.ie", "o'brien@example.ie"],
  ['digits, underscore and hyphen', '1234_first-last@mail.example.co.uk', '1234_first-last@mail.example.co.uk'],
  ['non-ASCII', 'jörg@bücher.example', 'jörg@bücher.example'],
  ['punycode domain', 'x@xn--bcher-kva.example', 'x@xn--bcher-kva.example'],
  ['surrounding spaces (trimmed)', '  pad@example.com  ', 'pad@example.com'],
  ['exactly the field length (100)', `${'b'.repeat(90)}@x.example`, `${'b'.repeat(90)}@x.example`],
];

/** Every e-mail field of the modules v1 clients write most (v1 labels). */
const EMAIL_FIELDS = [
  { module: 'Leads', label: 'Email', api: 'Email', rest: { Company: 'C' } },
  { module: 'Leads', label: 'Secondary Email', api: 'Secondary_Email', rest: { Company: 'C' } },
  { module: 'Contacts', label: 'Email', api: 'Email', rest: {} },
  { module: 'Contacts', label: 'Secondary Email', api: 'Secondary_Email', rest: {} },
  { module: 'Vendors', label: 'Email', api: 'Email', rest: {} },
];
const nameOf = (module: string, s: string): Record<string, string> => (module === 'Vendors' ? { 'Vendor Name': s } : { 'Last Name': s });

function expectRefusedWhole(xml: string, label: string, module: string, prefix: string): void {
  expect(xml).toContain('<error><code>4832</code>');
  expect(xml).toContain(`<message>You have given a wrong value for the field : ${label}</message>`);
  expect(named(module, prefix)).toEqual([]);
  expect(writes()).toEqual([]);
  const o = lastOutcome();
  expect(o.createdIds ?? []).toEqual([]);
  expect(o.writes ?? []).toEqual([]);
  // The journal and the log say why, without the value.
  expect(o.category).toBe('bad-request');
  expect(o.error).toMatch(new RegExp(`^row 2: ${label}: (not an e-mail address v2 accepts|longer than the \\d+ characters)`));
  expect(o.error).toContain('nothing was sent');
  const line = logLines.map((l) => JSON.parse(l)).filter((l) => l.reqId === o.id).at(-1);
  expect(line).toMatchObject({ code: '4832', category: 'bad-request', err: o.error });
}

describe('values v2 refuses are refused before sending (default version: the whole call, nothing sent)', () => {
  it.each(EMAIL_FIELDS.flatMap((f) => BAD_EMAILS.map(([shape, bad]) => ({ ...f, shape, bad }))))(
    '$module $label, $shape: two rows answer 4832 naming it, nothing is created',
    async ({ module, label, rest, bad }) => {
      const prefix = unique('Bad mail');
      const requestsBefore = t.requests().length;
      const xml = await call(module, 'insertRecords', {
        xmlData: payload(module, row('1', { ...nameOf(module, `${prefix} good`), ...rest }), row('2', { ...nameOf(module, `${prefix} bad`), ...rest, [label]: bad })),
      });
      expectRefusedWhole(xml, label, module, prefix);
      // Nothing was about to be written: no request line either.
      expect(t.requests().length).toBe(requestsBefore);
      // The value is in the line only where a request line would hold it (xmlData, the trace's example: report
      // names the failed label and rule from them; journal.values masks them), never in the error text.
      const { xmlData, trace, ...others } = lastOutcome();
      expect(JSON.stringify(others)).not.toContain(JSON.stringify(bad).slice(1, -1));
      expect(xmlData).toContain(label);
      const traced = trace?.[0].fields.find((f) => f.label === label);
      expect(traced?.outcome).toBe('invalid');
      expect(traced?.example).toBeTruthy(); // the first example (capped for long values)
    },
  );

  it.each(EMAIL_FIELDS.flatMap((f) => GOOD_EMAILS.map(([shape, good, stored]) => ({ ...f, shape, good, stored }))))(
    '$module $label, $shape: accepted and stored as sent',
    async ({ module, label, api, rest, good, stored }) => {
      const prefix = unique('Good mail');
      const xml = await call(module, 'insertRecords', {
        xmlData: payload(module, row('1', { ...nameOf(module, `${prefix} a`), ...rest }), row('2', { ...nameOf(module, `${prefix} b`), ...rest, [label]: good })),
      });
      expect(xml).toContain('Record(s) added successfully');
      const made = named(module, prefix);
      expect(made).toHaveLength(2);
      expect(made.find((r) => String(r.values.Last_Name ?? r.values.Vendor_Name).endsWith(' b'))!.values[api]).toBe(stored);
    },
  );

  // Every request shape and parameter combination of the write methods that sends rows.
  it.each([
    { name: 'no version', params: {} },
    { name: 'version=1', params: { version: '1' } },
    { name: 'version=2', params: { version: '2' } },
    { name: 'duplicateCheck=1', params: { duplicateCheck: '1' } },
    { name: 'duplicateCheck=2', params: { duplicateCheck: '2' } },
    { name: 'wfTrigger=true, newFormat=2', params: { wfTrigger: 'true', newFormat: '2' } },
  ].flatMap((p) => (['post-form', 'get-query'] as Shape[]).map((shape) => ({ ...p, shape }))))(
    'insertRecords $name ($shape): 4832, nothing sent',
    async ({ params, shape }) => {
      const prefix = unique('Shape');
      const xml = await call(
        'Leads',
        'insertRecords',
        { ...params, xmlData: payload('Leads', row('1', { 'Last Name': `${prefix} good`, Company: 'C', Email: `${seq}@ok.example` }), row('2', { 'Last Name': `${prefix} bad`, Company: 'C', Email: 'x y@z.example' })) },
        'xml',
        shape,
      );
      expectRefusedWhole(xml, 'Email', 'Leads', prefix);
    },
  );

  it('JSON format: the same 4832 in the JSON style, nothing sent', async () => {
    const prefix = unique('Json');
    const body = await call('Leads', 'insertRecords', {
      xmlData: payload('Leads', row('1', { 'Last Name': `${prefix} good`, Company: 'C' }), row('2', { 'Last Name': `${prefix} bad`, Company: 'C', Email: 'a@b' })),
    }, 'json');
    expect(JSON.parse(body)).toMatchObject({ response: { error: { code: '4832', message: 'You have given a wrong value for the field : Email' } } });
    expect(named('Leads', prefix)).toEqual([]);
    expect(writes()).toEqual([]);
  });

  it('updateRecords (id parameter): 4832, no PUT; the record keeps its value', async () => {
    const id = seedLead({ Last_Name: 'Upd', Company: 'C', Email: 'upd@x.example' });
    const xml = await call('Leads', 'updateRecords', { id, xmlData: payload('Leads', row('1', { Email: 'upd at x.example' })) });
    expect(xml).toContain('<code>4832</code>');
    expect(writes()).toEqual([]);
    expect(lastOutcome().error).toMatch(/^row 1: Email: not an e-mail address v2 accepts/);
    expect(lead(id).Email).toBe('upd@x.example');
    const good = await call('Leads', 'updateRecords', { id, xmlData: payload('Leads', row('1', { Email: 'UPD.new+tag@sub.x.example' })) });
    expect(good).toContain('Record(s) updated successfully');
    expect(lead(id).Email).toBe('UPD.new+tag@sub.x.example');
  });

  it('an emptied e-mail is no bad value: update clears it', async () => {
    const id = seedLead({ Last_Name: 'Clear', Company: 'C', Email: 'clear@x.example' });
    expect(await call('Leads', 'updateRecords', { id, xmlData: payload('Leads', row('1', { Email: '' })) })).toContain('Record(s) updated successfully');
    expect(lead(id).Email ?? null).toBeNull();
  });

  it('text over the field length (Phone, 30) and a long text of astral characters that fits (Description, 32000 characters)', async () => {
    const prefix = unique('Length');
    const xml = await call('Leads', 'insertRecords', {
      xmlData: payload('Leads', row('1', { 'Last Name': `${prefix} good`, Company: 'C' }), row('2', { 'Last Name': `${prefix} bad`, Company: 'C', Phone: '+1 555 0100 extension 1234567890' })),
    });
    expectRefusedWhole(xml, 'Phone', 'Leads', prefix);
    expect(lastOutcome().error).toContain('longer than the 30 characters v2 accepts in this field');
    const emoji = '\u{1F600}'.repeat(300);
    const fits = await call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': `${prefix} fits`, Company: 'C', Description: emoji })) });
    expect(fits).toContain('Record(s) added successfully');
    // 255 astral characters in Last Name (length 255): 510 UTF-16 units, still 255 characters v2 takes.
    const name = '\u{1F600}'.repeat(255);
    expect(await call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': name, Company: 'C' })) })).toContain('Record(s) added successfully');
    const over = await call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': `${name}x`, Company: 'C' })) });
    expect(over).toContain('You have given a wrong value for the field : Last Name');
    expect(writes()).toEqual([]);
  });

  it('a lookup by name (Accounts: create) is not created for a call refused for a bad value', async () => {
    const account = unique('Never Created Account');
    const before = records('Accounts').length;
    const xml = await call('Contacts', 'insertRecords', {
      xmlData: payload('Contacts', row('1', { 'Last Name': unique('With account'), 'Account Name': account }), row('2', { 'Last Name': unique('Bad'), Email: 'bad@mail com' })),
    });
    expect(xml).toContain('You have given a wrong value for the field : Email');
    expect(records('Accounts').length).toBe(before);
    expect(records('Accounts').some((r) => r.values.Account_Name === account)).toBe(false);
    expect(lastOutcome().v2Calls).toEqual([]);
    expect(lastOutcome().resolutions ?? []).toEqual([]);
    expect(t.requests().some((r) => r.parentId === lastOutcome().id)).toBe(false);
  });
});

describe('version=4: only the bad row fails, the others are sent', () => {
  it.each([
    { name: 'insertRecords', params: {} },
    { name: 'insertRecords duplicateCheck=1', params: { duplicateCheck: '1' } },
    { name: 'insertRecords duplicateCheck=2', params: { duplicateCheck: '2' } },
  ])('$name: row 2 answers 4832, rows 1 and 3 are inserted; the journal says why', async ({ params }) => {
    const prefix = unique('V4');
    const xml = await call('Leads', 'insertRecords', {
      version: '4',
      ...params,
      xmlData: payload(
        'Leads',
        row('1', { 'Last Name': `${prefix} one`, Company: 'C', Email: `one.${seq}@x.example` }),
        row('2', { 'Last Name': `${prefix} two`, Company: 'C', Email: 'two@x' }),
        row('3', { 'Last Name': `${prefix} three`, Company: 'C', Email: `three.${seq}@x.example` }),
      ),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2000<\/code>/);
    expect(rowXml(xml, '2')).toBe('<error><code>4832</code><details>You have given a wrong value for the field : Email</details></error>');
    expect(rowXml(xml, '3')).toMatch(/^<success><code>2000<\/code>/);
    expect(named('Leads', prefix).map((r) => r.values.Last_Name).sort()).toEqual([`${prefix} one`, `${prefix} three`]);
    // The write carried rows 1 and 3 only.
    const sent = t.requests().at(-1)!.plan!.bodies![0] as { data: { Last_Name: string }[] };
    expect(sent.data.map((d) => d.Last_Name)).toEqual([`${prefix} one`, `${prefix} three`]);
    expect(lastOutcome().notes).toEqual(['row 2: Email: not an e-mail address v2 accepts (one address, no spaces): refused before sending']);
  });

  it('updateRecords version=4: the bad row answers 4832, the other row is updated', async () => {
    const a = seedLead({ Last_Name: 'V4 upd a', Company: 'C', Email: 'a@x.example' });
    const b = seedLead({ Last_Name: 'V4 upd b', Company: 'C', Email: 'b@x.example' });
    const xml = await call('Leads', 'updateRecords', {
      version: '4',
      xmlData: payload('Leads', row('1', { Id: a, Email: 'a.new@x.example' }), row('2', { Id: b, Email: 'b new@x.example' })),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2001<\/code>/);
    expect(rowXml(xml, '2')).toContain('<code>4832</code>');
    expect(lead(a).Email).toBe('a.new@x.example');
    expect(lead(b).Email).toBe('b@x.example');
  });

  it('a lookup by name of the refused row is not created; the good row\'s is', async () => {
    const good = unique('V4 Good Account');
    const bad = unique('V4 Never Account');
    const xml = await call('Contacts', 'insertRecords', {
      version: '4',
      xmlData: payload('Contacts', row('1', { 'Last Name': unique('V4c'), 'Account Name': good }), row('2', { 'Last Name': unique('V4c'), 'Account Name': bad, Email: 'bad<@>x' })),
    });
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2000<\/code>/);
    expect(rowXml(xml, '2')).toContain('<code>4832</code>');
    expect(records('Accounts').some((r) => r.values.Account_Name === good)).toBe(true);
    expect(records('Accounts').some((r) => r.values.Account_Name === bad)).toBe(false);
  });
});

function seedLead(values: Record<string, unknown>): string {
  const { id } = t.sandbox.state.store.next();
  seedRecord(t.sandbox, 'Leads', id, values);
  return id;
}

const lead = (id: string): Record<string, unknown> => records('Leads').find((r) => r.id === id)!.values;
