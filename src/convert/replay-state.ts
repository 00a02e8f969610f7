/**
 * Replay's resumable state: an append-only JSONL file, one line per event of one v2 request, keyed by a stable
 * request id AND by the upstream it was sent to (`upstream`: data centre / API domain, profile and credential
 * fingerprint, or the sandbox data file), so a run against one org never reads what a run against another did.
 *
 * Before each send an `attempting` line is appended (write-ahead); after the answer, the attempt's status
 * (`done`, `partial`, `failed`, `in-doubt`). A key whose last line is `attempting` was cut off mid-send (the
 * process was killed): the request may have been applied, so it is in doubt.
 */
import { createReadStream, existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { WriteStatus } from '../journal/writes.js';

export type AttemptStatus = WriteStatus | 'attempting';

export interface ReplayAttempt {
  key: string;
  /** The upstream the request was sent to (see `upstreamKey` in replay.ts). Absent in files of older versions. */
  upstream?: string;
  ts: string;
  status: AttemptStatus;
  method: string;
  path: string;
  /** Records in the body sent (attempting lines). */
  records?: number;
  /** HTTP status when the upstream answered. */
  http?: number;
  /** Indexes into the request's original `body.data` that succeeded in this attempt. */
  succeeded?: number[];
  /** v2 record ids written in this attempt, aligned with `succeeded`. */
  ids?: string[];
  /** Indexes v2 answered DUPLICATE_DATA for (the record exists). */
  existing?: number[];
  /** Non-secret reason of a failure. */
  error?: string;
  /** Removals: ids already absent upstream (v2 INVALID_DATA), reported rather than counted as failures. */
  absent?: string[];
}

export interface KeyState {
  /** Status of the last line: `attempting` = cut off mid-send. */
  status: AttemptStatus;
  /** Indexes applied (succeeded or existing) over all attempts: never sent again. */
  applied: Set<number>;
  attempts: number;
}

export class ReplayState {
  private readonly byKey = new Map<string, KeyState>();
  /** Lines written by older versions (no `upstream`), folded in: skipping is recoverable, a duplicate is not. */
  legacyLines = 0;
  /** Lines of other upstreams, ignored. */
  otherUpstreams = 0;
  /** Unparseable lines (a torn last line after a crash), ignored. */
  tornLines = 0;

  /**
   * @param file state file; `undefined` = keep nothing on disk (an ephemeral upstream, or a dry run reading
   *             nothing back)
   * @param upstream key of the upstream this run sends to
   * @param persist append lines to the file (false for `--dry-run`)
   */
  private constructor(
    readonly file: string | undefined,
    readonly upstream: string,
    private readonly persist: boolean,
  ) {}

  /**
   * @param readAlso state files read before `file` and never written (an older version's file at its old place,
   *                 e.g. `<journal dir>/replay-state.jsonl`): what they say still counts, so nothing is sent twice
   */
  static async open(file: string | undefined, upstream: string, persist = true, readAlso: readonly string[] = []): Promise<ReplayState> {
    const state = new ReplayState(file, upstream, persist && file !== undefined);
    if (!file) return state;
    for (const f of [...readAlso, file]) if (existsSync(f)) await state.read(f);
    return state;
  }

  private async read(file: string): Promise<void> {
    const state = this;
    const upstream = this.upstream;
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let a: ReplayAttempt;
      try {
        a = JSON.parse(line) as ReplayAttempt;
      } catch {
        state.tornLines++;
        continue;
      }
      if (a.upstream === undefined) state.legacyLines++;
      else if (a.upstream !== upstream) {
        state.otherUpstreams++;
        continue;
      }
      state.fold(a);
    }
  }

  private fold(a: ReplayAttempt): void {
    const s = this.byKey.get(a.key) ?? { status: a.status, applied: new Set<number>(), attempts: 0 };
    // A stale `done` from another run is never undone by a later line of an older format.
    if (s.status !== 'done') s.status = a.status;
    if (a.status !== 'attempting') s.attempts++;
    for (const i of a.succeeded ?? []) s.applied.add(i);
    for (const i of a.existing ?? []) s.applied.add(i);
    this.byKey.set(a.key, s);
  }

  get(key: string): KeyState | undefined {
    return this.byKey.get(key);
  }

  /** Appended (and awaited) before the send resp. before the next request, so a crash loses no decision. */
  async record(attempt: Omit<ReplayAttempt, 'upstream'>): Promise<void> {
    const line: ReplayAttempt = { ...attempt, upstream: this.upstream };
    if (this.persist) await appendFile(this.file!, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    this.fold(line);
  }
}
