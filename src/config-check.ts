/**
 * `zbridge config check [--config F] [--online]`: validates a configuration the way `serve` would load it, but
 * reports every problem instead of stopping at the first, then shows the configuration in effect (environment
 * overrides applied, secrets never printed). Also checks what start-up would only find later: metadata folders
 * that do not exist, a journal folder or token file that cannot be written, the admin port equal to the proxy's,
 * and what `serve` would start with but `/readyz` reports as a configuration problem (upstream.ts upstreamProblems:
 * credential profiles next to `upstream: sandbox`).
 * With `--online` each profile gets an access token and reads /settings/modules and the current user.
 *
 * Exit codes: 0 valid (and every online check passed); 1 valid but an online check failed; 2 problems found.
 */
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { collectConfig, CONFIG_ENV_VARS, type ConfigProblem, type ZbridgeConfig } from './config.js';
import { defaultReplicaId, maskedRedisUrl, replicaJournalDir, safeReplicaId } from './state/index.js';
import { EXIT, type CommandIO } from './inputs/io.js';
import { createUpstream, upstreamProblems } from './upstream.js';

export interface ConfigCheckOptions {
  /** Config file (JSON or YAML); default env ZBRIDGE_CONFIG, else none (defaults and environment only). */
  config?: string;
  /** Also get a token and read metadata for every profile. @default false */
  online?: boolean;
  env?: NodeJS.ProcessEnv;
}


/**
 * The nearest existing folder at or above `path` is writable (what mkdir -p would need), and the first missing
 * folder can really be made there: access() says yes to root on pseudo file systems (/proc, /sys), so that one
 * is created and removed again.
 */
function writableFolder(path: string): string | undefined {
  let dir = resolve(path);
  let firstMissing: string | undefined;
  while (!existsSync(dir)) {
    const parent = dirname(dir);
    if (parent === dir) break;
    firstMissing = dir;
    dir = parent;
  }
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    return `${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (!firstMissing) return undefined;
  try {
    mkdirSync(firstMissing);
    rmdirSync(firstMissing);
    return undefined;
  } catch (error) {
    return `cannot create ${firstMissing} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

function metadataFolder(dir: string): string | undefined {
  if (!existsSync(dir)) return `no such folder: ${dir}`;
  if (!statSync(dir).isDirectory()) return `not a folder: ${dir}`;
  if (!existsSync(join(dir, 'modules.json'))) return `${dir} has no modules.json (write one with zbridge metadata pull)`;
  return undefined;
}

/** Problems only the file system shows. */
export function environmentProblems(config: ZbridgeConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (option: string, message: string | undefined): void => {
    if (message) problems.push({ option, message });
  };
  if (config.sandbox.metadataDir) add('sandbox.metadataDir', metadataFolder(config.sandbox.metadataDir));
  if (config.metadata.snapshotDir) add('metadata.snapshotDir', metadataFolder(config.metadata.snapshotDir));
  if (config.journal.dir) {
    if (existsSync(config.journal.dir) && !statSync(config.journal.dir).isDirectory()) add('journal.dir', `${config.journal.dir} is a file, not a folder`);
    else add('journal.dir', writableFolder(config.journal.dir));
  }
  if (config.upstream === 'sandbox' && config.sandbox.dataFile) {
    const f = config.sandbox.dataFile;
    if (existsSync(f) && statSync(f).isDirectory()) add('sandbox.dataFile', `${f} is a folder`);
    else add('sandbox.dataFile', writableFolder(dirname(f)));
  }
  if (config.tokenStore.kind === 'file') add('tokenStore.path', writableFolder(dirname(config.tokenStore.path)));
  if (config.admin.port !== undefined && config.admin.port !== 0 && config.admin.port === config.port) {
    add('admin.port', `is the proxy port ${config.port}: give the admin listener a port of its own`);
  }
  return problems;
}

/** The configuration in effect, as lines to print: no secret, no authtoken (only how many). */
export function describeConfig(config: ZbridgeConfig, envUsed: string[]): string[] {
  // What serve would use: the replica's own folder with shared state (state/index.ts replicaJournalDir).
  const replicaId = safeReplicaId(config.replicaId ?? defaultReplicaId());
  const journal = replicaJournalDir(config.journal.dir, config.state.kind, replicaId);
  const lines = [
    `upstream: ${config.upstream}`,
    `listen: ${config.host}:${config.port}${config.admin.port !== undefined ? `, admin ${config.admin.host}:${config.admin.port}` : ''}${config.trustProxy.length ? `; X-Forwarded-For trusted from ${config.trustProxy.join(', ')}` : ''}`,
    config.state.kind === 'redis'
      ? `state: redis (${maskedRedisUrl(config.state.url ?? '')}, key prefix ${config.state.keyPrefix}, replica ${replicaId}${config.replicaId ? '' : ' = the host name'})`
      : 'state: memory (this process only)',
    `journal: ${journal || 'off'}${journal ? ` (${[journal !== config.journal.dir ? `this replica's folder under ${config.journal.dir}` : '', `values ${config.journal.values}`, config.journal.maxFiles ? `max ${config.journal.maxFiles} files` : '', config.journal.maxAgeDays ? `max ${config.journal.maxAgeDays} days` : ''].filter(Boolean).join(', ')})` : ''}`,
  ];
  if (config.upstream === 'sandbox') {
    lines.push(`sandbox: ${config.sandbox.authtokens.length ? `${config.sandbox.authtokens.length} authtoken(s)` : 'one random authtoken per start'}`);
  }
  for (const p of config.profiles) {
    lines.push(
      `profile ${p.name}: dc ${p.dc}${p.apiDomain ? ` (${p.apiDomain})` : ''}, ${p.authtokens.length + p.authtokenSha256.length} authtoken(s), client ${p.clientId}, concurrency ${p.concurrency}${p.timeZone ? `, zone ${p.timeZone}` : ''}`,
    );
  }
  lines.push(`environment overrides: ${envUsed.length ? envUsed.join(', ') : 'none'}`);
  return lines;
}

export async function runConfigCheck(options: ConfigCheckOptions, io: CommandIO): Promise<{ exitCode: number; problems: ConfigProblem[] }> {
  const env = options.env ?? process.env;
  const file = options.config ?? env.ZBRIDGE_CONFIG;
  const { config, problems, fromEnv } = collectConfig(file, env);
  // upstreamProblems: what serve logs at start and /readyz fails with (one owner, upstream.ts).
  if (config) problems.push(...upstreamProblems(config).map(fromEnv), ...environmentProblems(config).map(fromEnv));
  const say = (line: string): void => void io.stdout.write(`${line}\n`);
  if (problems.length > 0 || !config) {
    for (const p of problems) io.stderr.write(`zbridge config check: ${p.option}: ${p.message}\n`);
    io.stderr.write(`zbridge config check: ${problems.length} problem(s)${file ? ` in ${file}` : ''}\n`);
    return { exitCode: EXIT.usage, problems };
  }
  say(`${file ?? '(no config file)'}: valid`);
  for (const line of describeConfig(config, CONFIG_ENV_VARS.filter((v) => env[v] !== undefined))) say(`  ${line}`);
  if (!options.online) return { exitCode: EXIT.ok, problems };

  let stateWarning: string | undefined;
  const upstream = await createUpstream(config, { onWarning: (m) => (stateWarning ??= m) });
  let failed = 0;
  try {
    if (upstream.state.kind === 'redis') {
      // Redis first: without it every profile check fails with 4500 and would hide why.
      const s = upstream.state.status();
      if (s.ok) say('  online state: ok (Redis reachable)');
      else {
        failed++;
        say(`  online state: FAILED: Redis unreachable: ${s.reason ?? stateWarning ?? 'unknown'}`);
      }
    }
    for (const p of upstream.profiles()) {
      try {
        await p.client.get('/crm/v2/settings/modules');
        const zone = await p.timeZone().catch(() => undefined);
        say(`  online ${p.name}: ok (token, /settings/modules${zone ? `, user time zone ${zone}` : ''})`);
      } catch (error) {
        failed++;
        say(`  online ${p.name}: FAILED: ${(error as Error).message}`);
      }
    }
  } finally {
    await upstream.close();
  }
  return { exitCode: failed ? EXIT.failures : EXIT.ok, problems };
}
