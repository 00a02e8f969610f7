/**
 * What `zbridge sandbox` prints: where it listens, a token request to paste, and the admin endpoint. With the
 * public demo client (README "Sandbox") the curl carries its real credentials, so it works as pasted; with
 * credentials given on the command line it shows placeholders instead of echoing secrets.
 */
import { DEMO_CLIENT } from './types.js';

export interface SandboxBannerCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** Single-quoted for POSIX shells (a `'` inside becomes `'\''`). */
const sh = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

export function sandboxBanner(url: string, creds: SandboxBannerCredentials): string {
  const demo = creds.clientSecret === DEMO_CLIENT.clientSecret && creds.refreshToken === DEMO_CLIENT.refreshToken;
  const secret = demo ? creds.clientSecret : '<client secret>';
  const refresh = demo ? creds.refreshToken : '<refresh token>';
  return (
    `zbridge sandbox (Zoho CRM v2 emulator) listening on ${url}\n` +
    `  token:  curl -s -X POST ${sh(`${url}/oauth/v2/token`)} -d grant_type=refresh_token -d client_id=${sh(creds.clientId)} -d client_secret=${sh(secret)} -d refresh_token=${sh(refresh)}\n` +
    (demo ? '          (the public demo client: for local use only)\n' : '') +
    `  then:   curl -s ${sh(`${url}/crm/v2/Leads`)} -H 'Authorization: Zoho-oauthtoken <access_token from the answer>'\n` +
    `  admin:  ${url}/__sandbox/stats\n`
  );
}
