/**
 * Vitest global setup: CLI tests spawn the built CLI (`node dist/bin.js`), as an installed package runs. CI
 * builds before testing (`npm run build && npm test`); when dist/ is missing or older than a source file (a
 * developer ran `npm test` alone), it is rebuilt here once, before any test starts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return newest;
}

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  const cli = join(root, 'dist', 'bin.js');
  if (existsSync(cli) && statSync(cli).mtimeMs >= newestMtime(join(root, 'src'))) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
}
