/**
 * Journal retention: `journal.maxFiles` and `journal.maxAgeDays`. Deletes whole rotated files of the journal
 * directory (`journal-*.jsonl`), oldest first, never the file being written, and nothing else in the folder.
 * A file's age is the time of its last write (mtime): a file is kept while any line in it is younger than
 * maxAgeDays. Runs when the journal starts and after every rotation.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RetentionPolicy {
  /** Keep at most this many journal files (the current one included). @default unlimited */
  maxFiles?: number;
  /** Delete files whose last line is older than this many days. @default unlimited */
  maxAgeDays?: number;
}

/** Journal file names as the file journal writes them (`journal-20260101T120000Z-0001.jsonl`). */
const JOURNAL_FILE = /^journal-\d{8}T\d{6}Z-\d{4,}\.jsonl$/;

export interface PruneResult {
  deleted: string[];
  /** Files that could not be deleted, with the reason (permissions …); retried at the next prune. */
  failed: { file: string; error: string }[];
}

/**
 * Apply the policy to `dir` now. `current` (the open file) is never deleted. `now` in ms (tests).
 * Sequence numbers in the names order the files (lexical order of the names is write order).
 */
export function pruneJournal(dir: string, policy: RetentionPolicy, current?: string, now: number = Date.now()): PruneResult {
  const result: PruneResult = { deleted: [], failed: [] };
  if (policy.maxFiles === undefined && policy.maxAgeDays === undefined) return result;
  const keep = current ? resolve(current) : undefined;
  const files = readdirSync(dir)
    .filter((f) => JOURNAL_FILE.test(f))
    .sort((a, b) => sequence(a) - sequence(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => join(dir, f));
  const doomed = new Set<string>();
  if (policy.maxAgeDays !== undefined) {
    const cutoff = now - policy.maxAgeDays * 86_400_000;
    for (const f of files) {
      try {
        if (statSync(f).mtimeMs < cutoff) doomed.add(f);
      } catch {
        // Gone already.
      }
    }
  }
  if (policy.maxFiles !== undefined) {
    const left = files.filter((f) => !doomed.has(f));
    for (const f of left.slice(0, Math.max(0, left.length - policy.maxFiles))) doomed.add(f);
  }
  for (const f of files) {
    if (!doomed.has(f) || resolve(f) === keep) continue;
    try {
      unlinkSync(f);
      result.deleted.push(f);
    } catch (error) {
      result.failed.push({ file: f, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    }
  }
  return result;
}

function sequence(name: string): number {
  return Number(/-(\d+)\.jsonl$/.exec(name)?.[1] ?? 0);
}
