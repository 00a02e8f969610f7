/**
 * `npx tsx bench/ab.ts <baseline checkout> [--rounds N]`: the translation path of this tree (B) against the same
 * path of another checkout (A, e.g. a worktree of main before a change), in ONE process, batches interleaved
 * A B A B … so a loaded machine slows both alike. Prints the medians and the B ÷ A ratio per payload, and writes
 * nothing. The baseline must have bench/lib/translate-path.ts with prepareCall/translateOnce.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makePayload, type PayloadShape } from './lib/payloads.js';
import type * as TranslatePath from './lib/translate-path.js';

type PathModule = Pick<typeof TranslatePath, 'prepareCall' | 'translateOnce'>;
// Both sides run through tsx (a baseline checkout has no dist/ of its own): this tree's path from src/ too.
process.env.ZBRIDGE_BENCH_CODE ??= 'src';
const mine = (await import('./lib/translate-path.js')) as PathModule;

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/** µs per op of one batch of at least `batchMs`. */
function batch(op: () => unknown, batchMs: number): number {
  let sink: unknown;
  const start = nowUs();
  let n = 0;
  let elapsed = 0;
  do {
    for (let i = 0; i < 4; i++) sink = op();
    n += 4;
    elapsed = nowUs() - start;
  } while (elapsed < batchMs * 1000);
  if (sink === undefined) throw new Error('no result');
  return elapsed / n;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const baseDir = process.argv[2];
  if (!baseDir) throw new Error('usage: tsx bench/ab.ts <baseline checkout> [--rounds N]');
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 15;
  const base = (await import(pathToFileURL(resolve(baseDir, 'bench/lib/translate-path.ts')).href)) as PathModule;
  const cases: [PayloadShape, number][] = [['leads', 1], ['leads', 10], ['leads', 100], ['quotes', 1], ['quotes', 10], ['quotes', 100]];
  console.log(`| payload | rows | A (baseline) µs/call | B (this tree) µs/call | B ÷ A |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  for (const [shape, rows] of cases) {
    const payload = makePayload(shape, rows);
    const a = base.prepareCall(payload as never);
    const b = mine.prepareCall(payload);
    const opA = () => base.translateOnce(a as never);
    const opB = () => mine.translateOnce(b);
    const batchMs = rows >= 100 ? 150 : 60;
    for (let w = 0; w < 3; w++) batch(opA, batchMs), batch(opB, batchMs); // warm-up both
    const as: number[] = [];
    const bs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always follows the other's garbage.
      if (r % 2 === 0) (as.push(batch(opA, batchMs)), bs.push(batch(opB, batchMs)));
      else (bs.push(batch(opB, batchMs)), as.push(batch(opA, batchMs)));
    }
    const ma = median(as);
    const mb = median(bs);
    const ratios = as.map((x, k) => bs[k] / x);
    console.log(`| ${shape} | ${rows} | ${ma.toFixed(1)} | ${mb.toFixed(1)} | ×${(mb / ma).toFixed(2)} (median of paired ×${median(ratios).toFixed(2)}) |`);
  }
}

await main();
