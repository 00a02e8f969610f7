/**
 * Which org a credential profile writes to, as far as it can be known without contacting it: the API domain, the
 * OAuth client id and a fingerprint of the refresh token (the grant). The one owner of that fact: replay keys its
 * state by it (src/convert/replay.ts `upstreamKey`), and what replicas share in Redis — name → id lookups, Notes
 * parents, duplicate-check and lookup-create locks, the attachment map, concurrency slots, credits — is keyed by
 * it (`scope`), never by the profile's name, which two deployments (or two orgs) can share.
 * No secret appears in clear: the refresh token only as a 12-hex SHA-256 fingerprint, the scope as a hash.
 */
import { createHash } from 'node:crypto';
import { endpointsFor, type DataCentre } from './dc.js';

/** The profile fields the identity is made of (ProfileConfig and ZohoProfile both have them). */
export interface IdentitySource {
  dc?: DataCentre;
  apiDomain?: string;
  accountsUrl?: string;
  clientId: string;
  refreshToken: string;
}

export interface UpstreamIdentity {
  /** The API domain calls go to (`https://www.zohoapis.eu`, an explicit `apiDomain`). */
  apiDomain: string;
  /** The OAuth client id (not a secret). */
  clientId: string;
  /** `fp:` + the first 12 hex of SHA-256(refresh token). */
  grant: string;
  /**
   * `u` + 24 hex of SHA-256(api domain, client id, grant): the key of everything shared per org (Redis keys, lock
   * keys, cache keys). A new refresh token is a new scope: caches refill, the attachment map starts empty (listing
   * a record's attachments fills it again).
   */
  scope: string;
}

/** The identity of the upstream a profile writes to (pure; contacts nothing). */
export function upstreamIdentity(p: IdentitySource): UpstreamIdentity {
  const { apiDomain } = endpointsFor(p.dc, { apiDomain: p.apiDomain, accountsUrl: p.accountsUrl });
  const grant = `fp:${createHash('sha256').update(p.refreshToken).digest('hex').slice(0, 12)}`;
  const scope = `u${createHash('sha256').update(`${apiDomain}\n${p.clientId}\n${grant}`).digest('hex').slice(0, 24)}`;
  return { apiDomain, clientId: p.clientId, grant, scope };
}
