import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIO } from '../../src/inputs/io.js';

/** A CommandIO capturing stdout/stderr as strings (not a TTY: no progress bar). */
export function memoryIO(): CommandIO & { out(): string; err(): string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        into.push(String(chunk));
        cb();
      },
    });
  return { stdout: sink(chunks.out), stderr: sink(chunks.err), out: () => chunks.out.join(''), err: () => chunks.err.join('') };
}

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `zbridge-${prefix}-`));
