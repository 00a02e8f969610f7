/**
 * Benchmark 2 — converter throughput: `runConvert` (the `zbridge convert` command) over a generated corpus of
 * URL logs (≥ 100 MB; 20 MB with --quick), in a child process so its peak RSS is its own, against the floor of
 * fast-xml-parser parsing the same xmlData (also a child). Run alone: `npx tsx bench/converter.ts [--quick]`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchDir, runJsonChild } from './lib/child.js';
import { ensureCorpus, type CorpusManifest } from './lib/corpus.js';
import { fmt, isQuick, mdTable, type BenchOptions, type BenchSection } from './lib/measure.js';

interface ConvertRun {
  elapsedMs: number;
  exitCode: number;
  calls: number;
  callsFailed: number;
  rows: number;
  rowsOk: number;
  bytesOut: number;
  maxRssKb: number;
}
interface FloorRun {
  elapsedMs: number;
  calls: number;
  maxRssKb: number;
}

export interface ConverterFigures {
  corpus: CorpusManifest;
  convert: ConvertRun;
  floor: FloorRun;
}

const MB = 1024 * 1024;

export async function runConverter(options: BenchOptions): Promise<{ section: BenchSection; figures: ConverterFigures }> {
  const target = (options.quick ? 20 : 100) * MB;
  const dir = join(benchDir, 'out', options.quick ? 'corpus-quick' : 'corpus');
  const corpus = await ensureCorpus(dir, target);
  console.log(`converter: corpus ${fmt(corpus.bytes / MB)} MB, ${corpus.calls} calls, ${corpus.rows} rows in ${corpus.files} files`);
  const convert = await runJsonChild<ConvertRun>(join(benchDir, 'children', 'convert-run.ts'), [dir]);
  if (convert.calls !== corpus.calls) throw new Error(`converter read ${convert.calls} calls, corpus has ${corpus.calls}`);
  const floor = await runJsonChild<FloorRun>(join(benchDir, 'children', 'fxp-run.ts'), [dir]);
  const figures = { corpus, convert, floor };
  const mbps = (ms: number): number => corpus.bytes / MB / (ms / 1000);
  console.log(
    `converter: ${fmt(mbps(convert.elapsedMs))} MB/s, ${fmt(convert.rows / (convert.elapsedMs / 1000), 0)} records/s, peak RSS ${fmt(convert.maxRssKb / 1024)} MB; ` +
      `fxp floor ${fmt(mbps(floor.elapsedMs))} MB/s (converter at ${fmt((100 * floor.elapsedMs) / convert.elapsedMs)}% of the floor's speed)`,
  );
  return { section: converterSection(figures), figures };
}

function converterSection({ corpus, convert, floor }: ConverterFigures): BenchSection {
  const mbps = (ms: number): number => corpus.bytes / MB / (ms / 1000);
  const table = mdTable(
    ['run', 'time s', 'MB/s', 'calls/s', 'records/s', 'peak RSS MB'],
    [
      ['`runConvert` → JSONL sink', fmt(convert.elapsedMs / 1000, 2), fmt(mbps(convert.elapsedMs)), fmt(convert.calls / (convert.elapsedMs / 1000), 0), fmt(convert.rows / (convert.elapsedMs / 1000), 0), fmt(convert.maxRssKb / 1024)],
      ['fast-xml-parser floor', fmt(floor.elapsedMs / 1000, 2), fmt(mbps(floor.elapsedMs)), fmt(floor.calls / (floor.elapsedMs / 1000), 0), fmt(corpus.rows / (floor.elapsedMs / 1000), 0), fmt(floor.maxRssKb / 1024)],
    ],
  );
  const ratio = floor.elapsedMs / convert.elapsedMs;
  const markdown =
    `Corpus: ${fmt(corpus.bytes / MB)} MB of URL logs in ${corpus.files} files, ${corpus.calls.toLocaleString('en-US')} calls, ` +
    `${corpus.rows.toLocaleString('en-US')} records (Leads and Quotes-with-3-products, 1/10/100 rows; generated under bench/out/). ` +
    'The converter runs as `runConvert({ inputs: [dir], out: "-" })` in a child process with its JSONL written to a sink that drops it ' +
    `(${fmt(convert.bytesOut / MB)} MB serialised; disk speed not measured). The floor child reads the same lines, takes xmlData out with ` +
    'URLSearchParams and runs fast-xml-parser on it, nothing more. Peak RSS = `process.resourceUsage().maxRSS` of each child.\n\n' +
    table +
    `\n\nConverter throughput = ${fmt(100 * ratio)}% of the bare-parse floor (floor is ×${fmt(1 / ratio, 2)} faster); ` +
    `${convert.callsFailed} calls failed, ${convert.rowsOk.toLocaleString('en-US')} of ${convert.rows.toLocaleString('en-US')} rows ok.`;
  return {
    title: '2. Converter throughput',
    markdown,
    verdicts: [`INFO: converter ${fmt(mbps(convert.elapsedMs))} MB/s vs floor ${fmt(mbps(floor.elapsedMs))} MB/s, peak RSS ${fmt(convert.maxRssKb / 1024)} MB (bounded: corpus is ${fmt(corpus.bytes / MB)} MB)`],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { section } = await runConverter({ quick: isQuick() });
  console.log(section.verdicts.join('\n'));
}
