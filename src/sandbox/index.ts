/**
 * The v2 sandbox: a local emulator of the Zoho CRM v2 endpoints the bridge uses (see README.md beside this
 * file). `createSandboxApp` for supertest or embedding, `startSandbox` for a listening server.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSandboxApp } from './app.js';
import type { SandboxState } from './state.js';
import type { SandboxOptions } from './types.js';

export { createSandboxApp } from './app.js';
export { SandboxState, DEFAULT_ID_SEED, type SandboxStats } from './state.js';
export type { StoredRecord } from './store.js';
export { DEMO_CLIENT } from './types.js';
export type { SandboxOptions, SandboxFaults, SandboxOAuthClient, FailNext, FailKind } from './types.js';

export interface RunningSandbox {
  /** Base URL, e.g. `http://127.0.0.1:43121` (also the `api_domain` the token endpoint answers). */
  url: string;
  port: number;
  state: SandboxState;
  /** Stop listening, drop open connections, cancel pending delays, save the data file. */
  close(): Promise<void>;
}

/** Start the sandbox on `host` (default 127.0.0.1) and `port` (default 0 = any free port). */
export async function startSandbox(
  options: SandboxOptions & {
    port?: number;
    host?: string;
    /**
     * Idle keep-alive connections are closed after this long (ms). Clients reuse a connection until a second before
     * the announced timeout; on a loaded machine one may still hit the close and lose an insert's answer (in doubt).
     * Tests that must not see that race give a long one. @default 5000 (Node's)
     */
    keepAliveTimeoutMs?: number;
  } = {},
): Promise<RunningSandbox> {
  const { port = 0, host = '127.0.0.1', keepAliveTimeoutMs, ...rest } = options;
  const { app, state } = createSandboxApp(rest);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
    s.once('error', reject);
  });
  if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
  const actualPort = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${actualPort}`,
    port: actualPort,
    state,
    close() {
      closing ??= new Promise<void>((resolve) => {
        state.shutdown();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
