/** Commander wiring of `convert`, `replay`, `report` and `metadata pull` (exit codes: 0 ok, 1 some failed, 2 usage). */
import type { Command } from 'commander';
import { runConvert } from './convert.js';
import { processIO } from '../inputs/io.js';
import { runMetadataPull } from './metadata-pull.js';
import { runReplay } from './replay.js';
import { runReport } from '../report/run.js';

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

export function registerConvertCommands(program: Command): void {
  payloadOptions(
    program
      .command('convert')
      .description('turn v1 payloads, URL logs or journals into the v2 requests they mean (offline)')
      .argument('<paths...>', 'files, folders (recursive) or globs: .xml payloads, URL logs (.txt/.log), journals (.jsonl)')
      .requiredOption('-o, --out <dir|file.jsonl|->', 'output folder (one JSON per call + summary.json), a .jsonl file (one line per call + <name>.summary.json), or - for JSONL on stdout'),
  ).action(async (paths: string[], opts: PayloadFlags & { out: string }) => {
    const { exitCode } = await runConvert({ ...opts, inputs: paths }, processIO());
    process.exitCode = exitCode;
  });

  program
    .command('replay')
    .description('send converted v2 requests (or a journal\'s) upstream; resumable, never resends what succeeded')
    .argument('<source>', 'a `zbridge convert --out` folder, or a journal file/folder')
    .option('-c, --config <file>', 'configuration file (profiles, upstream); env ZBRIDGE_CONFIG')
    .option('--profile <name>', 'credential profile (default: the first)')
    .option('--state <file>', 'state file (default: <source>/replay-state.jsonl)')
    .option('--retry-in-doubt', 'resend inserts whose earlier outcome was in doubt (may duplicate records)')
    .action(async (source: string, opts: { config?: string; profile?: string; state?: string; retryInDoubt?: boolean }) => {
      const { exitCode } = await runReplay({ ...opts, config: opts.config ?? process.env.ZBRIDGE_CONFIG, source }, processIO());
      process.exitCode = exitCode;
    });

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
    .description('write modules.json, fields/{api}.json and users.json from the live upstream')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-c, --config <file>', 'configuration file; env ZBRIDGE_CONFIG')
    .option('--profile <name>', 'credential profile (default: the first)')
    .action(async (opts: { out: string; config?: string; profile?: string }) => {
      const { exitCode } = await runMetadataPull({ ...opts, config: opts.config ?? process.env.ZBRIDGE_CONFIG }, processIO());
      process.exitCode = exitCode;
    });
}
