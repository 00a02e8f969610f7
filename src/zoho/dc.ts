/** Zoho data centres (PROTOCOL.md §10): accounts server for OAuth, API domain for /crm/v2. */
import type { DataCentre } from './types.js';

export interface Endpoints {
  accountsUrl: string;
  apiDomain: string;
}

export const DATA_CENTRES: Record<DataCentre, Endpoints> = {
  us: { accountsUrl: 'https://accounts.zoho.com', apiDomain: 'https://www.zohoapis.com' },
  eu: { accountsUrl: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' },
  in: { accountsUrl: 'https://accounts.zoho.in', apiDomain: 'https://www.zohoapis.in' },
  au: { accountsUrl: 'https://accounts.zoho.com.au', apiDomain: 'https://www.zohoapis.com.au' },
  cn: { accountsUrl: 'https://accounts.zoho.com.cn', apiDomain: 'https://www.zohoapis.com.cn' },
  jp: { accountsUrl: 'https://accounts.zoho.jp', apiDomain: 'https://www.zohoapis.jp' },
  ca: { accountsUrl: 'https://accounts.zohocloud.ca', apiDomain: 'https://www.zohoapis.ca' },
  sa: { accountsUrl: 'https://accounts.zoho.sa', apiDomain: 'https://www.zohoapis.sa' },
};

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** Endpoints of a data centre (default us), with explicit URLs winning. */
export function endpointsFor(dc: DataCentre | undefined, overrides: Partial<Endpoints> = {}): Endpoints {
  const base = DATA_CENTRES[dc ?? 'us'];
  return {
    accountsUrl: trimSlash(overrides.accountsUrl ?? base.accountsUrl),
    apiDomain: trimSlash(overrides.apiDomain ?? base.apiDomain),
  };
}
