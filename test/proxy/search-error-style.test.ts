/**
 * Breaker finding 9: searchRecords/getSearchRecords answer every error in the hand-built JSON style of
 * PROTOCOL-READS §6.2 (`{"response": {"uri":…,"error": {"code":4834,…}}}`, the code a number), the
 * authentication and scope errors answered before the method is read included; other reads keep the normal style.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy();
});
afterAll(async () => {
  await t?.close();
});

describe('search methods: every error in the hand-built style (finding 9)', () => {
  const cases: [string, string, string][] = [
    ['searchRecords', 'authtoken=BAD&scope=crmapi&criteria=(Last%20Name:x)', '4834'],
    ['getSearchRecords', 'authtoken=BAD&scope=crmapi&searchCondition=(Last%20Name|=|x)', '4834'],
    ['searchRecords', 'scope=crmapi&criteria=(Last%20Name:x)', '4834'],
    ['searchRecords', `authtoken=${TOKEN}&scope=other&criteria=(Last%20Name:x)`, '4600'],
    ['getSearchRecords', `authtoken=${TOKEN}&scope=other&searchCondition=(Last%20Name|=|x)`, '4600'],
  ];
  it.each(cases)('%s ?%s → %s', async (method, query, code) => {
    const text = await (await fetch(`${t.proxy.url}/crm/private/json/Leads/${method}?${query}`)).text();
    expect(text.startsWith(`{"response": {"uri":"/crm/private/json/Leads/${method}","error": {"code":${code},"message":`)).toBe(true);
  });

  it('getRecords keeps the normal style for its 4834', async () => {
    const text = await (await fetch(`${t.proxy.url}/crm/private/json/Leads/getRecords?authtoken=BAD&scope=crmapi`)).text();
    expect(text).toContain('"code":"4834"');
  });
});
