/** Reading journals back (report, replay, convert): streams lines, never loads a whole file. */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isReplayStateFileName, isReplayStateLine } from './state-files.js';
import type { JournalEntry, JournalOutcomeEntry, JournalRequestEntry } from './types.js';

/** Journal files of a directory in write order (never replay's state files), or the file itself. */
export function journalFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.jsonl') && !isReplayStateFileName(f))
    .sort()
    .map((f) => join(path, f));
}

/**
 * The journals under `path`, each as its files in write order: a file; a journal directory; or a directory
 * whose subdirectories are journal directories — one per replica (`journal.dir/<replicaId>` with shared
 * state) — together with its own files, if any. Only one level down: nothing else is walked.
 */
export function journalStreams(path: string): string[][] {
  if (!statSync(path).isDirectory()) return [[path]];
  const streams: string[][] = [];
  const own = journalFiles(path);
  if (own.length > 0) streams.push(own);
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue;
    const files = journalFiles(join(path, entry.name));
    if (files.length > 0) streams.push(files);
  }
  return streams;
}

export interface JournalLineError {
  file: string;
  line: number;
  message: string;
  /** The line was cut off (a failed append, e.g. disk full, in a journal written before issue 13's fix). */
  torn?: boolean;
}

export interface ReadJournalOptions {
  /** Line parser. Default JSON.parse; replay passes an exact one so recorded decimal literals keep every digit. */
  parse?: (line: string) => unknown;
  /** Told the bytes read of the current file after each line (progress bars). */
  onBytes?: (file: string, bytes: number) => void;
}

/**
 * Every entry under `path` (a file, a journal directory, or a directory of replica journal directories; see
 * journalStreams), in order: one journal in write order; several merged by time (see readJournals).
 * Unparseable lines are reported to `onError` and skipped.
 */
export function readJournal(
  path: string,
  onError: (e: JournalLineError) => void = () => {},
  options: ReadJournalOptions = {},
): AsyncGenerator<JournalEntry> {
  return readJournals([path], onError, options);
}

/**
 * Every entry of several journals (paths as for readJournal; each replica writes its own), merged by entry
 * time `ts` so the result reads as one journal: a k-way merge of streams that are each in write order, so
 * memory stays one pending entry per stream. Entries with equal times keep the order of `paths`.
 */
export async function* readJournals(
  paths: readonly string[],
  onError: (e: JournalLineError) => void = () => {},
  options: ReadJournalOptions = {},
): AsyncGenerator<JournalEntry> {
  yield* mergeJournalStreams(paths.flatMap((p) => journalStreams(p)), onError, options);
}

/** Entries of journals given as their files (each stream in write order), merged by time as in readJournals. */
export async function* mergeJournalStreams(
  streams: readonly (readonly string[])[],
  onError: (e: JournalLineError) => void = () => {},
  options: ReadJournalOptions = {},
): AsyncGenerator<JournalEntry> {
  for await (const { entry } of mergeJournalSources(streams, onError, options)) yield entry;
}

/** As mergeJournalStreams, with the file each entry was read from. */
export async function* mergeJournalSources(
  streams: readonly (readonly string[])[],
  onError: (e: JournalLineError) => void = () => {},
  options: ReadJournalOptions = {},
): AsyncGenerator<{ entry: JournalEntry; file: string }> {
  if (streams.length === 1) {
    yield* readFiles(streams[0], onError, options);
    return;
  }
  const iterators = streams.map((files) => readFiles(files, onError, options));
  const heads = await Promise.all(iterators.map((it) => it.next()));
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h.done) continue;
      if (pick < 0 || entryTime(h.value.entry) < entryTime((heads[pick] as IteratorYieldResult<{ entry: JournalEntry }>).value.entry)) pick = i;
    }
    if (pick < 0) return;
    yield (heads[pick] as IteratorYieldResult<{ entry: JournalEntry; file: string }>).value;
    heads[pick] = await iterators[pick].next();
  }
}

/** ISO-8601 UTC times compare as strings; an entry without one sorts first (it cannot be placed better). */
const entryTime = (e: JournalEntry): string => (typeof e.ts === 'string' ? e.ts : '');

/** Entries of one journal's files, in order, each with its file. A file whose first line is replay state is skipped whole. */
async function* readFiles(
  files: readonly string[],
  onError: (e: JournalLineError) => void,
  options: ReadJournalOptions,
): AsyncGenerator<{ entry: JournalEntry; file: string }> {
  const parse = options.parse ?? JSON.parse;
  for (const file of files) {
    const input = createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    let bytes = 0;
    let first = true;
    for await (const line of lines) {
      n += 1;
      if (options.onBytes) {
        bytes += Buffer.byteLength(line, 'utf8') + 1;
        options.onBytes(file, bytes);
      }
      if (!line.trim()) continue;
      let entry: JournalEntry | undefined;
      try {
        entry = parse(line) as JournalEntry;
      } catch (error) {
        // A torn fragment with a whole line glued after it: report the fragment, keep its neighbour.
        const glued = gluedEntry(line, parse);
        onError({
          file,
          line: n,
          torn: true,
          message: glued
            ? `torn line: ${glued.skipped} bytes of a cut-off entry skipped, the entry after it kept`
            : `torn or unparseable line skipped (${(error as Error).message})`,
        });
        if (glued) yield { entry: glued.entry, file };
        continue;
      }
      if (first && isReplayStateLine(entry)) {
        // replay's own state (named anything with --state): not journal, not an error
        lines.close();
        input.destroy();
        break;
      }
      first = false;
      if (entry && (entry.type === 'request' || entry.type === 'outcome')) yield { entry, file };
      else onError({ file, line: n, message: 'not a journal entry' });
    }
  }
}

/** Where a whole entry may start inside a torn line (entries begin with their id, older ones with their type). */
const ENTRY_START = /\{"id":"[^"\\]{0,200}","ts":"|\{"type":"(?:request|outcome)"/g;
/** At most this many restart points are tried per torn line (each parse is linear in the rest of the line). */
const MAX_RESTARTS = 4;

/** The last whole journal entry glued after a fragment, if any. */
function gluedEntry(line: string, parse: (line: string) => unknown): { entry: JournalEntry; skipped: number } | undefined {
  const starts = [...line.matchAll(ENTRY_START)].map((m) => m.index!).filter((i) => i > 0);
  for (const start of starts.slice(0, MAX_RESTARTS)) {
    try {
      const entry = parse(line.slice(start)) as JournalEntry;
      if (entry && (entry.type === 'request' || entry.type === 'outcome') && typeof entry.id === 'string') {
        return { entry, skipped: Buffer.byteLength(line.slice(0, start)) };
      }
    } catch {
      // not an entry start: a value that happens to look like one
    }
  }
  return undefined;
}

/** True when the first non-empty line of a file parses as a journal entry (format sniffing). */
export function looksLikeJournalLine(line: string): boolean {
  try {
    const v = JSON.parse(line) as { type?: unknown; id?: unknown };
    return (v.type === 'request' || v.type === 'outcome') && typeof v.id === 'string';
  } catch {
    return false;
  }
}

/** Request lines that never got an outcome line: calls in doubt after a crash. */
export async function findUnfinished(path: string): Promise<JournalRequestEntry[]> {
  const open = new Map<string, JournalRequestEntry>();
  for await (const entry of readJournal(path)) {
    if (entry.type === 'request') open.set(entry.id, entry);
    else open.delete((entry as JournalOutcomeEntry).id);
  }
  return [...open.values()];
}
