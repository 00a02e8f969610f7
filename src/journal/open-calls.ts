/**
 * A journal wrapper that knows which calls have a `request` line and no `outcome` line yet: what a shutdown that
 * cuts them leaves "in doubt" (the write may or may not have been applied upstream). Lines written on behalf
 * of a call (`parentId`, e.g. a lookup record created first) count for that call.
 */
import type { Journal, JournalEntry, JournalHealth } from './types.js';

/** A call's journal state: `in doubt` = request line(s) without outcome; `nothing written` = no write started. */
export type OpenCallState = 'in doubt' | 'nothing written';

export class OpenCallsJournal implements Journal {
  /** Call id → request lines without their outcome. */
  private readonly open = new Map<string, number>();
  readonly check?: () => JournalHealth;

  constructor(private readonly inner: Journal) {
    if (inner.check) this.check = () => inner.check!();
  }

  append(entry: JournalEntry): void {
    const key = entry.parentId ?? entry.id;
    if (entry.type === 'request') {
      this.inner.append(entry); // a request line that could not be written opens nothing (nothing is sent then)
      this.open.set(key, (this.open.get(key) ?? 0) + 1);
      return;
    }
    try {
      this.inner.append(entry);
    } finally {
      // The call is over even when its outcome line failed: nothing may stay here forever.
      const left = (this.open.get(key) ?? 0) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    }
  }

  /** The journal state of call `id` (the proxy's request id) at this moment. */
  state(id: string): OpenCallState {
    return this.open.has(id) ? 'in doubt' : 'nothing written';
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
