/**
 * Creating the folders zbridge writes into (journal, token store, sandbox data, convert and report outputs).
 * Node 20's `mkdir(p, { recursive: true })` loops for ever when mkdir answers ENOENT under a parent that exists
 * (a path under /proc or /sys, e.g. a mistyped `journal.dir: /proc/…`): these helpers walk the path one
 * component at a time instead, so every such path fails with the OS error (ENOENT, ENOTDIR, EACCES, EROFS …).
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code;

function notAFolder(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', path });
}

/** The components of `path` that do not exist yet, outermost first (at most the path's depth). */
function missingSync(target: string): string[] {
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    try {
      if (!statSync(dir).isDirectory()) throw notAFolder(dir);
      return missing.reverse();
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
    }
    if (dirname(dir) === dir) return missing.reverse();
    missing.push(dir);
  }
}

/**
 * `mkdir -p path`, synchronously: creates each missing component in turn. A component another process created
 * meanwhile is fine. Throws the OS error (with its `code`) of the first component that cannot be made.
 */
export function makeFolderSync(path: string): void {
  for (const dir of missingSync(resolve(path))) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if (codeOf(error) === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw error;
    }
  }
}

/** `makeFolderSync`, asynchronously (convert and report outputs). */
export async function makeFolder(path: string): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    try {
      if (!(await stat(dir)).isDirectory()) throw notAFolder(dir);
      break;
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
    }
    if (dirname(dir) === dir) break;
    missing.push(dir);
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (error) {
      if (codeOf(error) === 'EEXIST' && (await stat(dir)).isDirectory()) continue;
      throw error;
    }
  }
}
