/**
 * Issue 16 item 1: every boolean and enumerated parameter of insertRecords / updateRecords, end to end through the
 * proxy to the sandbox. Booleans take true/false in any case; enumerations only their documented values; anything
 * else answers the v1 4600 naming the parameter, with nothing sent upstream and a journal line naming the cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, payload, row, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
let leadId: string;
beforeAll(async () => {
  h = await startHarness();
  leadId = h.seed('Leads', { Last_Name: 'Param target', Company: 'A' });
});
afterAll(async () => {
  await h?.close();
});

/** v2 writes (POST/PUT) the sandbox has served so far. */
const writes = (): number =>
  Object.entries(h.sandbox.state.stats().requests)
    .filter(([route]) => route.startsWith('POST /crm/v2/') || route.startsWith('PUT /crm/v2/'))
    .reduce((sum, [, n]) => sum + n, 0);

const message = (name: string): string =>
  `<error><code>4600</code><message>Unable to process your request. Please verify if the name and value is appropriate for the "${name}" parameter.</message></error>`;

const insertXml = () => payload('Leads', row('1', { 'Last Name': 'Params', Company: 'A' }));
const updateXml = () => payload('Leads', row('1', { Company: 'Params updated' }));

type Method = 'insertRecords' | 'updateRecords';
const base = (method: Method): Record<string, string> => (method === 'insertRecords' ? { xmlData: insertXml() } : { id: leadId, xmlData: updateXml() });

/** Every boolean and enumerated parameter, the methods that take it, and values v1 refused. */
const PARAMS: { name: string; methods: Method[]; bad: string[] }[] = [
  { name: 'wfTrigger', methods: ['insertRecords', 'updateRecords'], bad: ['1', '0', 'yes', 'on', 'tru', 'true1', '"true"'] },
  { name: 'isApproval', methods: ['insertRecords', 'updateRecords'], bad: ['1', '0', 'no', 'off', 'Y'] },
  { name: 'duplicateCheck', methods: ['insertRecords'], bad: ['0', '3', 'true', '1.0', '01', 'one'] },
  { name: 'newFormat', methods: ['insertRecords', 'updateRecords'], bad: ['0', '3', 'true', '1.0', 'two'] },
  { name: 'version', methods: ['insertRecords', 'updateRecords'], bad: ['0', '3', '5', '4.0', 'v4', 'true'] },
];

const BAD = PARAMS.flatMap((p) => p.methods.flatMap((method) => p.bad.map((value) => ({ ...p, method, value }))));

describe('a boolean or enumerated parameter with a value v1 refused → 4600 naming it, nothing sent', () => {
  it.each(BAD)('$method $name=$value', async ({ name, method, value }) => {
    const before = writes();
    // The parameter name as clients spell it: documented camelCase and all lower case.
    for (const spelling of [name, name.toLowerCase()]) {
      const xml = await h.call('Leads', method, { ...base(method), [spelling]: value });
      expect(xml).toContain(message(name));
      const outcome = h.lastOutcome();
      expect(outcome).toMatchObject({ category: 'bad-request', upstream: false, legacy: { code: '4600' } });
      expect(outcome.error).toContain(name);
    }
    expect(writes()).toBe(before);
  });

  it('the JSON format answers the same 4600', async () => {
    const text = await h.call('Leads', 'insertRecords', { xmlData: insertXml(), wfTrigger: '1' }, 'json');
    expect(JSON.parse(text.replace(/^[^{]*/, '').replace(/\)?;?\s*$/, ''))).toMatchObject({
      response: { error: { code: '4600', message: expect.stringContaining('"wfTrigger" parameter') } },
    });
  });
});

describe('accepted spellings', () => {
  const BOOLEANS = ['true', 'TRUE', 'True', 'tRuE', ' true '];
  it.each(BOOLEANS.flatMap((v) => (['insertRecords', 'updateRecords'] as const).map((method) => ({ v, method }))))(
    '$method wfTrigger="$v" runs workflow',
    async ({ v, method }) => {
      const xml = await h.call('Leads', method, { ...base(method), wfTrigger: v });
      expect(ids(xml)).toHaveLength(1);
      expect(h.lastRequest()!.plan!.bodies![0]).toMatchObject({ trigger: ['workflow'] });
    },
  );

  it.each(['false', 'FALSE', 'False', ''])('wfTrigger="%s" runs none', async (v) => {
    await h.call('Leads', 'insertRecords', { xmlData: insertXml(), wfTrigger: v });
    expect(h.lastRequest()!.plan!.bodies![0]).toMatchObject({ trigger: [] });
  });

  it.each(['true', 'TRUE', 'True'])('isApproval="%s" adds approval (Leads)', async (v) => {
    await h.call('Leads', 'insertRecords', { xmlData: insertXml(), isApproval: v });
    expect(h.lastRequest()!.plan!.bodies![0]).toMatchObject({ trigger: ['approval'] });
  });

  it.each([
    ['duplicateCheck', '1', 'insert'],
    ['duplicateCheck', '2', 'upsert'],
    ['version', '1', 'insert'],
    ['version', '2', 'insert'],
    ['version', '4', 'insert'],
    ['newFormat', '1', 'insert'],
    ['newFormat', '2', 'insert'],
  ])('%s=%s is accepted', async (name, value, operation) => {
    const xml = await h.call('Leads', 'insertRecords', { xmlData: payload('Leads', row('1', { 'Last Name': `Ok ${name}${value}`, Company: 'A', Email: `ok-${name}${value}@example.com` })), [name]: value });
    expect(xml).not.toContain('<error>');
    expect(h.lastRequest()!.plan!.operation).toBe(operation);
  });

  it('duplicateCheck on updateRecords is ignored, whatever its value [obs]', async () => {
    const xml = await h.call('Leads', 'updateRecords', { ...base('updateRecords'), duplicateCheck: 'garbage' });
    expect(xml).toContain('Record(s) updated successfully');
  });
});

describe('compat.emptyParameterIsAbsent: false', () => {
  let strict: BridgeHarness;
  beforeAll(async () => {
    strict = await startHarness({ compat: { emptyParameterIsAbsent: false } });
  });
  afterAll(async () => {
    await strict?.close();
  });
  it.each(['wfTrigger', 'isApproval', 'duplicateCheck', 'newFormat', 'version'])('%s= (empty) → 4600 naming it', async (name) => {
    const xml = await strict.call('Leads', 'insertRecords', { xmlData: insertXml(), [name]: '' });
    expect(xml).toContain(message(name));
  });
});
