/**
 * Machine-independent complexity checks: how much more CPU time a parser needs for an input 8× as large.
 *
 * Why this shape (8 people share 2 cores while the suite runs):
 * - CPU time of this process (process.cpuUsage), not wall time: time the scheduler gives to other processes
 *   does not count.
 * - The minimum of three interleaved rounds: load only ever adds time, so the minimum is the best estimate
 *   of the real cost, and interleaving exposes both sizes to the same conditions.
 * - Size factor 8, threshold 22: linear work grows ×8, quadratic ×64, exponential far more. The threshold sits
 *   near the geometric middle (8^1.5 ≈ 22.6), so an error of up to ×2.8 either way cannot flip the verdict.
 *   Measured on the 2-core CI machine under load, linear parsers show ×1.3–1.8 on top of the ideal ratio
 *   (garbage collection and caches grow with the input): with a factor of 4 (threshold 8) that left too little
 *   room, with a factor of 2 the margin would be only ×1.4 to begin with.
 * - A ratio over the limit (but not blatantly so) is measured again, up to three attempts, keeping the lowest.
 * - Each timed round repeats the parse until the small input takes ≥ 10 ms, so timer resolution and constant
 *   overheads do not dominate; a first pass that already shows a large blow-up returns at once (an exponential
 *   case must fail fast, not run for minutes).
 */
export const GROWTH_FACTOR = 8;
export const LINEAR_LIMIT = 22;

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * CPU-time ratio of `run(make(n * 8))` to `run(make(n))`. `run` may throw: a rejection is as much work as an
 * acceptance (hostile input is mostly rejected) and is timed the same way.
 */
export function growthRatio<T>(make: (n: number) => T, run: (input: T) => unknown, n: number): number {
  // A verdict over the limit but short of a blatant blow-up is measured again (at most twice more), keeping the
  // lowest ratio: load can only inflate a ratio (a burst of other work or GC during the large rounds), while a
  // real quadratic stays near ×64 in every attempt. Seen in CI-like runs: a linear parser at ×24 once under load.
  let best = measureGrowth(make, run, n);
  for (let attempt = 1; attempt < 3 && best > LINEAR_LIMIT && best < LINEAR_LIMIT * 3; attempt += 1) {
    best = Math.min(best, measureGrowth(make, run, n));
  }
  return best;
}

function measureGrowth<T>(make: (n: number) => T, run: (input: T) => unknown, n: number): number {
  const small = make(n);
  const large = make(n * GROWTH_FACTOR);
  const once = (input: T) => {
    try {
      run(input);
    } catch {
      /* timed like a success */
    }
  };
  const repeat = (input: T, reps: number) => () => {
    for (let i = 0; i < reps; i += 1) once(input);
  };
  // Warm up the JIT on both sizes.
  once(small);
  const firstLarge = cpuMs(repeat(large, 1));
  const firstSmall = Math.max(cpuMs(repeat(small, 1)), 0.001);
  if (firstLarge / firstSmall > LINEAR_LIMIT * 8 && firstLarge > 50) return firstLarge / firstSmall;

  let reps = 1;
  while (reps < 1 << 20 && cpuMs(repeat(small, reps)) < 10) reps *= 2;
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    smallTimes.push(cpuMs(repeat(small, reps)));
    largeTimes.push(cpuMs(repeat(large, reps)));
    // A blatant blow-up needs no more rounds.
    if (round === 0 && largeTimes[0] / smallTimes[0] > LINEAR_LIMIT * 3) break;
  }
  return Math.min(...largeTimes) / Math.max(Math.min(...smallTimes), 0.001);
}
