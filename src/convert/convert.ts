/**
 * `zbridge convert`: archived v1 calls (xmlData files, URL logs, proxy journals) → the v2 requests they mean,
 * one JSON document per call, plus summary.json. Files are processed one at a time and lines streamed, and
 * nothing per call is kept after it is written, so memory stays bounded whatever the input size.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { loadSchema, translateCall, type MappingOptions, type TranslateContext } from './core.js';
import { classifyInput, expandInputs } from '../inputs/files.js';
import { readInputCalls, type XmlInputOptions } from '../inputs/calls.js';
import { PayloadIndexes } from '../inputs/payload-index.js';
import { byteProgressBar, checkMetadataOption, checkOutFolderOption, EXIT, writeOut, type CommandIO } from '../inputs/io.js';
import { callFacts, renderCallOutput } from './output.js';
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

async function openSink(out: string, io: CommandIO): Promise<CallSink> {
  const summaryText = (summary: ConvertSummary): string => `${JSON.stringify(summary, null, 2)}\n`;
  if (out === '-') {
    return { write: (_name, doc) => writeOut(io.stdout, `${doc}\n`), close: async () => undefined };
  }
  if (JSONL_FILE.test(out)) {
    await mkdir(dirname(resolve(out)), { recursive: true });
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
  await mkdir(out, { recursive: true });
  return {
    write: (name, doc) => writeFile(join(out, name), `${doc}\n`),
    close: async (summary) => {
      await writeFile(join(out, 'summary.json'), summaryText(summary));
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
  let sink: CallSink;
  try {
    checkMetadataOption(options.metadata);
    checkOutFolderOption(options.out, JSONL_FILE);
    ctx = { schema: loadSchema(options.metadata), timeZone, options: options.mappingOptions };
    sink = await openSink(options.out, io);
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
  const reportError = (file: string, message: string): void => {
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
  return { exitCode: counter.hasFailures ? EXIT.failures : EXIT.ok, summary };
}
