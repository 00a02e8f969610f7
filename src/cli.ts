/**
 * The `zbridge` command, every subcommand registered here: serve (the proxy), sandbox (the v2 emulator), config
 * check, healthcheck (the proxy's readiness, for container health checks), convert, replay, report, metadata pull.
 * Exit codes: 0 success, 1 some work failed, 2 bad usage or config. Importing this module runs nothing: the bin
 * file (src/bin.ts) calls `main`; run directly (`npx tsx src/cli.ts --help`), it runs `main` itself.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { runConvert } from './convert/convert.js';
import { runMetadataPull } from './convert/metadata-pull.js';
import { DEFAULT_MAX_CONSECUTIVE_FAILURES, runReplay } from './convert/replay.js';
import { EXIT, processIO } from './inputs/io.js';
import { runReport } from './report/run.js';
import { runConfigCheck } from './config-check.js';
import { DEFAULT_HEALTHCHECK_TIMEOUT_MS, runHealthcheck } from './healthcheck.js';
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

/** A usage error of a command whose exit code for it is not the CLI's 2 (healthcheck: 1, Docker reserves 2). */
class UsageExit extends CommanderError {
  constructor(
    error: CommanderError,
    /** The process exit code. */
    readonly exit: number,
  ) {
    super(error.exitCode, error.code, error.message);
  }
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
          // Calls cut by the grace period are named in the log ('stopped' / 'shutdown cut calls'): exit 1.
          (stopped) => process.exit(stopped && stopped.cut > 0 ? 1 : 0),
          (error) => {
            proxy.logger.error({ err: (error as Error).message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      onOutputClosed = () => stop('output closed');
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
      onOutputClosed = stop;
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

  program
    .command('healthcheck')
    .description("ask the running proxy's /readyz where its configuration says it listens (admin port, else proxy port); exit 0 ready, 1 not")
    .option('-c, --config <file>', 'configuration file (JSON or YAML), as given to serve; env ZBRIDGE_CONFIG')
    .option('-p, --port <port>', 'the proxy port, when serve was started with --port', port)
    .option('--timeout <ms>', `how long to wait for the answer (default ${DEFAULT_HEALTHCHECK_TIMEOUT_MS})`, positive)
    // Docker reserves a health check's exit 2: a usage error here (a typo in a HEALTHCHECK line) exits 1.
    .exitOverride((error) => {
      throw error.exitCode === 0 ? error : new UsageExit(error, EXIT.failures);
    })
    .action(async (opts: { config?: string; port?: number; timeout?: number }) => {
      const { exitCode } = await runHealthcheck({ config: opts.config, port: opts.port, timeoutMs: opts.timeout }, processIO());
      process.exitCode = exitCode;
    });

  registerOfflineCommands(program);
  return program;
}

/** What a closed stdout/stderr does once a server runs: its graceful stop (as on SIGTERM). */
let onOutputClosed: (() => void) | undefined;

/**
 * The one handler for a closed output, for every command. A closed stdout (`zbridge config check | head -1`,
 * `convert --out - | head`, a log reader that went away) ends the command quietly — no stack trace, no inputs
 * reported as skipped: a server stops as on SIGTERM (in-flight calls finish; its exit code says whether any was
 * cut), any other command exits at once with the code it has set so far (0 when none: the reader chose to stop
 * reading). A closed stderr only loses the messages: the command goes on and its exit code stays meaningful.
 */
function endQuietlyWhenOutputCloses(): void {
  const closedPipe = (error: NodeJS.ErrnoException): boolean => error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
  let stopping = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (!closedPipe(error)) throw error;
    if (stopping) return;
    stopping = true;
    if (onOutputClosed) onOutputClosed();
    else process.exit(process.exitCode ?? 0);
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (!closedPipe(error)) throw error;
  });
}

/** Runs `zbridge` with `argv` (process.argv form); sets process.exitCode, never calls process.exit itself. */
export async function main(argv: string[]): Promise<void> {
  endQuietlyWhenOutputCloses();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : error instanceof UsageExit ? error.exit : EXIT.usage;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`zbridge: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`zbridge: ${(error as Error).message}\n`);
    // Exit now, whatever is still open (an embedded sandbox, a timer): a supervisor must see a failed start.
    process.exit(1);
  }
}

interface PayloadFlags {
  metadata?: string;
  timeZone?: string;
  module?: string;
  method?: string;
  params?: string;
  formEncoded?: boolean;
}

function payloadOptions(cmd: Command): Command {
  return cmd
    .option('--metadata <dir>', 'v2 metadata folder (modules.json, fields/, users.json); default: the bundled snapshot')
    .option('--time-zone <zone>', "API user's IANA zone for v1 date-times", 'UTC')
    .option('--module <name>', "v1 module of .xml payloads (default: the folder's index.json, else the root element)")
    .option('--method <name>', "v1 method of .xml payloads (default: the folder's index.json, else insertRecords)")
    .option('--params <query>', 'parameters of .xml payloads, e.g. "duplicateCheck=2&version=4" (default: the folder\'s index.json)')
    .option('--form-encoded', '.xml payloads are xmlData as in a raw query string: form-decode them once');
}

/** `convert`, `replay`, `report` and `metadata pull`. */
function registerOfflineCommands(program: Command): void {
  payloadOptions(
    program
      .command('convert')
      .description('turn v1 payloads, URL logs or journals into the v2 requests they mean (offline)')
      .argument('<paths...>', 'files, folders (recursive) or globs: .xml payloads, URL logs (.txt/.log), journals (.jsonl)')
      .requiredOption('-o, --out <dir|file.jsonl|->', 'output folder (one JSON per call + summary.json), a .jsonl file (one line per call + <name>.summary.json), or - for JSONL on stdout')
      .option('--force', 'convert into a non-empty folder: first delete what an earlier convert wrote there'),
  ).action(async (paths: string[], opts: PayloadFlags & { out: string; force?: boolean }) => {
    const { exitCode } = await runConvert({ ...opts, inputs: paths }, processIO());
    process.exitCode = exitCode;
  });

  program
    .command('replay')
    .description('send converted v2 requests (or a journal\'s) upstream; resumable, never sends anything twice')
    .argument('<source>', 'a `zbridge convert --out` folder or .jsonl file, or a journal file/folder')
    .option('-c, --config <file>', 'configuration file (profiles, upstream); env ZBRIDGE_CONFIG')
    .option('--profile <name>', 'credential profile (default: the first); without --config, "env" = the org of the ZOHO_* variables (otherwise ignored: the embedded sandbox)')
    .option('--state <file>', 'state file (default: <convert folder>/replay-state.jsonl, else <source>.replay-state.jsonl beside the journal)')
    .option('--retry-in-doubt', 'resend writes in doubt that are not repeatable (inserts, deletes, convertLead, link uploads, photo deletes; may duplicate)')
    .option('--retry-refused', 'send journaled writes the proxy refused without sending (queue full, credit budget, Redis down) although their clients were told to retry (may duplicate)')
    .option('--dry-run', 'print the plan (done / to send / held in doubt / held refused / failed) and stop: nothing sent, no state written')
    .option('--max-failures <n>', `stop after N consecutive upstream failures, 0 = never (default ${DEFAULT_MAX_CONSECUTIVE_FAILURES})`)
    .action(
      async (
        source: string,
        opts: { config?: string; profile?: string; state?: string; retryInDoubt?: boolean; retryRefused?: boolean; dryRun?: boolean; maxFailures?: string },
      ) => {
        const { maxFailures, ...rest } = opts;
        const max = maxFailures === undefined ? undefined : /^\d+$/.test(maxFailures) ? Number(maxFailures) : Number.NaN;
        const { exitCode } = await runReplay({ ...rest, maxConsecutiveFailures: max, config: opts.config ?? process.env.ZBRIDGE_CONFIG, source }, processIO());
        process.exitCode = exitCode;
      },
    );

  payloadOptions(
    program
      .command('report')
      .description('migration report (report.html, report.json, fields.csv) from payloads, URL logs or journals')
      .argument('<paths...>', 'files, folders (recursive) or globs')
      .requiredOption('-o, --out <dir>', 'output folder (report files and integrations/<id>/ porting kits)')
      .option('--no-examples', 'leave every example value (e-mails, names …) out of the report, its JSON, CSV and porting kits'),
  ).action(async (paths: string[], opts: PayloadFlags & { out: string; examples: boolean }) => {
    const { exitCode } = await runReport({ ...opts, inputs: paths }, processIO());
    process.exitCode = exitCode;
  });

  program
    .command('metadata')
    .description('v2 metadata snapshots')
    .command('pull')
    .description('write modules.json, fields/{api}.json, users.json and taxes.json from the live upstream')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-c, --config <file>', 'configuration file; env ZBRIDGE_CONFIG')
    .option('--profile <name>', 'credential profile (default: the first); without --config, "env" = the org of the ZOHO_* variables (otherwise ignored: the embedded sandbox)')
    .action(async (opts: { out: string; config?: string; profile?: string }) => {
      const { exitCode } = await runMetadataPull({ ...opts, config: opts.config ?? process.env.ZBRIDGE_CONFIG }, processIO());
      process.exitCode = exitCode;
    });
}

/** This module is the process's entry point (`npx tsx src/cli.ts …`, `node dist/cli.js …`), not imported. */
function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

// Run directly, cli.ts behaves as the bin (src/bin.ts) does; imported (by the bin, tests, embedders), nothing runs.
if (isEntryPoint(import.meta.url)) await main(process.argv);
