/**
 * Issue 20: each replica journals into its own directory (`journal.dir/<replicaId>`); readers (report,
 * replay, findUnfinished) take the parent or several directories and see one journal merged by time.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUnfinished, journalStreams, readJournal, readJournals } from '../../src/journal/reader.js';
import type { JournalEntry } from '../../src/journal/types.js';
import { runReport } from '../../src/report/run.js';
import { memoryIO } from '../convert/helpers.js';
import { runReplay, type ReplayClient } from '../../src/convert/replay.js';
import type { V2Outcome } from '../../src/v2/types.js';

const base = (id: string, ts: string) => ({
  id,
  ts,
  client: { address: '127.0.0.1', tokenFingerprint: 'fp:000000000000' },
  format: 'xml' as const,
  module: 'Leads',
  method: 'insertRecords',
  path: '/crm/private/xml/Leads/insertRecords',
  params: { scope: 'crmapi' },
});
const request = (id: string, ts: string): JournalEntry => ({
  ...base(id, ts),
  type: 'request',
  xmlData: '<Leads><row no="1"><FL val="Last Name">X</FL><FL val="Company">Y</FL></row></Leads>',
  plan: {
    operation: 'insert',
    module: 'Leads',
    requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 1 }],
    bodies: [{ data: [{ Last_Name: id, Company: 'Y' }], trigger: [] }],
  },
});
const outcome = (id: string, ts: string): JournalEntry => ({
  ...base(id, ts),
  type: 'outcome',
  durationMs: 1,
  upstream: true,
  v2Calls: [],
  legacy: { kind: 'success' },
  rows: [{ no: '1', code: '2000', id: '3652397000001000001' }],
});
/** The proxy refused the call before sending it (queue full): replay holds it until --retry-refused (finding 20). */
const notSent = (id: string, ts: string): JournalEntry => ({
  ...base(id, ts),
  type: 'outcome',
  durationMs: 1,
  upstream: false,
  v2Calls: [],
  legacy: { kind: 'error', code: '4820', message: 'queue full' },
  rows: [],
});
const t = (second: number) => `2026-11-30T10:00:${String(second).padStart(2, '0')}.000Z`;
const write = (dir: string, file: string, entries: JournalEntry[]) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
};

/**
 * Three replica directories with interleaved times, one replica with a rotated file, one call unfinished (e).
 * a, c and d were refused before sending (replay holds them until --retry-refused), b succeeded (done).
 */
function replicaJournals(): string {
  const root = mkdtempSync(join(tmpdir(), 'zbridge-replica-journals-'));
  write(join(root, 'r1'), 'journal-0001.jsonl', [request('a', t(1)), notSent('a', t(4))]);
  write(join(root, 'r1'), 'journal-0002.jsonl', [request('d', t(7)), notSent('d', t(9))]);
  write(join(root, 'r2'), 'journal-0001.jsonl', [request('b', t(2)), outcome('b', t(3)), request('e', t(8))]);
  write(join(root, 'r3'), 'journal-0001.jsonl', [request('c', t(5)), notSent('c', t(6))]);
  writeFileSync(join(root, 'r3', 'notes.txt'), 'not a journal');
  return root;
}

describe('replica journal directories', () => {
  it('the parent directory is one journal per replica', () => {
    const root = replicaJournals();
    expect(journalStreams(root).map((s) => s.map((f) => f.slice(root.length + 1)))).toEqual([
      ['r1/journal-0001.jsonl', 'r1/journal-0002.jsonl'],
      ['r2/journal-0001.jsonl'],
      ['r3/journal-0001.jsonl'],
    ]);
  });

  it.each([
    ['the parent directory', (root: string) => readJournal(root)],
    ['the replica directories, any order', (root: string) => readJournals([join(root, 'r3'), join(root, 'r1'), join(root, 'r2')])],
  ])('%s reads back merged by time', async (_label, read) => {
    const root = replicaJournals();
    const seen: string[] = [];
    for await (const e of read(root)) seen.push(`${e.type[0]}:${e.id}@${e.ts.slice(17, 19)}`);
    expect(seen).toEqual(['r:a@01', 'r:b@02', 'o:b@03', 'o:a@04', 'r:c@05', 'o:c@06', 'r:d@07', 'r:e@08', 'o:d@09']);
  });

  it('calls in doubt are found across replicas', async () => {
    expect((await findUnfinished(replicaJournals())).map((r) => r.id)).toEqual(['e']);
  });

  it('zbridge report over the parent directory counts every replica', async () => {
    const root = replicaJournals();
    const out = mkdtempSync(join(tmpdir(), 'zbridge-replica-report-'));
    const { exitCode, data } = await runReport({ inputs: [root], out }, memoryIO());
    expect(exitCode).toBe(0);
    expect(data!.totals.calls).toBe(5);
    expect(data!.totals.inDoubt).toBe(1);
  });

  it('zbridge replay takes the parent directory as one journal and reads every replica in time order', async () => {
    const root = replicaJournals();
    const names: string[] = [];
    const client: ReplayClient = {
      async execute(req) {
        names.push(String(req.body.data[0]?.Last_Name));
        return { outcome: { kind: 'response', status: 201, body: { data: [{ code: 'SUCCESS', status: 'success', details: { id: '1' } }] } } as V2Outcome };
      },
    };
    // Finding 20: the three the proxy refused before sending (4820), whose clients were told to retry, are held
    // by default and listed apart; nothing is sent.
    const held = await runReplay({ source: root, client }, memoryIO());
    expect(held.summary!.requests).toBe(5);
    expect(held.summary!.plan).toMatchObject({ done: 1, toSend: 0, heldInDoubt: 1, heldRefused: 3 });
    expect(names).toEqual([]);
    // Issue 13: b is done, e (no outcome) is held in doubt; with --retry-refused the three refused before sending
    // go out in time order across the replicas (r1's a, r3's c, r1's second file's d — the file order would be a, d, c).
    const { summary } = await runReplay({ source: root, client, retryRefused: true }, memoryIO());
    expect(summary!.plan).toMatchObject({ done: 1, toSend: 3, heldInDoubt: 1, heldRefused: 0 });
    expect(names).toEqual(['a', 'c', 'd']);
  });
});
