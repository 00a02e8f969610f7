/**
 * peekLegacyRequest: what the proxy reads of a request it refuses without parsing it (server/http-rejects.ts,
 * breaker finding 4) — the path, the v1 module and method, and an authtoken only when read whole.
 */
import { describe, expect, it } from 'vitest';
import { peekLegacyRequest } from '../../src/legacy/request.js';

describe('peekLegacyRequest', () => {
  it.each([
    ['a legacy GET', '/crm/private/xml/Leads/insertRecords?authtoken=abc&scope=crmapi', false, { format: 'xml', path: '/crm/private/xml/Leads/insertRecords', module: 'Leads', method: 'insertRecords', authtoken: 'abc' }],
    ['the JSON format in any case', '/crm/private/JSON/Contacts/getRecords?scope=crmapi', false, { format: 'json', path: '/crm/private/JSON/Contacts/getRecords', module: 'Contacts', method: 'getRecords' }],
    ['an absolute-form target', 'http://crm.zoho.com/crm/private/xml/Leads/getRecords?authtoken=t1', false, { path: '/crm/private/xml/Leads/getRecords', method: 'getRecords', authtoken: 't1' }],
    ['a path that is no legacy path', '/favicon.ico', false, { format: 'xml', path: '/favicon.ico', module: undefined, method: undefined }],
    ['the first authtoken of the query, decoded as the parser decodes it', '/crm/private/xml/Leads/getRecords?AuthToken=a%2Bb+c&authtoken=second', false, { authtoken: 'a+b c' }],
    ['a cut query: the last parameter is never taken for the token', '/crm/private/xml/Leads/getRecords?scope=crmapi&authtoken=abcd', true, { path: '/crm/private/xml/Leads/getRecords', authtoken: undefined }],
    ['a cut query: a token before the cut is whole', '/crm/private/xml/Leads/getRecords?authtoken=abcd&xmlData=%3CLea', true, { authtoken: 'abcd' }],
    ['a cut path is not readable', '/crm/private/xml/Leads/insertRec', true, { path: '', module: undefined, method: undefined }],
    ['an undecodable query: no token rather than a wrong one', '/crm/private/xml/Leads/getRecords?authtoken=%FF%FE', false, { authtoken: undefined }],
  ])('%s', (_name, target, truncated, expected) => {
    const peek = peekLegacyRequest(target, { truncated }) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) expect(peek[key], key).toBe(value);
  });
});
