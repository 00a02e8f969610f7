/** Streams a command writes to, injectable so commands are testable as plain functions returning exit codes. */
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';

export interface CommandIO {
  stdout: Writable;
  /** Progress bars only when `isTTY` is true. */
  stderr: Writable & { isTTY?: boolean };
}

export const processIO = (): CommandIO => ({ stdout: process.stdout, stderr: process.stderr });

/** Exit codes shared by convert, replay, report and metadata pull. */
export const EXIT = { ok: 0, failures: 1, usage: 2 } as const;

/** Write honouring backpressure (so `--out -` piped into a slow reader stays bounded in memory). */
export async function writeOut(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export interface Progress {
  increment(label?: string): void;
  stop(): void;
}

/** A cli-progress bar on an interactive stderr; a no-op when stderr is piped or redirected. */
export function progressBar(io: CommandIO, total: number, unit: string): Progress {
  if (!io.stderr.isTTY || total === 0) return { increment() {}, stop() {} };
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WriteStream,
    format: `{bar} {value}/{total} ${unit} | {label}`,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0, { label: '' });
  return {
    increment: (label) => bar.increment(1, { label: label ?? '' }),
    stop: () => bar.stop(),
  };
}

/**
 * Bad usage of a path option, named: `--out: /x is a file`. Commands answer it with exit 2.
 */
export class OptionPathError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** `--metadata DIR` must be an existing folder holding modules.json (checked before any work starts). */
export function checkMetadataOption(dir: string | undefined): void {
  if (dir === undefined) return;
  if (!existsSync(dir)) throw new OptionPathError('--metadata', `no such folder: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new OptionPathError('--metadata', `not a folder: ${dir}`);
  if (!existsSync(join(dir, 'modules.json'))) throw new OptionPathError('--metadata', `${dir} has no modules.json (write one with zbridge metadata pull)`);
}

/** `--out DIR` must be a folder or not exist yet (`allowFile` names a file suffix that is accepted instead). */
export function checkOutFolderOption(out: string, allowFile?: RegExp): void {
  if (out === '-' || (allowFile && allowFile.test(out))) return;
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new OptionPathError('--out', `${out} is a file, not a folder${allowFile ? ' (give a folder, a .jsonl file, or -)' : ''}`);
  }
}

/** `12.3 MB`: bytes for progress lines (decimal units, as file managers show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

export interface ByteProgress {
  /** `bytes` read of all inputs so far, `calls` handled so far. */
  update(bytes: number, calls: number): void;
  stop(): void;
}

/**
 * Progress of a command that reads input files (convert, report): bytes read of the total, throughput and ETA,
 * and the calls handled — on an interactive stderr only (a no-op when stderr is piped or redirected, so logs and
 * CI output stay clean). `now` in ms (tests).
 */
export function byteProgressBar(io: CommandIO, totalBytes: number, now: () => number = Date.now): ByteProgress {
  if (!io.stderr.isTTY || totalBytes === 0) return { update() {}, stop() {} };
  const started = now();
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WriteStream,
    format: `{bar} {percentage}% | {done} of {total_h} | {rate}/s | ETA {eta_formatted} | {calls} calls`,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 100,
  });
  bar.start(totalBytes, 0, { done: formatBytes(0), total_h: formatBytes(totalBytes), rate: formatBytes(0), calls: 0 });
  return {
    update: (bytes, calls) => {
      const seconds = Math.max(0.001, (now() - started) / 1000);
      bar.update(Math.min(bytes, totalBytes), { done: formatBytes(bytes), rate: formatBytes(Math.round(bytes / seconds)), calls });
    },
    stop: () => bar.stop(),
  };
}

/**
 * A bar for calls sent upstream (replay): count, rate (calls/s) and ETA, on an interactive stderr only (a no-op
 * when stderr is piped or redirected, so logs and CI output stay clean). `now` in ms (tests).
 */
export function rateProgressBar(io: CommandIO, total: number, unit: string, now: () => number = Date.now): Progress {
  if (!io.stderr.isTTY || total === 0) return { increment() {}, stop() {} };
  const started = now();
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WriteStream,
    format: `{bar} {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  bar.start(total, 0, { rate: '0.0' });
  let done = 0;
  return {
    increment: () => {
      done += 1;
      const seconds = Math.max(0.001, (now() - started) / 1000);
      bar.increment(1, { rate: (done / seconds).toFixed(1) });
    },
    stop: () => bar.stop(),
  };
}
