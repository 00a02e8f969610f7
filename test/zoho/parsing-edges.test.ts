/** Small parsers of the client: DC names and base URLs, token lifetimes and api_domain, 429 wait hints, query strings. */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { queryString, v2CodeOf, waitHintMs } from '../../src/zoho/client.js';
import { endpointsFor, isDataCentre, normaliseBaseUrl, type DataCentre } from '../../src/zoho/dc.js';
import { TokenManager, tokenLifetimeMs } from '../../src/zoho/oauth.js';
import { MemoryTokenStore } from '../../src/zoho/tokens.js';
import { json, localServer, noSleep, type LocalServer } from './helpers.js';

let local: LocalServer | undefined;
const managers: TokenManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) m.close();
  await local?.close();
  local = undefined;
});

describe('data centres', () => {
  it('accept any letter case, and only the table\'s own keys', () => {
    expect(endpointsFor('EU' as DataCentre).apiDomain).toBe('https://www.zohoapis.eu');
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', '']) {
      expect(isDataCentre(name)).toBe(false);
      expect(() => endpointsFor(name as DataCentre)).toThrow(ConfigError);
    }
  });

  it('an unknown DC error names the option and lists the valid ones', () => {
    const error = (() => {
      try {
        endpointsFor('uk' as DataCentre);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.option).toBe('dc');
    expect(error?.message).toContain('us, eu, in, au, cn, jp, ca, sa');
  });

  it('base URLs: trailing slashes go, paths stay, queries and fragments are refused', () => {
    expect(normaliseBaseUrl('apiDomain', 'https://host.example///')).toBe('https://host.example');
    expect(normaliseBaseUrl('apiDomain', 'http://127.0.0.1:8080/prefix/')).toBe('http://127.0.0.1:8080/prefix');
    expect(() => normaliseBaseUrl('apiDomain', 'https://host.example/?a=1')).toThrow(/apiDomain: must not have a query/);
    expect(() => normaliseBaseUrl('accountsUrl', 'https://host.example/#x')).toThrow(/accountsUrl/);
    expect(() => normaliseBaseUrl('accountsUrl', 'javascript:alert(1)')).toThrow(/accountsUrl: must be http\(s\)/);
    expect(() => normaliseBaseUrl('accountsUrl', '/relative')).toThrow(/not an absolute URL/);
  });

  it('an empty override is no override', () => {
    expect(endpointsFor('jp', { accountsUrl: '', apiDomain: '' })).toEqual(endpointsFor('jp'));
  });
});

describe('token lifetimes', () => {
  it.each([
    [{ expires_in: 3600 }, 3600_000],
    [{ expires_in: '1800' }, 1800_000],
    [{ expires_in_sec: 1800, expires_in: 1800_000 }, 1800_000],
    [{ expires_in_sec: '900', expires_in: 900_000 }, 900_000],
    [{ expires_in_sec: 'x', expires_in: 600_000 }, 600_000], // the legacy form's ms value as a fallback
    [{ expires_in_sec: null }, 3600_000],
    [{ expires_in: 0 }, 3600_000],
    [{ expires_in: -5 }, 3600_000],
    [{ expires_in: 'soon' }, 3600_000],
    [{}, 3600_000],
  ] as [Record<string, unknown>, number][])('%j → %d ms', (body, ms) => {
    expect(tokenLifetimeMs(body)).toBe(ms);
  });
});

describe('api_domain of a token answer', () => {
  async function tokenFrom(answer: Record<string, unknown>, profile: Record<string, unknown> = {}) {
    local = await localServer((_req, res) => json(res, 200, { access_token: '1000.a.b', expires_in: 3600, ...answer }));
    const m = new TokenManager({ id: 'p', clientId: 'c', clientSecret: 's', refreshToken: 'r', accountsUrl: local.url, ...profile }, new MemoryTokenStore(), { sleep: noSleep });
    managers.push(m);
    return m.getToken();
  }

  it('wins over the DC table, without a trailing slash', async () => {
    expect((await tokenFrom({ api_domain: 'https://www.zohoapis.in/' }, { dc: 'eu' })).apiDomain).toBe('https://www.zohoapis.in');
  });

  it('is ignored when it is not an http(s) URL', async () => {
    expect((await tokenFrom({ api_domain: 'javascript:alert(1)' }, { dc: 'au' })).apiDomain).toBe('https://www.zohoapis.com.au');
  });

  it('loses to an explicit apiDomain of the profile (Zoho sandbox orgs)', async () => {
    const t = await tokenFrom({ api_domain: 'https://www.zohoapis.com' }, { apiDomain: 'https://sandbox.zohoapis.com/' });
    expect(t.apiDomain).toBe('https://sandbox.zohoapis.com');
  });
});

describe('429 wait hints', () => {
  const now = Date.UTC(2024, 0, 1);
  it.each([
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': ' 0 ' }, 0],
    [{ 'retry-after': new Date(now - 60_000).toUTCString() }, 0], // a date in the past: no wait
    [{ 'retry-after': 'whenever', 'x-ratelimit-reset': String(now + 2000) }, 2000],
    [{ 'x-ratelimit-reset': String(Math.floor(now / 1000) + 3) }, 3000], // epoch seconds
    [{ 'x-ratelimit-reset': '4' }, 4000], // seconds from now
    [{ 'x-ratelimit-reset': String(now - 5000) }, 0],
    [{ 'x-ratelimit-reset': '-1' }, undefined],
  ] as [Record<string, string>, number | undefined][])('%j → %s', (headers, ms) => {
    expect(waitHintMs(headers, now)).toBe(ms);
  });
});

describe('small helpers', () => {
  it('queryString percent-encodes keys and values, empty → ""', () => {
    expect(queryString({})).toBe('');
    expect(queryString({ 'a b': 'c&d=e', x: 'é+/' })).toBe('?a%20b=c%26d%3De&x=%C3%A9%2B%2F');
  });

  it('v2CodeOf reads only a top-level string code', () => {
    expect(v2CodeOf({ code: 'INVALID_TOKEN' })).toBe('INVALID_TOKEN');
    expect(v2CodeOf({ data: [{ code: 'SUCCESS' }] })).toBeUndefined();
    expect(v2CodeOf([{ code: 'X' }])).toBeUndefined();
    expect(v2CodeOf({ code: 401 })).toBeUndefined();
    expect(v2CodeOf('INVALID_TOKEN')).toBeUndefined();
    expect(v2CodeOf(undefined)).toBeUndefined();
  });
});
