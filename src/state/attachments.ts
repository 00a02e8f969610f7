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
   * The parent of an attachment, if known. Keys are (scope, attachment id): ids are unique per org only, so the
   * scope is the upstream's identity (zoho/identity.ts: API domain, client id, grant; ProfileRuntime.scope), never
   * a profile name two orgs could share. Rejects (SharedStateError, v1 4500) when a shared map cannot be reached.
   */
  lookup(scope: string, attachmentId: string): Promise<AttachmentParent | undefined>;
  /** Remember a parent. Best effort, never rejects: a lost entry only answers 4600 "id" until the record is listed. */
  remember(scope: string, attachmentId: string, parent: AttachmentParent): Promise<void>;
  /** Forget a deleted attachment. Best effort, never rejects. */
  forget(scope: string, attachmentId: string): Promise<void>;
}

const key = (scope: string, id: string): string => `${scope}\u0000${id}`;

/** In-process map (journal off, tests). */
export class MemoryAttachmentIndex implements AttachmentIndex {
  protected readonly map = new Map<string, AttachmentParent>();

  async lookup(scope: string, attachmentId: string): Promise<AttachmentParent | undefined> {
    return this.map.get(key(scope, attachmentId));
  }

  async remember(scope: string, attachmentId: string, parent: AttachmentParent): Promise<void> {
    const k = key(scope, attachmentId);
    const known = this.map.get(k);
    if (known && known.module === parent.module && known.recordId === parent.recordId) return;
    this.map.set(k, parent);
    this.persist({ p: scope, a: attachmentId, m: parent.module, r: parent.recordId });
  }

  async forget(scope: string, attachmentId: string): Promise<void> {
    if (this.map.delete(key(scope, attachmentId))) this.persist({ p: scope, a: attachmentId, gone: true });
  }

  /** Hook for the file-backed index. */
  protected persist(_line: PersistedLine): void {}
}

interface PersistedLine {
  /** The scope (older files: the profile name). */
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
  /**
   * @param file    the map's file (created 0600 when missing)
   * @param aliases profile name → its scope today: lines of older versions, keyed by profile name, are read as
   *                that profile's current upstream (they were written by this process's own profiles)
   */
  constructor(
    private readonly file: string,
    aliases: ReadonlyMap<string, string> = new Map(),
  ) {
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
        const scope = aliases.get(entry.p) ?? entry.p;
        if (entry.gone) this.map.delete(key(scope, entry.a));
        else if (typeof entry.m === 'string' && typeof entry.r === 'string') this.map.set(key(scope, entry.a), { module: entry.m, recordId: entry.r });
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
