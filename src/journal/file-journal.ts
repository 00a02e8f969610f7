/**
 * Append-only JSONL journal in one directory, rotated by size. Lines are written synchronously to an open file
 * descriptor: a `request` line is in the OS's hands before the upstream call starts, so a crash of the proxy
 * cannot lose it (a crash of the machine can lose the page cache; `fsync` per line would cost ~ms each).
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { bodyJson, stringifyV2 } from '../v2/json.js';
import type { Journal, JournalEntry } from './types.js';

export interface FileJournalOptions {
  /** Directory for journal-*.jsonl files; created if missing. */
  dir: string;
  /** Rotate to a new file once the current one reaches this size. Default 64 MiB. */
  maxFileBytes?: number;
  /** Clock for file names (tests). */
  now?: () => Date;
}

/** Size at which the journal rotates to a new file (config `journal.maxFileBytes`). */
export const DEFAULT_JOURNAL_FILE_BYTES = 64 * 1024 * 1024;

export const JOURNAL_FILE_PATTERN = /^journal-\d{8}T\d{6}Z-\d{4}\.jsonl$/;

export class FileJournal implements Journal {
  private fd: number | undefined;
  private size = 0;
  private sequence = 0;
  private readonly maxFileBytes: number;
  private readonly now: () => Date;
  private closed = false;

  constructor(private readonly options: FileJournalOptions) {
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_JOURNAL_FILE_BYTES;
    this.now = options.now ?? (() => new Date());
    mkdirSync(options.dir, { recursive: true });
    // Continue numbering after existing files so rotation never overwrites.
    this.sequence = readdirSync(options.dir).filter((f) => JOURNAL_FILE_PATTERN.test(f)).length;
  }

  append(entry: JournalEntry): void {
    if (this.closed) throw new Error('journal is closed');
    const text = serialiseEntry(entry);
    const line = Buffer.from(`${text}\n`, 'utf8');
    if (this.fd === undefined || this.size + line.length > this.maxFileBytes) this.rotate();
    let offset = 0;
    while (offset < line.length) offset += writeSync(this.fd!, line, offset, line.length - offset);
    this.size += line.length;
  }

  async flush(): Promise<void> {
    // Writes are synchronous; nothing is buffered in this process.
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.closed = true;
  }

  /** Path of the file currently written (tests, logs). */
  currentFile(): string | undefined {
    return this.fileName;
  }

  private fileName: string | undefined;

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    this.sequence += 1;
    this.fileName = join(this.options.dir, `journal-${stamp}-${String(this.sequence).padStart(4, '0')}.jsonl`);
    this.fd = openSync(this.fileName, 'a', 0o600);
    this.size = statSync(this.fileName).size;
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

/** A journal that keeps entries in memory (tests, `--no-journal` runs that still want counts). */
export class MemoryJournal implements Journal {
  readonly entries: JournalEntry[] = [];
  append(entry: JournalEntry): void {
    this.entries.push(entry);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
