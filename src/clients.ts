/**
 * v2 clients from the configuration, without the proxy runtime: what replay and `metadata pull` need (the runtime,
 * upstream.ts, builds its clients with the same `zohoClientOf`, so a CLI run and the proxy replicas share one
 * token, one set of slots and one credit budget when `state.kind` is redis). Imports no server or bridge code.
 */
import { loadConfig, type ProfileConfig, type ZbridgeConfig } from './config.js';
import { randomBytes } from 'node:crypto';
import { ConfigError } from './errors.js';
import { startSandbox } from './sandbox/index.js';
import { createSharedState, SharedStateError, type SharedState } from './state/index.js';
import { bundledSnapshot, loadMetadataDir } from './v2/snapshot.js';
import { ZohoClient, type ClientObserver } from './zoho/client.js';
import { MemoryTokenStore } from './zoho/tokens.js';
import { upstreamIdentity } from './zoho/identity.js';
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
    keepAliveIdleMs: p.keepAliveIdleMs,
    creditsPerDay: p.creditsPerDay,
    creditsPauseMs: p.creditsPauseMs,
    resendInsertsAfter: p.resendInsertsAfter,
  };
}

/**
 * A profile's v2 client on the process's shared state (config `state`): its token store (memory, file or Redis),
 * its concurrency slots and its credits (budget and credits-exhausted stop). The one place a configured profile
 * becomes a client — the proxy (upstream.ts), replay and `metadata pull` all go through it.
 */
export function zohoClientOf(p: ProfileConfig, state: SharedState, observer?: ClientObserver): ZohoClient {
  const limits = { name: p.name, scope: upstreamIdentity(p).scope, concurrency: p.concurrency, maxQueue: p.maxQueue, creditsPerDay: p.creditsPerDay };
  return new ZohoClient(zohoProfileOf(p), {
    tokenStore: state.tokenStore,
    observer,
    limiter: state.limiter(limits),
    credits: state.credits(limits),
  });
}

/** The variables that make the credential profile "env" (README environment table). */
const ENV_CREDENTIAL_VARS = ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN', 'ZOHO_DC', 'ZOHO_TIME_ZONE'] as const;
/** Variables that point the commands at a real org or the replicas' shared state; without a config file they wait for `--profile env`. */
const ENV_ORG_VARS = [...ENV_CREDENTIAL_VARS, 'ZBRIDGE_UPSTREAM', 'ZBRIDGE_REDIS_URL'] as const;
/** The profile name the ZOHO_* variables create (config.ts applyEnv). */
export const ENV_PROFILE = 'env';

/** The configuration a v2-only command (replay, metadata pull) runs with, and what the user should be told about it. */
export interface V2ClientConfig {
  config: ZbridgeConfig;
  /** Lines for stderr, e.g. which environment variables were ignored and why (names only, never values). */
  notices: string[];
}

/**
 * The configuration of `zbridge replay` and `zbridge metadata pull`: commands that write to (or read) a real org
 * only when told so explicitly. `file` is `--config` (or ZBRIDGE_CONFIG, which the CLI passes as the same
 * choice): the file and the environment as for `serve`, except that no profile needs legacy authtokens (these
 * commands never accept a legacy call; ZBRIDGE_AUTHTOKENS is not required). Without a file the upstream is the
 * embedded sandbox unless `profileName` is `"env"`: the ZOHO_* variables of a production `serve` exported in the
 * shell do not turn a test run into a write to that org. So without a file:
 * - `--profile env`: upstream "zoho" with the profile the ZOHO_* variables make (ZBRIDGE_UPSTREAM is ignored: the
 *   flag is the choice; ZBRIDGE_REDIS_URL shares the replicas' tokens and limits); ConfigError naming
 *   ZOHO_CLIENT_ID when none of the credential variables is set;
 * - no `--profile`: the sandbox; ZOHO_*, ZBRIDGE_UPSTREAM and ZBRIDGE_REDIS_URL are ignored, and a notice names
 *   those that are set and the flag that would use them;
 * - any other `--profile`: ConfigError naming `--profile` (there is no file to hold it).
 * Errors: ConfigError (bad file, bad variable, unknown profile).
 */
export function loadV2ClientConfig(file: string | undefined, profileName: string | undefined, env: NodeJS.ProcessEnv = process.env): V2ClientConfig {
  if (file) return { config: loadConfig(file, env, 'v2-client'), notices: [] };
  const setVars = ENV_ORG_VARS.filter((v) => env[v]);
  if (profileName === ENV_PROFILE) {
    if (!env.ZOHO_CLIENT_ID && !env.ZOHO_CLIENT_SECRET && !env.ZOHO_REFRESH_TOKEN) {
      throw new ConfigError('ZOHO_CLIENT_ID', `not set: --profile ${ENV_PROFILE} without --config sends to the org of the ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN variables, and none is set`);
    }
    const notices = env.ZBRIDGE_UPSTREAM ? [`ZBRIDGE_UPSTREAM ignored: --profile ${ENV_PROFILE} selects the org of the ZOHO_* variables`] : [];
    return { config: loadConfig(undefined, { ...env, ZBRIDGE_UPSTREAM: 'zoho' }, 'v2-client'), notices };
  }
  if (profileName !== undefined) {
    throw new ConfigError('--profile', `unknown profile "${profileName}": without --config (or ZBRIDGE_CONFIG) the only profile is "${ENV_PROFILE}", from the ZOHO_* variables`);
  }
  const sandboxEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !(ENV_ORG_VARS as readonly string[]).includes(k)));
  const notices = setVars.length
    ? [`${setVars.join(', ')} ignored: without --config (or ZBRIDGE_CONFIG) the upstream is the embedded sandbox; --profile ${ENV_PROFILE} sends to the org of the ZOHO_* variables`]
    : [];
  return { config: loadConfig(undefined, sandboxEnv, 'v2-client'), notices };
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
 * `upstream: "zoho"` it is the profile's client (unknown profile: ConfigError naming `--profile`) on the configured
 * shared state: with `state.kind: redis` a replay next to running replicas uses their token (no refresh of its
 * own: Zoho revokes the oldest of 30), their slots and their credit budget. A Redis that cannot be reached at
 * start is an error (SharedStateError, v1 4500): the run would otherwise fail every call. With
 * `upstream: "sandbox"` (the default) there is no org to talk to: the emulator alone is started on a loopback port
 * for this run, a dry run whose records vanish when it ends.
 */
export async function openV2Client(config: ZbridgeConfig, profileName?: string): Promise<OpenedV2Client> {
  if (config.upstream === 'zoho') {
    const p = profileName === undefined ? config.profiles[0] : config.profiles.find((c) => c.name === profileName);
    if (!p) throw new ConfigError('--profile', profileName === undefined ? 'no credential profile configured' : `unknown profile "${profileName}"`);
    const state = await createSharedState(config.state, { tokenStore: config.tokenStore, replicaId: config.replicaId });
    if (!state.status().ok) {
      const reason = state.status().reason ?? 'unreachable';
      await state.close();
      throw new SharedStateError(`shared state (Redis) unreachable: ${reason}; not starting without the replicas' tokens and limits`);
    }
    const client = zohoClientOf(p, state);
    return {
      client,
      dryRun: false,
      close: async () => {
        client.close();
        await state.close();
      },
    };
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
