/**
 * Which build of zbridge the benchmarks measure. `dist` (the default): the tsc output, which `node dist/bin.js`,
 * the `zbridge` bin and the Docker image run. `src` (`ZBRIDGE_BENCH_CODE=src`): the TypeScript through tsx, as
 * `npm start` runs it — tsx compiles with esbuild's keepNames, which wraps every closure a function creates in an
 * `Object.defineProperty(fn, 'name')` call, so hot paths that create closures per call run measurably slower
 * there than deployed (plan.ts spent 13 % of a translation in that wrapper, profiled).
 *
 * Benchmarks, servers and children import zbridge through `codeModule`. Importing this module compiles dist/
 * first when it is missing or older than src/ (`ensureBuilt`), so the first process of a run builds and the
 * children it starts find dist/ fresh.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `dist` or `src`, from ZBRIDGE_BENCH_CODE (@default 'dist'). Children inherit it through the environment. */
export function codeRoot(): 'dist' | 'src' {
  return process.env.ZBRIDGE_BENCH_CODE === 'src' ? 'src' : 'dist';
}

/**
 * One zbridge module of the measured build, by its path under src/ with a `.js` ending (`'server/index.js'`).
 * Type it with `typeof import('../../src/…')`.
 */
export async function codeModule<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(repoRoot, codeRoot(), path)).href)) as T;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * With the `dist` build: compile (`tsc -p tsconfig.json`) when dist/ is missing or older than any file of src/.
 * Throws when the compiler fails. Runs when this module is first imported.
 */
export function ensureBuilt(): void {
  if (codeRoot() !== 'dist') return;
  const dist = join(repoRoot, 'dist');
  if (existsSync(join(dist, 'bin.js')) && newestMtime(dist) >= newestMtime(join(repoRoot, 'src'))) return;
  console.log('bench: compiling src/ to dist/ (tsc) so the measured code is the deployed build');
  const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status}); run \`npm run build\` to see why`);
}

ensureBuilt();
