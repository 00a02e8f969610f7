/**
 * In-memory record store of the sandbox, optionally persisted to one JSON file (loaded at start, saved
 * debounced after each change and synchronously on close). Records keep their values as received (typed
 * JSON), plus system data kept apart so it can be rendered in any user's time zone.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeFolderSync } from '../folders.js';

/**
 * The data file cannot be written (at start-up: the directory cannot be created or written; later: disk full,
 * directory gone …). Start-up stops with it (exit 2 from the CLI); a write request that cannot be saved answers
 * 500 INTERNAL_ERROR instead of succeeding, and the process keeps serving.
 */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`sandbox: dataFile ${file} cannot be written: ${reason}`);
    this.name = 'DataFileError';
  }
}

export interface StoredRecord {
  id: string;
  /** Module api_name. */
  module: string;
  /** Insertion sequence: "oldest" = smallest. */
  seq: number;
  createdAt: number;
  modifiedAt: number;
  createdBy: string;
  modifiedBy: string;
  ownerId: string;
  /** Field values as received (lookups normalised to `{name,id}`), without the system fields. */
  values: Record<string, unknown>;
}

/** A record in the recycle bin (v2 DELETE moves records there; v1 could not delete permanently). */
export interface DeletedRecord {
  record: StoredRecord;
  deletedAt: number;
  deletedBy: string;
  /** v2 `type` of the deleted-records list. */
  type: 'recycle' | 'permanent';
}

/** A many-to-many relation (Campaigns ↔ Leads, Products ↔ Accounts, …) with its junction fields. */
export interface StoredRelation {
  parentModule: string;
  parentId: string;
  /** Related list api_name on the parent. */
  list: string;
  childModule: string;
  childId: string;
  /** Junction fields (`Member_Status`, `list_price`, `Contact_Role`, …) as received. */
  fields: Record<string, unknown>;
}

/** An attachment or a record photo, with its bytes. */
export interface StoredFile {
  id: string;
  /** Parent record's module api_name and id. */
  module: string;
  parentId: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
  createdAt: number;
  createdBy: string;
}

/**
 * One entry of a Deal's stage history (v2 related list `Stage_History`): written when a Deal is created and each
 * time its `Stage` changes, with the deal's amount, probability and closing date at that moment.
 */
export interface StageHistoryEntry {
  id: string;
  dealId: string;
  stage: unknown;
  amount: unknown;
  probability: unknown;
  closingDate: unknown;
  modifiedAt: number;
  modifiedBy: string;
}

interface DataFileV1 {
  version: 1;
  nextSeq: number;
  records: StoredRecord[];
  /** Optional sections added with the delete / related / file endpoints (older files lack them). */
  deleted?: DeletedRecord[];
  relations?: StoredRelation[];
  files?: (Omit<StoredFile, 'bytes'> & { bytes: string; photo?: boolean })[];
  stageHistory?: StageHistoryEntry[];
}

const ID_LENGTH = 19;

export class RecordStore {
  private readonly byModule = new Map<string, Map<string, StoredRecord>>();
  /** Recycle bin and purged ids, by record id. */
  readonly deleted = new Map<string, DeletedRecord>();
  /** Junction relations, keyed by `parentId/list/childId`. */
  readonly relations = new Map<string, StoredRelation>();
  /** Attachments by attachment id. */
  readonly attachments = new Map<string, StoredFile>();
  /** Record photos by record id. */
  readonly photos = new Map<string, StoredFile>();
  /** Deals' stage changes, oldest first. */
  readonly stageHistory: StageHistoryEntry[] = [];
  private nextSeq = 1_000_001;
  private saveTimer: NodeJS.Timeout | undefined;

  /**
   * @param idSeed leading digits of generated ids (all ids are 19 digits)
   * @param dataFile optional persistence file
   * @param saveDelayMs debounce of saves after changes (default 50)
   */
  constructor(
    private readonly idSeed: string,
    private readonly dataFile?: string,
    private readonly saveDelayMs = 50,
  ) {
    if (!/^\d{1,15}$/.test(idSeed)) throw new Error(`sandbox: idSeed must be 1..15 digits, got "${idSeed}"`);
    if (dataFile && existsSync(dataFile)) this.load(dataFile);
    if (dataFile) this.probeWritable(dataFile);
  }

  /** Changes not yet in the data file. */
  private dirty = false;
  /** Callers of `persist()` waiting for the save of this turn of the event loop. */
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /**
   * Resolves once every change made so far is in the data file (one save per turn of the event loop, shared
   * by all writes of that turn); rejects with DataFileError when the save fails. Without a data file: at once.
   */
  persist(): Promise<void> {
    if (!this.dataFile || !this.dirty) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length > 1) return;
      setImmediate(() => {
        const waiting = this.waiting;
        this.waiting = [];
        try {
          this.save();
          for (const w of waiting) w.resolve();
        } catch (error) {
          for (const w of waiting) w.reject(error as Error);
        }
      });
    });
  }

  /** At start-up: the data file's directory exists (or can be made) and takes a file. */
  private probeWritable(file: string): void {
    const probe = `${file}.${process.pid}.probe`;
    try {
      makeFolderSync(dirname(file));
      writeFileSync(probe, '{}');
    } catch (error) {
      throw new DataFileError(file, (error as Error).message);
    } finally {
      try {
        unlinkSync(probe);
      } catch {
        // not created
      }
    }
  }

  /**
   * A new 19-digit string id (never a number: it exceeds Number.MAX_SAFE_INTEGER) and its sequence number,
   * which orders records by age.
   */
  next(): { id: string; seq: number } {
    const seq = this.nextSeq++;
    return { id: this.idSeed + String(seq).padStart(ID_LENGTH - this.idSeed.length, '0'), seq };
  }

  module(moduleApi: string): Map<string, StoredRecord> {
    let m = this.byModule.get(moduleApi);
    if (!m) {
      m = new Map();
      this.byModule.set(moduleApi, m);
    }
    return m;
  }

  get(moduleApi: string, id: string): StoredRecord | undefined {
    return this.byModule.get(moduleApi)?.get(id);
  }

  /** All records of a module, oldest first. */
  list(moduleApi: string): StoredRecord[] {
    return [...(this.byModule.get(moduleApi)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  /** Record by id in any module (ids are unique across the store). */
  find(id: string): StoredRecord | undefined {
    for (const m of this.byModule.values()) {
      const r = m.get(id);
      if (r) return r;
    }
    return undefined;
  }

  add(record: StoredRecord): void {
    this.module(record.module).set(record.id, record);
    this.changed();
  }

  /**
   * Move a record to the recycle bin (v2 DELETE). Its relations, attachments and photo go with it.
   * Returns false when the module holds no such record.
   */
  remove(moduleApi: string, id: string, deletedBy: string, now: number): boolean {
    const m = this.byModule.get(moduleApi);
    const record = m?.get(id);
    if (!m || !record) return false;
    m.delete(id);
    this.deleted.set(id, { record, deletedAt: now, deletedBy, type: 'recycle' });
    for (const [key, r] of this.relations) if (r.parentId === id || r.childId === id) this.relations.delete(key);
    for (const [key, f] of this.attachments) if (f.parentId === id) this.attachments.delete(key);
    this.photos.delete(id);
    this.changed();
    return true;
  }

  /** Deleted records of a module, most recently deleted first. */
  deletedOf(moduleApi: string): DeletedRecord[] {
    return [...this.deleted.values()]
      .filter((d) => d.record.module === moduleApi)
      .sort((a, b) => b.deletedAt - a.deletedAt || b.record.seq - a.record.seq);
  }

  /** Add or update a junction relation (found from either side); true when it was new. */
  relate(relation: StoredRelation): boolean {
    const key =
      this.relationKey(relation.parentId, relation.list, relation.childId, relation.childModule) ??
      `${relation.parentId}/${relation.list}/${relation.childId}`;
    const existing = this.relations.get(key);
    this.relations.set(key, existing ? { ...existing, fields: { ...existing.fields, ...relation.fields } } : relation);
    this.changed();
    return existing === undefined;
  }

  /** Remove a junction relation (stored from either side); false when there was none. */
  unrelate(parentId: string, list: string, childId: string, otherModule: string): boolean {
    const key = this.relationKey(parentId, list, childId, otherModule);
    const gone = key !== undefined && this.relations.delete(key);
    if (gone) this.changed();
    return gone;
  }

  /**
   * Relations of a record's junction list, in insertion order, seen from either side: Campaigns/{id}/Leads also
   * finds the relations stored from Leads/{id}/Campaigns (the result is oriented as `childModule`/`childId` = the
   * other record).
   */
  relationsOf(parentModule: string, parentId: string, list: string, otherModule: string): StoredRelation[] {
    const out: StoredRelation[] = [];
    for (const r of this.relations.values()) {
      if (r.parentId === parentId && r.list === list) out.push(r);
      else if (r.childId === parentId && r.parentModule === otherModule && r.childModule === parentModule) {
        out.push({ ...r, parentModule, parentId, list, childModule: otherModule, childId: r.parentId });
      }
    }
    return out;
  }

  /** The stored key of the relation between two records, whichever side stored it. */
  relationKey(parentId: string, list: string, childId: string, otherModule: string): string | undefined {
    const direct = `${parentId}/${list}/${childId}`;
    if (this.relations.has(direct)) return direct;
    for (const [key, r] of this.relations) if (r.parentId === childId && r.childId === parentId && r.parentModule === otherModule) return key;
    return undefined;
  }

  /** Call after mutating a stored record in place. */
  changed(): void {
    if (!this.dataFile) return;
    this.dirty = true;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      try {
        this.save();
      } catch {
        // Never crash from a timer: the changes stay dirty and the next write's persist() reports the failure.
      }
    }, this.saveDelayMs);
    this.saveTimer.unref();
  }

  clear(): void {
    this.byModule.clear();
    this.deleted.clear();
    this.relations.clear();
    this.attachments.clear();
    this.photos.clear();
    this.stageHistory.length = 0;
    this.changed();
  }

  /** A Deal was created, or its Stage set: append a stage-history entry when the stage is new for it. */
  recordStage(deal: StoredRecord, modifiedBy: string, now: number): void {
    const stage = deal.values.Stage;
    if (stage === undefined || stage === null || stage === '') return;
    const last = this.stageHistory.findLast((e) => e.dealId === deal.id);
    if (last && last.stage === stage) return;
    const v = deal.values;
    this.stageHistory.push({ id: this.next().id, dealId: deal.id, stage, amount: v.Amount ?? null, probability: v.Probability ?? null, closingDate: v.Closing_Date ?? null, modifiedAt: now, modifiedBy });
  }

  modules(): string[] {
    return [...this.byModule.keys()];
  }

  /** Write the data file now (atomically: temp file + rename). Throws DataFileError; the old file stays intact. */
  save(): void {
    if (!this.dataFile) return;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    const files = [
      ...[...this.attachments.values()].map((f) => ({ ...f, bytes: f.bytes.toString('base64') })),
      ...[...this.photos.values()].map((f) => ({ ...f, bytes: f.bytes.toString('base64'), photo: true })),
    ];
    const doc: DataFileV1 = {
      version: 1,
      nextSeq: this.nextSeq,
      records: this.byModule.size ? this.allRecords() : [],
      deleted: [...this.deleted.values()],
      relations: [...this.relations.values()],
      files,
      stageHistory: this.stageHistory,
    };
    const tmp = `${this.dataFile}.${process.pid}.tmp`;
    try {
      makeFolderSync(dirname(this.dataFile));
      writeFileSync(tmp, JSON.stringify(doc));
      renameSync(tmp, this.dataFile);
      this.dirty = false;
    } catch (error) {
      try {
        unlinkSync(tmp);
      } catch {
        // never written
      }
      throw new DataFileError(this.dataFile, (error as Error).message);
    }
  }

  private allRecords(): StoredRecord[] {
    return [...this.byModule.values()].flatMap((m) => [...m.values()]).sort((a, b) => a.seq - b.seq);
  }

  private load(file: string): void {
    let doc: DataFileV1;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as DataFileV1;
    } catch (error) {
      throw new Error(`sandbox: cannot read dataFile ${file}: ${(error as Error).message}`);
    }
    if (doc.version !== 1 || !Array.isArray(doc.records)) throw new Error(`sandbox: ${file} is not a sandbox data file`);
    for (const r of doc.records) this.module(r.module).set(r.id, r);
    for (const d of doc.deleted ?? []) this.deleted.set(d.record.id, d);
    for (const r of doc.relations ?? []) this.relations.set(`${r.parentId}/${r.list}/${r.childId}`, r);
    for (const f of doc.files ?? []) {
      const { photo, ...rest } = f;
      const file: StoredFile = { ...rest, bytes: Buffer.from(f.bytes, 'base64') };
      if (photo) this.photos.set(file.parentId, file);
      else this.attachments.set(file.id, file);
    }
    this.stageHistory.push(...(doc.stageHistory ?? []));
    this.nextSeq = Math.max(this.nextSeq, doc.nextSeq ?? 0);
  }
}
