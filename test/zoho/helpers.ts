/** Shared setup of the v2 client tests: the sandbox over real HTTP, a profile for it, tiny local servers. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { ZohoClient, type ZohoClientOptions } from '../../src/zoho/client.js';
import type { ClientObserver } from '../../src/zoho/observer.js';
import type { ZohoProfile } from '../../src/zoho/types.js';
import type { V2Outcome, V2Request } from '../../src/v2/types.js';
import { legacyErrorFor } from '../../src/mapping/results.js';

export const CLIENT_ID = '1000.TESTCLIENTID0001';
export const CLIENT_SECRET = 'test-client-secret-do-not-leak';
export const REFRESH_TOKEN = '1000.refreshtoken.donotleak0123';

export const noSleep = (): Promise<void> => Promise.resolve();

export async function sandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const owner = bundledSnapshot().users[0].id;
  return startSandbox({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshTokens: [{ token: REFRESH_TOKEN, userId: owner }] }],
    ...options,
  });
}

export function profileFor(url: string, extra: Partial<ZohoProfile> = {}): ZohoProfile {
  return {
    id: 'test',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH_TOKEN,
    accountsUrl: url,
    apiDomain: url,
    // The retry-machinery tests send inserts: trust 429/401 as "not applied" here. The default (an insert
    // refused after sending is in doubt, not resent) is tested in insert-refusals.test.ts.
    resendInsertsAfter: ['429', '401'],
    ...extra,
  };
}

/** A client with an instant sleep, recording retries and attempts. */
export function clientFor(url: string, extra: Partial<ZohoProfile> = {}, options: ZohoClientOptions = {}) {
  const events = { retries: [] as string[], attempts: 0, refreshes: [] as boolean[], sleeps: [] as number[] };
  const observer: ClientObserver = {
    onRetry: (e) => events.retries.push(e.reason),
    onUpstreamCall: () => void events.attempts++,
    onTokenRefresh: (e) => events.refreshes.push(e.ok),
  };
  const client = new ZohoClient(profileFor(url, extra), {
    sleep: (ms) => {
      events.sleeps.push(ms);
      return Promise.resolve();
    },
    observer,
    ...options,
  });
  return { client, events };
}

export function insertLead(lastName: string, extra: Record<string, unknown> = {}): V2Request {
  return {
    method: 'POST',
    path: '/crm/v2/Leads',
    body: { data: [{ Last_Name: lastName, Company: 'Acme', ...extra }], trigger: [] },
    rows: [0],
  };
}

export function updateLead(id: string, values: Record<string, unknown>): V2Request {
  return { method: 'PUT', path: `/crm/v2/Leads/${id}`, body: { data: [values], trigger: [] }, rows: [0] };
}

export const requestsOf = (s: RunningSandbox, key: string): number => s.state.stats().requests[key] ?? 0;

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A throwaway HTTP server on 127.0.0.1:0 for narrowly scoped cases. */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Token endpoint + a v2 handler: the local server answers `/oauth/v2/token` itself. */
export function withTokenEndpoint(v2: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  return (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (req.url?.startsWith('/oauth/v2/token')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: '1000.localaccesstoken.secret', api_domain: 'http://unused.invalid', expires_in: 3600 }));
      return;
    }
    v2(req, res, body);
  };
}

export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Insert one record through the client and return its id (fails the test on anything but a 201). */
export async function insertRecordId(c: ZohoClient, module: string, record: Record<string, unknown>): Promise<string> {
  const { outcome } = await c.execute({ method: 'POST', path: `/crm/v2/${module}`, body: { data: [record], trigger: [] }, rows: [0] }, 'insert');
  if (outcome.kind !== 'response' || outcome.status !== 201) throw new Error(`insert failed: ${JSON.stringify(outcome)}`);
  return (outcome.body as { data: { details: { id: string } }[] }).data[0].details.id;
}

/**
 * A client outcome with the v1 error its failure reason becomes (src/mapping/results.ts, the one place that
 * decides it), so the client tests keep asserting the legacy codes old clients see.
 */
export function legacyOutcome(outcome: V2Outcome): V2Outcome & { error?: { code: string; message: string } } {
  return outcome.kind === 'failure' ? { ...outcome, error: legacyErrorFor(outcome.reason) } : outcome;
}
