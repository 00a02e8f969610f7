/** Streams a command writes to, injectable so commands are testable as plain functions returning exit codes. */
import { once } from 'node:events';
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
