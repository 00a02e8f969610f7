/**
 * Child process of the converter benchmark: `zbridge convert` (runConvert) over a corpus folder, JSONL output
 * to a sink (serialised, then dropped, so disk speed is not measured). Prints one JSON line with the figures
 * and this process's peak RSS. Usage: `node --import tsx bench/children/convert-run.ts DIR`.
 */
import { Writable } from 'node:stream';
import { codeModule } from '../lib/code.js';

// The measured build (bench/lib/code.ts): dist unless ZBRIDGE_BENCH_CODE=src.
const { runConvert } = await codeModule<typeof import('../../src/convert/convert.js')>('convert/convert.js');

const dir = process.argv[2];
if (!dir) throw new Error('usage: convert-run.ts CORPUS_DIR');
let bytesOut = 0;
const sink = new Writable({
  write(chunk: Buffer | string, _enc, done) {
    bytesOut += chunk.length;
    done();
  },
});
const quiet = new Writable({ write: (_c, _e, done) => done() });
const start = process.hrtime.bigint();
const result = await runConvert({ inputs: [dir], out: '-', timeZone: 'America/Toronto' }, { stdout: sink, stderr: quiet });
const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
const s = result.summary;
console.log(
  JSON.stringify({
    elapsedMs,
    exitCode: result.exitCode,
    calls: s?.calls ?? 0,
    callsFailed: s?.callsFailed ?? 0,
    rows: s?.rows ?? 0,
    rowsOk: s?.ok ?? 0,
    bytesOut,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
