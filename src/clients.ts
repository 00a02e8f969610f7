/**
 * v2 clients from the configuration, without the proxy runtime: what replay and `metadata pull` need (the runtime,
 * upstream.ts, builds its clients from the same two functions). Imports no server or bridge code.
 */
import type { ProfileConfig, ZbridgeConfig } from './config.js';
import { randomBytes } from 'node:crypto';
import { ConfigError } from './errors.js';
import { startSandbox } from './sandbox/index.js';
import { bundledSnapshot, loadMetadataDir } from './v2/snapshot.js';
import { ZohoClient } from './zoho/client.js';
import { FileTokenStore, MemoryTokenStore, type TokenStore } from './zoho/tokens.js';
import type { ZohoProfile } from './zoho/types.js';

/** The v2 client's view of a configured credential profile. */
export function zohoProfileOf(p: ProfileConfig): ZohoProfile {
  return {
    id: p.name,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    refreshToken: p.refreshToken,
    dc: p.dc,
    accountsUrl: p.accountsUrl,
    apiDomain: p.apiDomain,
    timeZone: p.timeZone,
    concurrency: p.concurrency,
    maxQueue: p.maxQueue,
    requestTimeoutMs: p.requestTimeoutMs,
    maxRetries: p.maxRetries,
    creditsPerDay: p.creditsPerDay,
    creditsPauseMs: p.creditsPauseMs,
    resendInsertsAfter: p.resendInsertsAfter,
  };
}

/** The token store the configuration names (memory, or a file shared by processes). */
export function tokenStoreOf(config: ZbridgeConfig): TokenStore {
  return config.tokenStore.kind === 'file' ? new FileTokenStore(config.tokenStore.path) : new MemoryTokenStore();
}

export interface OpenedV2Client {
  client: ZohoClient;
  /** True when the upstream is an emulator started for this run only (`upstream: "sandbox"`): a dry run. */
  dryRun: boolean;
  /** Destroys the client's sockets (and stops the dry-run emulator). */
  close(): Promise<void>;
}

/**
 * A v2 client for one configured profile, and nothing else: no proxy runtime, no metadata cache, no server. With
 * `upstream: "zoho"` it is the profile's client (unknown profile: ConfigError naming `--profile`). With
 * `upstream: "sandbox"` (the default) there is no org to talk to: the emulator alone is started on a loopback port
 * for this run, a dry run whose records vanish when it ends.
 */
export async function openV2Client(config: ZbridgeConfig, profileName?: string): Promise<OpenedV2Client> {
  if (config.upstream === 'zoho') {
    const p = profileName === undefined ? config.profiles[0] : config.profiles.find((c) => c.name === profileName);
    if (!p) throw new ConfigError('--profile', profileName === undefined ? 'no credential profile configured' : `unknown profile "${profileName}"`);
    const client = new ZohoClient(zohoProfileOf(p), { tokenStore: tokenStoreOf(config) });
    return { client, dryRun: false, close: async () => client.close() };
  }
  const snapshot = config.sandbox.metadataDir ? loadMetadataDir(config.sandbox.metadataDir) : bundledSnapshot();
  const owner = snapshot.users[0]?.id;
  if (!owner) throw new ConfigError('sandbox.metadataDir', 'the sandbox metadata has no users (users.json)');
  const creds = { clientId: `1000.${randomBytes(12).toString('hex').toUpperCase()}`, clientSecret: randomBytes(20).toString('hex'), refreshToken: `1000.${randomBytes(16).toString('hex')}` };
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    metadataDir: config.sandbox.metadataDir,
    clients: [{ clientId: creds.clientId, clientSecret: creds.clientSecret, refreshTokens: [{ token: creds.refreshToken, userId: owner }] }],
  });
  const client = new ZohoClient({ id: 'sandbox', ...creds, accountsUrl: sandbox.url, apiDomain: sandbox.url }, { tokenStore: new MemoryTokenStore() });
  return {
    client,
    dryRun: true,
    close: async () => {
      client.close();
      await sandbox.close();
    },
  };
}
