/**
 * Files zbridge itself writes that are NOT journal or input, and where they go, so every reader of journals and
 * inputs (replay, report, convert) can tell them apart: replay's state (`zbridge replay`, see
 * src/convert/replay-state.ts for its lines).
 *
 * Where: beside what was replayed, never inside a journal folder — `<journal dir>.replay-state.jsonl` for a
 * journal folder (also the parent of the replicas' `journal.dir/<replicaId>` folders), `<file>.replay-state.jsonl`
 * for a file, `<dir>/replay-state.jsonl` for a `zbridge convert --out` folder (the tool's own output). Versions
 * before this one wrote `<journal dir>/replay-state.jsonl`: such files exist in the wild, so they are skipped by
 * name, and any file whose first line is a state line is skipped by content (`--state` can name it anything).
 */
import { basename } from 'node:path';

/** The state file of a convert output folder, and (older versions) of a journal folder. */
export const REPLAY_STATE_NAME = 'replay-state.jsonl';
/** Appended to a replayed file or folder path: `<source>.replay-state.jsonl`. */
export const REPLAY_STATE_SUFFIX = '.replay-state.jsonl';

/** True for a replay state file's name (`replay-state.jsonl`, `*.replay-state.jsonl`, any case). */
export function isReplayStateFileName(path: string): boolean {
  const name = basename(path).toLowerCase();
  return name === REPLAY_STATE_NAME || name.endsWith(REPLAY_STATE_SUFFIX);
}

/**
 * True when a parsed line is a replay state line: an object with a string `key` and `status` and no journal
 * `type` (journal entries always carry `type`; convert call documents carry `source` and `requests`).
 */
export function isReplayStateLine(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return v.type === undefined && typeof v.key === 'string' && typeof v.status === 'string' && typeof v.ts === 'string';
}

/** As isReplayStateLine, from the line's text (format sniffing; unparseable text is no state line). */
export function looksLikeReplayStateLine(line: string): boolean {
  try {
    return isReplayStateLine(JSON.parse(line));
  } catch {
    return false;
  }
}
