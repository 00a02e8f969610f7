/**
 * `zbridge convert`: archived v1 calls (xmlData files, URL logs, proxy journals) → the v2 requests they mean,
 * one JSON document per call, plus summary.json. Files are processed one at a time and lines streamed, and
 * nothing per call is kept after it is written, so memory stays bounded whatever the input size.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadSchema, translateCall, type MappingOptions, type TranslateContext } from './core.js';
import { classifyInput, expandInputs } from './files.js';
import { readInputCalls, type XmlInputOptions } from './inputs.js';
import { EXIT, progressBar, writeOut, type CommandIO } from './io.js';
import { callFacts, renderCallOutput } from './output.js';
import { SummaryCounter, type ConvertSummary } from './summary.js';
import { isValidTimeZone } from '../mapping/time.js';

export interface ConvertOptions extends XmlInputOptions {
  /** Files, folders (recursive) and globs. */
  inputs: string[];
  /** Output folder, or `-` for JSONL on stdout. */
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
  try {
    ctx = { schema: loadSchema(options.metadata), timeZone, options: options.mappingOptions };
  } catch (error) {
    io.stderr.write(`zbridge convert: ${(error as Error).message}\n`);
    return { exitCode: EXIT.usage };
  }

  const toStdout = options.out === '-';
  if (!toStdout) await mkdir(options.out, { recursive: true });
  const counter = new SummaryCounter();
  const progress = progressBar(io, files.length, 'files');
  const reportError = (file: string, message: string): void => {
    counter.addError(file, message);
    io.stderr.write(`zbridge convert: ${file}: ${message}\n`);
  };

  for (const { file, explicit } of files) {
    progress.increment(file);
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
        onJournalError: (m) => reportError(file, m),
      })) {
        const t = input.call ? translateCall(input.call, ctx) : undefined;
        const facts = callFacts(input, t);
        counter.addCall(facts);
        if (input.error) reportError(file, input.error);
        const doc = renderCallOutput(input, t, facts);
        if (toStdout) await writeOut(io.stdout, `${doc}\n`);
        else await writeFile(join(options.out, outputFileName(input.source, input.index)), `${doc}\n`);
      }
      counter.summary.files.read++;
    } catch (error) {
      counter.summary.files.skipped++;
      reportError(file, (error as Error).message);
    }
  }
  progress.stop();

  const summary = counter.summary;
  if (!toStdout) await writeFile(join(options.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const s = summary;
  io.stderr.write(
    `zbridge convert: ${s.calls} calls, ${s.rows} rows (${s.ok} ok, ${s.failed} failed), ${s.callsFailed} calls failed, ` +
      `${s.requests} v2 requests, ${s.files.skipped} files skipped${toStdout ? '' : ` → ${options.out}`}\n`,
  );
  return { exitCode: counter.hasFailures ? EXIT.failures : EXIT.ok, summary };
}
