/**
 * In-memory record store of the sandbox, optionally persisted to one JSON file (loaded at start, saved
 * debounced after each change and synchronously on close). Records keep their values as received (typed
 * JSON), plus system data kept apart so it can be rendered in any user's time zone.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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

interface DataFileV1 {
  version: 1;
  nextSeq: number;
  records: StoredRecord[];
}

const ID_LENGTH = 19;

export class RecordStore {
  private readonly byModule = new Map<string, Map<string, StoredRecord>>();
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

  /** Call after mutating a stored record in place. */
  changed(): void {
    if (!this.dataFile) return;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, this.saveDelayMs);
    this.saveTimer.unref();
  }

  clear(): void {
    this.byModule.clear();
    this.changed();
  }

  modules(): string[] {
    return [...this.byModule.keys()];
  }

  /** Write the data file now (atomically: temp file + rename). */
  save(): void {
    if (!this.dataFile) return;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    const doc: DataFileV1 = { version: 1, nextSeq: this.nextSeq, records: this.byModule.size ? this.allRecords() : [] };
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const tmp = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(doc));
    renameSync(tmp, this.dataFile);
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
    this.nextSeq = Math.max(this.nextSeq, doc.nextSeq ?? 0);
  }
}
