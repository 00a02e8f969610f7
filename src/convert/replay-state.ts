/**
 * Replay's resumable state: an append-only JSONL file, one line per attempt of one v2 request, keyed by a stable
 * request id. Folding the lines gives, per key, the record indexes already written (never sent again) and the last
 * status. Only "done" (HTTP answered and every data[i] succeeded) finishes a request.
 */
import { createReadStream, existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export type AttemptStatus = 'done' | 'partial' | 'failed' | 'in-doubt';

export interface ReplayAttempt {
  key: string;
  ts: string;
  status: AttemptStatus;
  method: string;
  path: string;
  /** HTTP status when the upstream answered. */
  http?: number;
  /** Indexes into the request's original `body.data` that succeeded in this attempt. */
  succeeded?: number[];
  /** v2 record ids written in this attempt, aligned with `succeeded`. */
  ids?: string[];
  /** Non-secret reason of a failure. */
  error?: string;
}

export interface KeyState {
  status: AttemptStatus;
  succeeded: Set<number>;
  attempts: number;
}

export class ReplayState {
  private readonly byKey = new Map<string, KeyState>();

  private constructor(readonly file: string) {}

  static async open(file: string): Promise<ReplayState> {
    const state = new ReplayState(file);
    if (!existsSync(file)) return state;
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      try {
        state.fold(JSON.parse(line) as ReplayAttempt);
      } catch {
        // A torn last line after a crash: ignore it, the request is simply not done.
      }
    }
    return state;
  }

  private fold(a: ReplayAttempt): void {
    const s = this.byKey.get(a.key) ?? { status: a.status, succeeded: new Set<number>(), attempts: 0 };
    s.status = a.status;
    s.attempts++;
    for (const i of a.succeeded ?? []) s.succeeded.add(i);
    this.byKey.set(a.key, s);
  }

  get(key: string): KeyState | undefined {
    return this.byKey.get(key);
  }

  /** Appended and flushed before the next request is sent, so a crash loses at most the request in flight. */
  async record(attempt: ReplayAttempt): Promise<void> {
    await appendFile(this.file, `${JSON.stringify(attempt)}\n`);
    this.fold(attempt);
  }
}
