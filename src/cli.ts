#!/usr/bin/env node
/**
 * The `zbridge` command: serve (the proxy), sandbox (the v2 emulator), and the converter's commands
 * (convert, replay, report, metadata pull). Exit codes: 0 success, 1 some work failed, 2 bad usage or config.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { registerConvertCommands } from './convert/cli.js';
import { processIO } from './inputs/io.js';
import { runConfigCheck } from './config-check.js';
import { DEMO_CLIENT, startSandbox } from './sandbox/index.js';
import { startProxy } from './server/index.js';
import { startupBanner } from './server/banner.js';
import { sandboxBanner } from './sandbox/banner.js';
import { VERSION } from './version.js';

const port = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return Number(value);
};

const positive = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
};

interface SandboxCliOptions {
  port: number;
  host: string;
  data?: string;
  metadata?: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenLifetime: number;
  concurrencyLimit?: number;
  creditsPerDay?: number;
  latency?: number;
}

export function buildProgram(): Command {
  const program = new Command('zbridge')
    .description('Zoho CRM v1 → v2 bridge: drop-in proxy, offline converter, migration reports, v2 sandbox')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the drop-in proxy (default upstream: the embedded sandbox)')
    .option('-c, --config <file>', 'configuration file (JSON or YAML); env ZBRIDGE_CONFIG')
    .option('-p, --port <port>', 'listen port (overrides config and PORT)', port)
    .action(async (opts: { config?: string; port?: number }) => {
      const config = loadConfig(opts.config ?? process.env.ZBRIDGE_CONFIG);
      if (opts.port !== undefined) config.port = opts.port;
      const proxy = await startProxy(config);
      process.stderr.write(startupBanner(proxy, config));
      const stop = (signal: string) => {
        proxy.logger.info({ signal }, 'stopping: finishing in-flight calls');
        proxy.close().then(
          () => process.exit(0),
          (error) => {
            proxy.logger.error({ err: (error as Error).message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });

  program
    .command('sandbox')
    .description('run the Zoho CRM v2 emulator on its own')
    .option('-p, --port <port>', 'listen port', port, 8090)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--data <file>', 'load records from and save them to this file')
    .option('--metadata <dir>', 'serve this v2 metadata directory instead of the bundled snapshot')
    .option('--client-id <id>', 'OAuth client id to accept', DEMO_CLIENT.clientId)
    .option('--client-secret <secret>', 'OAuth client secret to accept', DEMO_CLIENT.clientSecret)
    .option('--refresh-token <token>', 'refresh token to accept', DEMO_CLIENT.refreshToken)
    .option('--token-lifetime <seconds>', 'access-token lifetime', positive, 3600)
    .option('--concurrency-limit <n>', 'concurrent calls per user and app before 429 (default: off)', positive)
    .option('--credits-per-day <n>', 'rolling 24 h credit budget before 429 (default: off)', positive)
    .option('--latency <ms>', 'latency added to every call (fault injection; more via POST /__sandbox/faults)', positive)
    .action(async (opts: SandboxCliOptions) => {
      const { bundledSnapshot, loadMetadataDir } = await import('./v2/snapshot.js');
      const users = (opts.metadata ? loadMetadataDir(opts.metadata) : bundledSnapshot()).users;
      const sandbox = await startSandbox({
        port: opts.port,
        host: opts.host,
        dataFile: opts.data,
        metadataDir: opts.metadata,
        clients: [{ clientId: opts.clientId, clientSecret: opts.clientSecret, refreshTokens: [{ token: opts.refreshToken, userId: users[0].id }] }],
        tokenLifetimeSeconds: opts.tokenLifetime,
        concurrencyLimit: opts.concurrencyLimit,
        creditsPerDay: opts.creditsPerDay,
        faults: opts.latency ? { latencyMs: opts.latency } : undefined,
      });
      process.stderr.write(sandboxBanner(sandbox.url, opts));
      const stop = () => void sandbox.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });

  program
    .command('config')
    .description('configuration tools')
    .command('check')
    .description('validate a configuration: every problem, environment overrides resolved; --online checks each profile')
    .option('-c, --config <file>', 'configuration file (JSON or YAML); env ZBRIDGE_CONFIG')
    .option('--online', "get a token and read each profile's metadata")
    .action(async (opts: { config?: string; online?: boolean }) => {
      const { exitCode } = await runConfigCheck(opts, processIO());
      process.exitCode = exitCode;
    });

  registerConvertCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`zbridge: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`zbridge: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
