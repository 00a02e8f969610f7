/** The journal wrapper behind the shutdown log's "in doubt" / "nothing written" (issue 12 item 10). */
import { describe, expect, it } from 'vitest';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import { OpenCallsJournal } from '../../src/journal/open-calls.js';
import type { Journal, JournalEntry } from '../../src/journal/types.js';

const line = (type: 'request' | 'outcome', id: string, parentId?: string) => ({ type, id, ...(parentId ? { parentId } : {}) }) as unknown as JournalEntry;

describe('OpenCallsJournal', () => {
  it('a request line without outcome is in doubt; with its outcome, or without any line, nothing written', () => {
    const j = new OpenCallsJournal(new MemoryJournal());
    expect(j.state('a')).toBe('nothing written');
    j.append(line('request', 'a'));
    expect(j.state('a')).toBe('in doubt');
    j.append(line('outcome', 'a'));
    expect(j.state('a')).toBe('nothing written');
  });

  it('lines written on behalf of a call (parentId) keep that call in doubt until their outcome', () => {
    const j = new OpenCallsJournal(new MemoryJournal());
    j.append(line('request', 'a#lookup-1', 'a'));
    expect(j.state('a')).toBe('in doubt');
    j.append(line('outcome', 'a#lookup-1', 'a'));
    j.append(line('request', 'a'));
    j.append(line('outcome', 'a'));
    expect(j.state('a')).toBe('nothing written');
  });

  it('a failing journal: a request line not written opens nothing; an outcome line not written still closes', () => {
    let fail = false;
    const inner: Journal = { append: () => { if (fail) throw new Error('disk full'); }, flush: async () => undefined, close: async () => undefined };
    const j = new OpenCallsJournal(inner);
    fail = true;
    expect(() => j.append(line('request', 'x'))).toThrow('disk full');
    expect(j.state('x')).toBe('nothing written');
    fail = false;
    j.append(line('request', 'y'));
    fail = true;
    expect(() => j.append(line('outcome', 'y'))).toThrow('disk full');
    expect(j.state('y')).toBe('nothing written');
  });
});
