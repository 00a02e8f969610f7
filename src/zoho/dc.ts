/**
 * Zoho data centres (docs/PROTOCOL.md §10): the accounts server that mints tokens and the API domain per DC.
 * Explicit URLs (a Zoho sandbox org, a developer org, the local emulator) win over the table.
 */
import { ConfigError } from '../errors.js';

export interface Endpoints {
  /** Token server base, e.g. `https://accounts.zoho.eu` (token endpoint: `{accountsUrl}/oauth/v2/token`). */
  accountsUrl: string;
  /** API base, e.g. `https://www.zohoapis.eu` (v2 paths are appended: `/crm/v2/Leads`). */
  apiDomain: string;
}

/** The one list of data centres: config validation, the README and endpointsFor all read it. */
export const DATA_CENTRES = Object.freeze({
  us: { accountsUrl: 'https://accounts.zoho.com', apiDomain: 'https://www.zohoapis.com' },
  eu: { accountsUrl: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' },
  in: { accountsUrl: 'https://accounts.zoho.in', apiDomain: 'https://www.zohoapis.in' },
  au: { accountsUrl: 'https://accounts.zoho.com.au', apiDomain: 'https://www.zohoapis.com.au' },
  cn: { accountsUrl: 'https://accounts.zoho.com.cn', apiDomain: 'https://www.zohoapis.com.cn' },
  jp: { accountsUrl: 'https://accounts.zoho.jp', apiDomain: 'https://www.zohoapis.jp' },
  ca: { accountsUrl: 'https://accounts.zohocloud.ca', apiDomain: 'https://www.zohoapis.ca' },
  sa: { accountsUrl: 'https://accounts.zoho.sa', apiDomain: 'https://www.zohoapis.sa' },
} satisfies Record<string, Endpoints>);

export type DataCentre = keyof typeof DATA_CENTRES;

/** The data-centre names, in table order (`us` first: the default). */
export const DATA_CENTRE_NAMES = Object.keys(DATA_CENTRES) as [DataCentre, ...DataCentre[]];

export function isDataCentre(value: string): value is DataCentre {
  return Object.prototype.hasOwnProperty.call(DATA_CENTRES, value);
}

/** `https://host/` → `https://host`; rejects anything that is not an absolute http(s) URL. */
export function normaliseBaseUrl(option: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(option, `not an absolute URL: "${url}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(option, `must be http(s), got "${parsed.protocol}"`);
  }
  if (parsed.search || parsed.hash) throw new ConfigError(option, 'must not have a query or fragment');
  return url.replace(/\/+$/, '');
}

/**
 * Endpoints of a data centre (default `us`), with explicit URLs taking precedence field by field.
 * Throws ConfigError for an unknown DC or a malformed URL.
 */
export function endpointsFor(dc: DataCentre | undefined, overrides: Partial<Endpoints> = {}): Endpoints {
  const key = (dc ?? 'us').toLowerCase();
  if (!isDataCentre(key)) {
    throw new ConfigError('dc', `unknown data centre "${dc}" (one of ${Object.keys(DATA_CENTRES).join(', ')})`);
  }
  const base = DATA_CENTRES[key];
  return {
    accountsUrl: overrides.accountsUrl ? normaliseBaseUrl('accountsUrl', overrides.accountsUrl) : base.accountsUrl,
    apiDomain: overrides.apiDomain ? normaliseBaseUrl('apiDomain', overrides.apiDomain) : base.apiDomain,
  };
}
