/**
 * The configured journal policies around a journal: `journal.values` (what of the records' data is written,
 * journal/values.ts) and retention (`journal.maxFiles`, `journal.maxAgeDays`, journal/retention.ts), applied
 * when the journal starts and each time it moves on to a new file.
 */
import type { Journal, JournalEntry } from './types.js';
import { pruneJournal, type PruneResult, type RetentionPolicy } from './retention.js';
import { applyJournalValues, type JournalValues } from './values.js';

export interface JournalPolicyOptions extends RetentionPolicy {
  /** The journal directory (retention works on its files). */
  dir: string;
  /** @default 'full' */
  values?: JournalValues;
  /** Told about files deleted or not deletable (the proxy logs it). */
  onPrune?: (result: PruneResult) => void;
}

/** A journal that can say which file it writes (FileJournal). */
interface FileBacked extends Journal {
  currentFile?(): string | undefined;
}

export class PolicyJournal implements Journal {
  private lastFile: string | undefined;
  private readonly values: JournalValues;
  private readonly retains: boolean;

  constructor(
    readonly inner: FileBacked,
    private readonly options: JournalPolicyOptions,
  ) {
    this.values = options.values ?? 'full';
    this.retains = options.maxFiles !== undefined || options.maxAgeDays !== undefined;
    this.prune();
  }

  append(entry: JournalEntry): void {
    this.inner.append(applyJournalValues(entry, this.values));
    if (this.retains) {
      const file = this.inner.currentFile?.();
      if (file !== this.lastFile) this.prune();
    }
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Writable now? (/readyz) The wrapped journal's answer; a journal that cannot tell is writable. */
  check(): { ok: boolean; error?: string } {
    return (this.inner as { check?: () => { ok: boolean; error?: string } }).check?.() ?? { ok: true };
  }

  /** The file being written, when the wrapped journal writes files. */
  currentFile(): string | undefined {
    return this.inner.currentFile?.();
  }

  private prune(): void {
    if (!this.retains) return;
    this.lastFile = this.inner.currentFile?.();
    try {
      const result = pruneJournal(this.options.dir, this.options, this.lastFile);
      if (result.deleted.length || result.failed.length) this.options.onPrune?.(result);
    } catch (error) {
      this.options.onPrune?.({ deleted: [], failed: [{ file: this.options.dir, error: (error as Error).message }] });
    }
  }
}
