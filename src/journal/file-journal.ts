/**
 * Append-only JSONL journal in one directory, rotated by size. Lines are written synchronously to an open file
 * descriptor: a `request` line is in the OS's hands before the upstream call starts, so a crash of the proxy
 * cannot lose it (a crash of the machine can lose the page cache; `fsync` per line would cost ~ms each).
 *
 * Faults it survives (issue 13):
 * - a full disk or a file-size limit (ENOSPC, EFBIG): a failed append is cut back to the last complete line
 *   (ftruncate), so no fragment is ever glued to the next line; the append is retried once in a fresh file
 *   (which is what helps against a per-file size limit) and otherwise throws, so the caller refuses the call;
 * - the directory removed or moved away (a cleanup job, `mv`): the next append notices that the path no longer
 *   names the open file, recreates the directory and opens a new file there;
 * - a descriptor is never kept after it was closed (a reused descriptor number could belong to a socket).
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, statfsSync, statSync, writeSync } from 'node:fs';
import { makeFolderSync } from '../folders.js';
import { join } from 'node:path';
import { bodyJson, stringifyV2 } from '../v2/json.js';
import type { Journal, JournalEntry, JournalHealth } from './types.js';

export interface FileJournalOptions {
  /** Directory for journal-*.jsonl files; created if missing (and recreated if removed while running). */
  dir: string;
  /** Rotate to a new file once the current one reaches this size (bytes). @default 67108864 (64 MiB) */
  maxFileBytes?: number;
  /** Clock for file names (tests). @default () => new Date() */
  now?: () => Date;
  /**
   * Free bytes the file system must have for `check()` to call a failing journal writable again.
   * @default 1048576 (1 MiB)
   */
  minFreeBytes?: number;
}

/** Size at which the journal rotates to a new file (config `journal.maxFileBytes`). */
export const DEFAULT_JOURNAL_FILE_BYTES = 64 * 1024 * 1024;

export const JOURNAL_FILE_PATTERN = /^journal-\d{8}T\d{6}Z-(\d{4,})\.jsonl$/;

/** Thrown by `append` when the line could not be written; nothing of it is left in the file. */
export class JournalWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'JournalWriteError';
  }
}

export class FileJournal implements Journal {
  private fd: number | undefined;
  /** Identity of the open file, to notice when its path stops naming it (directory removed or moved). */
  private ino = 0;
  private dev = 0;
  private size = 0;
  private sequence = 0;
  private readonly maxFileBytes: number;
  private readonly now: () => Date;
  private readonly minFreeBytes: number;
  private closed = false;
  private fileName: string | undefined;
  /** The last append failed and nothing has succeeded since: writes are refused (/readyz reports it). */
  private failure: string | undefined;

  constructor(private readonly options: FileJournalOptions) {
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_JOURNAL_FILE_BYTES;
    this.now = options.now ?? (() => new Date());
    this.minFreeBytes = options.minFreeBytes ?? 1024 * 1024;
    makeFolderSync(options.dir);
    this.sequence = this.highestSequence();
  }

  /**
   * Writes one line or throws JournalWriteError (closed journal, directory cannot be created, disk full …).
   * After a throw the file ends with the last complete line, exactly as before the call.
   */
  append(entry: JournalEntry): void {
    if (this.closed) throw new JournalWriteError('journal is closed');
    const text = serialiseEntry(entry);
    const line = Buffer.from(`${text}\n`, 'utf8');
    try {
      this.ensureOpen(line.length);
      try {
        this.writeLine(line);
      } catch (error) {
        // A file that already holds lines may have hit a per-file limit (EFBIG): one more try in a fresh file.
        if (this.size === 0) throw error;
        this.rotate();
        this.writeLine(line);
      }
      this.failure = undefined;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      this.failure = `${e.code ?? 'error'}: ${e.message}`;
      throw error instanceof JournalWriteError ? error : new JournalWriteError(`journal write failed: ${e.message}`, e.code);
    }
  }

  async flush(): Promise<void> {
    // Writes are synchronous; nothing is buffered in this process.
  }

  async close(): Promise<void> {
    this.closeFd();
    this.closed = true;
  }

  /** Path of the file currently written (tests, logs). */
  currentFile(): string | undefined {
    return this.fileName;
  }

  /**
   * Writable or not, for /readyz. While the last append failed, this probes without writing a line: the
   * directory can be (re)created, a file opened, and the file system has `minFreeBytes` free.
   */
  check(): JournalHealth {
    if (this.closed) return { ok: false, error: 'journal is closed' };
    if (!this.failure) return { ok: true };
    try {
      if (this.fd === undefined || !this.pathStillNamesFile()) this.rotate();
      const fs = statfsSync(this.options.dir);
      const free = Number(fs.bavail) * Number(fs.bsize);
      if (free < this.minFreeBytes) return { ok: false, error: `${this.failure} (${free} bytes free)` };
      this.failure = undefined;
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `${this.failure}; probe: ${(error as Error).message}` };
    }
  }

  /** Open a file if none is open, the current one is full, or its path no longer names it. */
  private ensureOpen(bytes: number): void {
    if (this.fd === undefined || this.size + bytes > this.maxFileBytes || !this.pathStillNamesFile()) this.rotate();
  }

  private pathStillNamesFile(): boolean {
    const st = this.fileName ? statSync(this.fileName, { throwIfNoEntry: false }) : undefined;
    return st !== undefined && st.ino === this.ino && st.dev === this.dev;
  }

  /** Write the whole line or cut the file back to its previous end and throw. */
  private writeLine(line: Buffer): void {
    const fd = this.fd!;
    let offset = 0;
    try {
      while (offset < line.length) offset += writeSync(fd, line, offset, line.length - offset);
    } catch (error) {
      if (offset > 0) {
        try {
          ftruncateSync(fd, this.size);
        } catch {
          // Cannot cut the fragment away: never write after it, start a new file on the next append.
          this.closeFd();
        }
      }
      throw error;
    }
    this.size += line.length;
  }

  private rotate(): void {
    this.closeFd();
    makeFolderSync(this.options.dir);
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    this.sequence = Math.max(this.sequence, this.highestSequence()) + 1;
    const name = join(this.options.dir, `journal-${stamp}-${String(this.sequence).padStart(4, '0')}.jsonl`);
    const fd = openSync(name, 'a', 0o600);
    const st = fstatSync(fd);
    this.fd = fd;
    this.fileName = name;
    this.ino = st.ino;
    this.dev = st.dev;
    this.size = st.size;
  }

  private closeFd(): void {
    const fd = this.fd;
    this.fd = undefined; // first: a failed close must not leave a number that may be reused
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already gone
      }
    }
  }

  /** Highest sequence number among the directory's journal files, so rotation never reuses a name. */
  private highestSequence(): number {
    let highest = 0;
    for (const f of readdirSync(this.options.dir)) {
      const m = JOURNAL_FILE_PATTERN.exec(f);
      if (m) highest = Math.max(highest, Number(m[1]));
    }
    return highest;
  }
}

const BODIES_SLOT = `\u0000bodies${Math.random().toString(36).slice(2, 10)}`;
const QUOTED_BODIES_SLOT = JSON.stringify(BODIES_SLOT);

/**
 * One JSONL line (without the newline). Request lines carry v2 bodies, whose decimal literals must keep every
 * digit for replay: they are written as the same text the HTTP request sent (v2/json.ts bodyJson, serialised once
 * per call), spliced into the line in their place, so the bytes equal stringifyV2(entry).
 */
export function serialiseEntry(entry: JournalEntry): string {
  if (entry.type !== 'request' || !entry.plan?.bodies) return JSON.stringify(entry);
  const bodies = entry.plan.bodies;
  const line = stringifyV2({ ...entry, plan: { ...entry.plan, bodies: BODIES_SLOT } });
  const at = line.indexOf(QUOTED_BODIES_SLOT);
  return `${line.slice(0, at)}[${bodies.map((b) => bodyJson(b)).join(',')}]${line.slice(at + QUOTED_BODIES_SLOT.length)}`;
}

/** A journal that keeps entries in memory (tests). */
export class MemoryJournal implements Journal {
  readonly entries: JournalEntry[] = [];
  append(entry: JournalEntry): void {
    this.entries.push(entry);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/** `journal.dir: ""`: no journal. Keeps nothing (a proxy without a journal must not grow with its traffic). */
export class NullJournal implements Journal {
  append(): void {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
