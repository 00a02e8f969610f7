/** `zbridge report <paths…> --out DIR`: report.html, report.json and fields.csv from payloads, URL logs or journals. */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeFolder } from '../folders.js';
import { mergeJournalSources } from '../journal/reader.js';
import { scrubMessage } from '../journal/redact.js';
import { isValidTimeZone } from '../v2/time.js';
import { loadSchema } from '../inputs/schema.js';
import { translateCall, type TranslateContext } from '../mapping/translate.js';
import { classifyInput, expandInputs, type FoundInput } from '../inputs/files.js';
import { journalCall, readInputCalls, type XmlInputOptions } from '../inputs/calls.js';
import { PayloadIndexes } from '../inputs/payload-index.js';
import { byteProgressBar, checkMetadataOption, checkOutFolderOption, EXIT, type CommandIO } from '../inputs/io.js';
import { ReportAggregator, type AggregateOptions } from './aggregate.js';
import { stringifyV2 } from '../mapping/index.js';
import { renderFieldsCsv } from './csv.js';
import { renderReportHtml } from './html.js';
import { writePortingKits } from './kit.js';
import type { ReportData } from './types.js';

export interface ReportOptions extends XmlInputOptions, AggregateOptions {
  inputs: string[];
  /** Output folder (created). */
  out: string;
  /** v2 metadata folder for planning payloads; default the bundled snapshot. */
  metadata?: string;
  /** Zone for v1 date-times when planning payloads. Default `UTC`. */
  timeZone?: string;
  /** Fixed generation time (reproducible output in tests). */
  now?: Date;
}

/**
 * Exit codes: 0 report written; 1 written but some inputs were unreadable, or no input held any call
 * ("no inputs found"); 2 bad usage.
 */

export async function runReport(options: ReportOptions, io: CommandIO): Promise<{ exitCode: number; data?: ReportData }> {
  const fail = (m: string): { exitCode: number } => {
    io.stderr.write(`zbridge report: ${m}\n`);
    return { exitCode: EXIT.usage };
  };
  const timeZone = options.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) return fail(`unknown time zone "${timeZone}"`);
  if (options.inputs.length === 0) return fail('no input paths');
  const files: FoundInput[] = [];
  let ctx: TranslateContext;
  try {
    checkMetadataOption(options.metadata);
    checkOutFolderOption(options.out);
    for await (const f of expandInputs(options.inputs)) files.push(f);
    ctx = { schema: loadSchema(options.metadata), timeZone };
  } catch (error) {
    return fail((error as Error).message);
  }

  const indexes = new PayloadIndexes();
  const agg = new ReportAggregator(options.inputs, { ...options, schema: ctx.schema });
  const inputError = (file: string, raw: string): void => {
    // A reader's message may quote a URL-log line or a path segment: scrubbed like the paths themselves.
    const message = scrubMessage(raw);
    agg.addInputError(file, message);
    io.stderr.write(`zbridge report: ${file}: ${message}\n`);
  };
  const sizes = await Promise.all(files.map((f) => stat(f.file).then((st) => st.size, () => 0)));
  const progress = byteProgressBar(io, sizes.reduce((a, b) => a + b, 0));
  let bytesBefore = 0;
  let calls = 0;
  const kinds: (Awaited<ReturnType<typeof classifyInput>> | undefined)[] = [];
  for (const { file } of files) kinds.push(await classifyInput(file).catch(() => undefined)); // one at a time: no fd storm
  // All journal files are read together where the first one stands: each directory is one journal (one per
  // replica, `journal.dir/<replicaId>`), merged by time.
  const journals = new Map<string, string[]>();
  files.forEach(({ file }, i) => {
    if (kinds[i] !== 'journal') return;
    const dir = dirname(file);
    journals.set(dir, [...(journals.get(dir) ?? []), file]);
  });
  let journalsRead = false;
  for (const [fileIndex, { file, explicit }] of files.entries()) {
    const before = bytesBefore;
    bytesBefore += sizes[fileIndex];
    progress.update(before, calls);
    const kind = kinds[fileIndex];
    if (!kind) {
      if (explicit) inputError(file, 'not an xmlData payload, URL log or journal; skipped');
      continue;
    }
    try {
      if (kind === 'journal') {
        if (journalsRead) continue;
        journalsRead = true;
        const streams = [...journals.values()].map((f) => [...f].sort());
        const readPerFile = new Map<string, number>();
        let journalBytes = 0;
        const onBytes = (f: string, n: number): void => {
          journalBytes += n - (readPerFile.get(f) ?? 0);
          readPerFile.set(f, n);
          progress.update(before + journalBytes, calls);
        };
        const onError = (e: { file: string; line: number; message: string }) => inputError(e.file, `line ${e.line}: ${e.message}`);
        for await (const { entry, file: from } of mergeJournalSources(streams, onError, { onBytes })) {
          agg.addJournalEntry(entry, from, (req) => (req.xmlData ? translateCall(journalCall(req), ctx) : undefined));
          if (entry.type === 'outcome') calls++;
        }
      } else {
        for await (const input of readInputCalls(file, kind, { ...options, indexes })) {
          if (input.error || !input.call) {
            inputError(file, input.error ?? 'unreadable');
            continue;
          }
          agg.addPlanned({ kind, file, line: input.line }, input.call, translateCall(input.call, ctx));
          progress.update(before + (input.bytes ?? 0), ++calls);
        }
      }
    } catch (error) {
      inputError(file, (error as Error).message);
    }
  }
  progress.stop();

  const data = agg.finish(options.now);
  await makeFolder(options.out);
  await writeFile(join(options.out, 'report.json'), `${stringifyV2(data, 2)}\n`);
  await writeFile(join(options.out, 'fields.csv'), renderFieldsCsv(data));
  await writeFile(join(options.out, 'report.html'), renderReportHtml(data));
  await writePortingKits(options.out, data);
  if (data.totals.calls === 0) {
    io.stderr.write(`zbridge report: no inputs found: none of ${options.inputs.join(', ')} held a v1 call → ${join(options.out, 'report.html')}\n`);
    return { exitCode: EXIT.failures, data };
  }
  io.stderr.write(
    `zbridge report: ${data.totals.calls} calls (${data.totals.failedCalls} failed, ${data.totals.inDoubt} in doubt) from ` +
      `${data.totals.integrations} integration(s), ${data.fixFirst.length} problems ranked → ${join(options.out, 'report.html')}\n`,
  );
  return { exitCode: data.inputErrors.length > 0 ? EXIT.failures : EXIT.ok, data };
}
