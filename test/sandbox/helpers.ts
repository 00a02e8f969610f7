/** Shared set-up for sandbox tests: a listening sandbox on 127.0.0.1:0, a token, supertest bound to it. */
import request from 'supertest';
import { afterEach } from 'vitest';
import { DEMO_CLIENT, startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';

const running: RunningSandbox[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** The first user of the bundled users.json (owner of the demo client). */
export const DEMO_USER = { id: '1386586000000105001', name: 'Dexter Heng', zone: 'America/Los_Angeles' };

export interface TestSandbox {
  sb: RunningSandbox;
  http: ReturnType<typeof request>;
  token: string;
  auth: { Authorization: string };
}

export async function refreshGrant(sb: RunningSandbox): Promise<string> {
  const res = await request(sb.url)
    .post('/oauth/v2/token')
    .type('form')
    .send({
      grant_type: 'refresh_token',
      client_id: DEMO_CLIENT.clientId,
      client_secret: DEMO_CLIENT.clientSecret,
      refresh_token: DEMO_CLIENT.refreshToken,
    });
  if (typeof res.body.access_token !== 'string') throw new Error(`no token: ${res.text}`);
  return res.body.access_token as string;
}

export async function sandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sb = await startSandbox(options);
  running.push(sb);
  // With custom clients the demo refresh token does not exist: tests mint their own tokens.
  const token = options.clients ? '' : await refreshGrant(sb);
  return { sb, http: request(sb.url), token, auth: { Authorization: `Zoho-oauthtoken ${token}` } };
}

/** A controllable clock for options.now. */
export function manualClock(start = Date.UTC(2021, 4, 2, 5, 47, 33)): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
