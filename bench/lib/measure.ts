/** Timing helpers: µs per operation as the median of several timed batches (noisy shared machines). */

export interface TimingOptions {
  /** Untimed warm-up, ms (default 300): lets the JIT settle. */
  warmupMs?: number;
  /** Timed batches (default 7); the median is reported. */
  batches?: number;
  /** Minimum length of one batch, ms (default 200). */
  batchMs?: number;
}

export interface Timing {
  /** Median µs per operation over the batches. */
  medianUs: number;
  /** Fastest batch, µs per operation. */
  minUs: number;
  ops: number;
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/** Runs `op` repeatedly; its return value is kept in a sink so the work cannot be optimised away. */
export function timeOp(op: () => unknown, options: TimingOptions = {}): Timing {
  const { warmupMs = 300, batches = 7, batchMs = 200 } = options;
  let sink: unknown;
  const warmEnd = nowUs() + warmupMs * 1000;
  while (nowUs() < warmEnd) sink = op();
  const perOp: number[] = [];
  let ops = 0;
  for (let b = 0; b < batches; b++) {
    const start = nowUs();
    let n = 0;
    let elapsed = 0;
    // Check the clock every few ops only: reading it costs ~0.1 µs, which matters for the 1-row floor.
    do {
      for (let i = 0; i < 8; i++) sink = op();
      n += 8;
      elapsed = nowUs() - start;
    } while (elapsed < batchMs * 1000);
    perOp.push(elapsed / n);
    ops += n;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  perOp.sort((a, b) => a - b);
  return { medianUs: perOp[Math.floor(perOp.length / 2)], minUs: perOp[0], ops };
}

/** p-th percentile (0..100) of an ascending-sorted array, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export const fmt = (n: number, digits = 1): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';

/** A GitHub-flavoured Markdown table. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What each benchmark script hands to bench/run.ts. */
export interface BenchSection {
  title: string;
  /** Markdown body: tables and notes. */
  markdown: string;
  /** One-line verdicts against the targets (also printed). */
  verdicts: string[];
  /**
   * Matches this section's verdict lines (without the leading "- "), so a run of this benchmark alone replaces
   * them in RESULTS.md instead of adding to them. Absent: the old verdict lines stay.
   */
  verdictMatch?: RegExp;
}

export interface BenchOptions {
  /** Shorter runs and a smaller corpus (about a minute or two in all). */
  quick: boolean;
}

export const isQuick = (argv: string[] = process.argv): boolean => argv.includes('--quick');
