/**
 * Attachment id → parent record (docs/PROTOCOL-READS.md §13, §16 #29). v1 addressed an attachment by its own id
 * alone (`downloadFile?id=`, `deleteFile?id=`); v2 needs the parent record too
 * (`/crm/v2/{M}/{record}/Attachments/{id}`). The bridge remembers the parent of every attachment it uploads or
 * lists; a miss answers 4600 "id".
 *
 * `FileAttachmentIndex` appends one JSON line per change to a file beside the journal, so a restart keeps the map.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * File name of the map beside the journal. Not `.jsonl`: journal readers take every `*.jsonl` of the folder.
 */
export const ATTACHMENT_INDEX_FILE = 'attachment-parents.ndjson';

/** Where an attachment lives in v2. */
export interface AttachmentParent {
  /** v2 module api_name of the parent record. */
  module: string;
  /** Parent record id (19-digit string). */
  recordId: string;
}

export interface AttachmentIndex {
  /** The parent of an attachment, if known. Keys are (profile, attachment id): ids are unique per org only. */
  lookup(profile: string, attachmentId: string): AttachmentParent | undefined;
  remember(profile: string, attachmentId: string, parent: AttachmentParent): void;
  forget(profile: string, attachmentId: string): void;
}

const key = (profile: string, id: string): string => `${profile}\u0000${id}`;

/** In-process map (journal off, tests). */
export class MemoryAttachmentIndex implements AttachmentIndex {
  protected readonly map = new Map<string, AttachmentParent>();

  lookup(profile: string, attachmentId: string): AttachmentParent | undefined {
    return this.map.get(key(profile, attachmentId));
  }

  remember(profile: string, attachmentId: string, parent: AttachmentParent): void {
    const k = key(profile, attachmentId);
    const known = this.map.get(k);
    if (known && known.module === parent.module && known.recordId === parent.recordId) return;
    this.map.set(k, parent);
    this.persist({ p: profile, a: attachmentId, m: parent.module, r: parent.recordId });
  }

  forget(profile: string, attachmentId: string): void {
    if (this.map.delete(key(profile, attachmentId))) this.persist({ p: profile, a: attachmentId, gone: true });
  }

  /** Hook for the file-backed index. */
  protected persist(_line: PersistedLine): void {}
}

interface PersistedLine {
  p: string;
  a: string;
  m?: string;
  r?: string;
  gone?: true;
}

/**
 * The map kept in a JSONL file (created 0600): loaded at start, one line appended per change. A torn last line
 * (crash mid-append) is skipped. A failed append is not fatal: the map stays right in memory and the next
 * listing of the record's attachments fills it again after a restart.
 */
export class FileAttachmentIndex extends MemoryAttachmentIndex {
  constructor(private readonly file: string) {
    super();
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let entry: PersistedLine;
        try {
          entry = JSON.parse(line) as PersistedLine;
        } catch {
          continue; // torn line
        }
        if (typeof entry.p !== 'string' || typeof entry.a !== 'string') continue;
        if (entry.gone) this.map.delete(key(entry.p, entry.a));
        else if (typeof entry.m === 'string' && typeof entry.r === 'string') this.map.set(key(entry.p, entry.a), { module: entry.m, recordId: entry.r });
      }
    } else {
      mkdirSync(dirname(file), { recursive: true });
      closeSync(openSync(file, 'a', 0o600));
    }
  }

  protected override persist(line: PersistedLine): void {
    try {
      appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch {
      // Kept in memory; see the class comment.
    }
  }
}
