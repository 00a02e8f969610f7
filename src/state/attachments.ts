/**
 * Attachment id → parent record (docs/PROTOCOL-READS.md §13, §16 #29). v1 addressed an attachment by its own id
 * alone (`downloadFile?id=`, `deleteFile?id=`); v2 needs the parent record too
 * (`/crm/v2/{M}/{record}/Attachments/{id}`). The bridge remembers the parent of every attachment it uploads or
 * lists; a miss answers 4600 "id".
 *
 * `FileAttachmentIndex` appends one JSON line per change to a file beside the journal, so a restart keeps the map;
 * with several replicas (`state.kind: redis`) the map is in Redis (state/redis/attachments.ts), so an attachment
 * uploaded through one replica is downloaded or deleted through any other.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeFolderSync } from '../folders.js';

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
  /**
   * The parent of an attachment, if known. Keys are (profile, attachment id): ids are unique per org only.
   * Rejects (SharedStateError, v1 4500) when a shared map cannot be reached.
   */
  lookup(profile: string, attachmentId: string): Promise<AttachmentParent | undefined>;
  /** Remember a parent. Best effort, never rejects: a lost entry only answers 4600 "id" until the record is listed. */
  remember(profile: string, attachmentId: string, parent: AttachmentParent): Promise<void>;
  /** Forget a deleted attachment. Best effort, never rejects. */
  forget(profile: string, attachmentId: string): Promise<void>;
}

const key = (profile: string, id: string): string => `${profile}\u0000${id}`;

/** In-process map (journal off, tests). */
export class MemoryAttachmentIndex implements AttachmentIndex {
  protected readonly map = new Map<string, AttachmentParent>();

  async lookup(profile: string, attachmentId: string): Promise<AttachmentParent | undefined> {
    return this.map.get(key(profile, attachmentId));
  }

  async remember(profile: string, attachmentId: string, parent: AttachmentParent): Promise<void> {
    const k = key(profile, attachmentId);
    const known = this.map.get(k);
    if (known && known.module === parent.module && known.recordId === parent.recordId) return;
    this.map.set(k, parent);
    this.persist({ p: profile, a: attachmentId, m: parent.module, r: parent.recordId });
  }

  async forget(profile: string, attachmentId: string): Promise<void> {
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
      makeFolderSync(dirname(file));
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
