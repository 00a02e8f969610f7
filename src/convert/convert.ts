/**
 * `zbridge convert`: archived v1 calls (xmlData files, URL logs, proxy journals) → the v2 requests they mean,
 * one JSON document per call, plus summary.json. Files are processed one at a time and lines streamed, and
 * nothing per call is kept after it is written, so memory stays bounded whatever the input size.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { makeFolder } from '../folders.js';
import { loadSchema, loadUserIds, translateCall, type MappingOptions, type TranslateContext } from './core.js';
import { addValueWarnings } from './value-warnings.js';
import { loadRelatedLists } from '../inputs/schema.js';
import { classifyInput, expandInputs } from '../inputs/files.js';
import { readInputCalls, type XmlInputOptions } from '../inputs/calls.js';
import { PayloadIndexes } from '../inputs/payload-index.js';
import { byteProgressBar, checkMetadataOption, checkOutFolderOption, EXIT, writeOut, type CommandIO } from '../inputs/io.js';
import { callFacts, renderCallOutput } from './output.js';
import { scrubMessage } from '../journal/redact.js';
import { SummaryCounter, type ConvertSummary } from './summary.js';
import { isValidTimeZone } from '../v2/time.js';

export interface ConvertOptions extends XmlInputOptions {
  /** Files, folders (recursive) and globs. */
  inputs: string[];
  /** Output folder (one JSON file per call + summary.json), a `.jsonl` file (one line per call + `<name>.summary.json`), or `-` for JSONL on stdout. */
  out: string;
  /** v2 metadata folder (snapshot format); default: the bundled snapshot. */
  metadata?: string;
  /** The API user's IANA zone for v1 date-times. Default `UTC`. */
  timeZone?: string;
  mappingOptions?: MappingOptions;
  /**
   * Convert into a folder that is not empty: first delete what an earlier convert wrote there (the outputs its
   * summary.json lists, and summary.json); anything else in it (replay-state.jsonl, notes) stays.
   * Without it a non-empty folder is refused (exit 2). A `.jsonl` output file is always replaced whole.
   * @default false
   */
  force?: boolean;
}

export interface ConvertResult {
  exitCode: number;
  summary?: ConvertSummary;
}

/** File name of one call's output: the input path (relative to cwd) flattened, plus the call index. */
export function outputFileName(source: string, index: number): string {
  const rel = relative(process.cwd(), resolve(source));
  const flat = (rel.startsWith('..') ? resolve(source) : rel)
    .replace(/^[/\\]+/, '')
    .replace(/[/\\]+/g, '__')
    .replace(/[^\w.@+-]/g, '_');
  return `${flat}.${index}.json`;
}

/** `--out` naming one JSONL file (every call a line) instead of a folder. */
const JSONL_FILE = /\.jsonl$/i;

/** Where converted calls go: a folder (one file per call + summary.json), one JSONL file, or stdout. */
interface CallSink {
  write(name: string, doc: string): Promise<void>;
  /** Finish; returns what to name in the closing line (nothing for stdout). */
  close(summary: ConvertSummary): Promise<string | undefined>;
}

/** The summary beside a JSONL output: `calls.jsonl` → `calls.summary.json`. */
export function jsonlSummaryPath(file: string): string {
  return file.replace(JSONL_FILE, '.summary.json');
}

/** Two inputs can flatten to one name (`a/b.xml`, `a__b.xml`): the later gets `~2`, `~3` … before `.json`. */
function uniqueName(name: string, written: Set<string>): string {
  let candidate = name;
  for (let n = 2; written.has(candidate); n += 1) candidate = name.replace(/\.json$/, `~${n}.json`);
  written.add(candidate);
  return candidate;
}

/** Call outputs are `<flattened input>.<index>[~n].json`. */
const OUTPUT_NAME = /\.\d+(~\d+)?\.json$/;

/**
 * An empty (or new) folder is used as is. A non-empty one is refused unless `force`, which deletes what an
 * earlier convert wrote: the outputs its summary.json lists (older summaries without the list: every
 * `<name>.<index>.json`) and summary.json itself.
 */
async function prepareOutputFolder(dir: string, force: boolean, say: (m: string) => void): Promise<void> {
  await makeFolder(dir);
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  if (!force) {
    throw new Error(`--out ${dir}: folder is not empty (${entries.length} entries); convert into an empty folder, or add --force to replace what an earlier convert wrote there`);
  }
  let listed: string[] | undefined;
  try {
    const previous = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { outputs?: unknown };
    if (Array.isArray(previous.outputs)) listed = previous.outputs.filter((f): f is string => typeof f === 'string' && basename(f) === f);
  } catch {
    listed = undefined;
  }
  const doomed = new Set(listed ?? entries.filter((n) => OUTPUT_NAME.test(n)));
  if (entries.includes('summary.json')) doomed.add('summary.json');
  for (const name of doomed) await rm(join(dir, name), { force: true });
  const kept = entries.filter((n) => !doomed.has(n));
  say(`--force: removed ${doomed.size} file(s) of the earlier convert run${kept.length ? `; kept ${kept.length} other(s) (${kept.slice(0, 5).join(', ')}${kept.length > 5 ? ', …' : ''})` : ''}`);
}

async function openSink(out: string, io: CommandIO, force = false): Promise<CallSink> {
  const summaryText = (summary: ConvertSummary): string => `${JSON.stringify(summary, null, 2)}\n`;
  if (out === '-') {
    return { write: (_name, doc) => writeOut(io.stdout, `${doc}\n`), close: async () => undefined };
  }
  if (JSONL_FILE.test(out)) {
    await makeFolder(dirname(resolve(out)));
    const stream = createWriteStream(out, { flags: 'w', mode: 0o644 });
    await once(stream, 'open');
    return {
      write: (_name, doc) => writeOut(stream, `${doc}\n`),
      close: async (summary) => {
        stream.end();
        await finished(stream);
        await writeFile(jsonlSummaryPath(out), summaryText(summary));
        return `${out} (summary: ${jsonlSummaryPath(out)})`;
      },
    };
  }
  await prepareOutputFolder(out, force, (m) => io.stderr.write(`zbridge convert: ${m}\n`));
  // The list of this run's outputs is what replay reads, so nothing stale in the folder is ever sent.
  const written = new Set<string>();
  const outputs: string[] = [];
  return {
    write: async (name, doc) => {
      const unique = uniqueName(name, written);
      await writeFile(join(out, unique), `${doc}\n`);
      outputs.push(unique);
    },
    close: async (summary) => {
      await writeFile(join(out, 'summary.json'), summaryText({ ...summary, outputs }));
      return out;
    },
  };
}

export async function runConvert(options: ConvertOptions, io: CommandIO): Promise<ConvertResult> {
  const timeZone = options.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) {
    io.stderr.write(`zbridge convert: unknown time zone "${timeZone}"\n`);
    return { exitCode: EXIT.usage };
  }
  if (options.inputs.length === 0) {
    io.stderr.write('zbridge convert: no input paths\n');
    return { exitCode: EXIT.usage };
  }
  const files: { file: string; explicit: boolean }[] = [];
  try {
    for await (const f of expandInputs(options.inputs)) files.push(f);
  } catch (error) {
    io.stderr.write(`zbridge convert: ${(error as Error).message}\n`);
    return { exitCode: EXIT.usage };
  }
  let ctx: TranslateContext;
  let userIds: Set<string>;
  let sink: CallSink;
  try {
    checkMetadataOption(options.metadata);
    checkOutFolderOption(options.out, JSONL_FILE);
    ctx = { schema: loadSchema(options.metadata), timeZone, options: options.mappingOptions, relatedLists: loadRelatedLists(options.metadata) };
    userIds = loadUserIds(options.metadata);
    sink = await openSink(options.out, io, options.force ?? false);
  } catch (error) {
    io.stderr.write(`zbridge convert: ${(error as Error).message}\n`);
    return { exitCode: EXIT.usage };
  }

  const counter = new SummaryCounter();
  const indexes = new PayloadIndexes();
  const sizes = await Promise.all(files.map((f) => stat(f.file).then((st) => st.size, () => 0)));
  const progress = byteProgressBar(io, sizes.reduce((a, b) => a + b, 0));
  let bytesBefore = 0;
  let calls = 0;
  const reportError = (file: string, raw: string): void => {
    // A reader's message may quote a URL-log line or a path segment: scrubbed like the paths themselves.
    const message = scrubMessage(raw);
    counter.addError(file, message);
    io.stderr.write(`zbridge convert: ${file}: ${message}\n`);
  };

  for (const [fileIndex, { file, explicit }] of files.entries()) {
    const before = bytesBefore;
    bytesBefore += sizes[fileIndex];
    progress.update(before, calls);
    const kind = await classifyInput(file).catch(() => undefined);
    if (!kind) {
      if (explicit) {
        counter.summary.files.skipped++;
        reportError(file, 'not an xmlData payload, URL log or journal; skipped');
      } else counter.summary.files.ignored++;
      continue;
    }
    try {
      for await (const input of readInputCalls(file, kind, {
        ...options,
        indexes,
        onJournalError: (m) => reportError(file, m),
      })) {
        const t = input.call ? translateCall(input.call, ctx) : undefined;
        if (t?.plan && !t.error) addValueWarnings(t.plan, ctx.schema, userIds);
        const facts = callFacts(input, t);
        counter.addCall(facts);
        if (input.error) reportError(file, input.error);
        await sink.write(outputFileName(input.source, input.index), renderCallOutput(input, t, facts));
        progress.update(before + (input.bytes ?? 0), ++calls);
      }
      counter.summary.files.read++;
    } catch (error) {
      counter.summary.files.skipped++;
      reportError(file, (error as Error).message);
    }
  }
  progress.stop();

  const summary = counter.summary;
  const where = await sink.close(summary);
  const s = summary;
  io.stderr.write(
    `zbridge convert: ${s.calls} calls, ${s.rows} rows (${s.ok} ok, ${s.failed} failed), ${s.callsFailed} calls failed, ` +
      `${s.requests} v2 requests, ${s.files.skipped} files skipped${where ? ` → ${where}` : ''}\n`,
  );
  const rejects = s.warnings['v2-will-reject'] ?? 0;
  if (rejects > 0) {
    io.stderr.write(`zbridge convert: ${rejects} value(s) converted that v2 will refuse unless the org differs from the metadata (owner ids that are no user of it): see the "v2-will-reject" warnings\n`);
  }
  return { exitCode: counter.hasFailures ? EXIT.failures : EXIT.ok, summary };
}
