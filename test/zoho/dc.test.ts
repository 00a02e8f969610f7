import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { DATA_CENTRES, endpointsFor, type DataCentre } from '../../src/zoho/dc.js';

describe('data centres (docs/PROTOCOL.md §10)', () => {
  it.each([
    ['us', 'https://accounts.zoho.com', 'https://www.zohoapis.com'],
    ['eu', 'https://accounts.zoho.eu', 'https://www.zohoapis.eu'],
    ['in', 'https://accounts.zoho.in', 'https://www.zohoapis.in'],
    ['au', 'https://accounts.zoho.com.au', 'https://www.zohoapis.com.au'],
    ['cn', 'https://accounts.zoho.com.cn', 'https://www.zohoapis.com.cn'],
    ['jp', 'https://accounts.zoho.jp', 'https://www.zohoapis.jp'],
    ['ca', 'https://accounts.zohocloud.ca', 'https://www.zohoapis.ca'],
    ['sa', 'https://accounts.zoho.sa', 'https://www.zohoapis.sa'],
  ] as [DataCentre, string, string][])('%s', (dc, accountsUrl, apiDomain) => {
    expect(endpointsFor(dc)).toEqual({ accountsUrl, apiDomain });
  });

  it('covers exactly the eight data centres', () => {
    expect(Object.keys(DATA_CENTRES).sort()).toEqual(['au', 'ca', 'cn', 'eu', 'in', 'jp', 'sa', 'us']);
  });

  it('defaults to us (not the garbled .com.cn line of seed 000)', () => {
    expect(endpointsFor(undefined).apiDomain).toBe('https://www.zohoapis.com');
  });

  it('explicit URLs win field by field, without a trailing slash', () => {
    expect(endpointsFor('eu', { apiDomain: 'https://sandbox.zohoapis.eu/' })).toEqual({
      accountsUrl: 'https://accounts.zoho.eu',
      apiDomain: 'https://sandbox.zohoapis.eu',
    });
    expect(endpointsFor('us', { accountsUrl: 'http://127.0.0.1:9999', apiDomain: 'http://127.0.0.1:9999' })).toEqual({
      accountsUrl: 'http://127.0.0.1:9999',
      apiDomain: 'http://127.0.0.1:9999',
    });
  });

  it('rejects an unknown DC and malformed URLs with a ConfigError naming the option', () => {
    expect(() => endpointsFor('xx' as DataCentre)).toThrow(ConfigError);
    expect(() => endpointsFor('us', { apiDomain: 'www.zohoapis.com' })).toThrow(/apiDomain/);
    expect(() => endpointsFor('us', { accountsUrl: 'ftp://accounts.zoho.com' })).toThrow(/accountsUrl/);
  });
});
