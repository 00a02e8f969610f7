/**
 * Breaker finding 5: replay's state file lives beside a journal (`<journal dir>.replay-state.jsonl`,
 * `<file>.replay-state.jsonl`), never inside a journal folder; and every reader of journals and inputs (replay,
 * report, convert) skips the tool's own state files — by name (`replay-state.jsonl`, `*.replay-state.jsonl`, the
 * files older versions left inside journal folders) and by content (a `--state` file named anything).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay, type ReplayClient } from '../../src/convert/replay.js';
import { runReport } from '../../src/report/run.js';
import { runConvert } from '../../src/convert/convert.js';
import { readJournal } from '../../src/journal/reader.js';
import type { JournalEntry } from '../../src/journal/types.js';
import type { V2Outcome } from '../../src/v2/types.js';
import { memoryIO, tempDir } from './helpers.js';

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
  xmlData: `<Leads><row no="1"><FL val="Last Name">${id}</FL><FL val="Company">Y</FL></row></Leads>`,
  plan: {
    operation: 'insert',
    module: 'Leads',
    requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 1 }],
    bodies: [{ data: [{ Last_Name: id, Company: 'Y' }], trigger: [] }],
  },
});
/** v2 answered a definite failure: replay sends it. */
const failed = (id: string, ts: string): JournalEntry => ({
  ...base(id, ts),
  type: 'outcome',
  durationMs: 1,
  upstream: true,
  v2Calls: [],
  legacy: { kind: 'error', code: '4832', message: 'bad value' },
  rows: [],
  writes: [{ request: 0, status: 'failed', http: 400, error: 'INVALID_DATA' }],
});
const t = (s: number) => `2026-11-30T10:00:${String(s).padStart(2, '0')}.000Z`;
const write = (dir: string, file: string, entries: JournalEntry[]) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
};

const okClient = (sent: string[]): ReplayClient => ({
  async execute(req) {
    sent.push(String(req.body.data[0]?.Last_Name));
    return { outcome: { kind: 'response', status: 201, body: { data: [{ code: 'SUCCESS', status: 'success', details: { id: '1' } }] } } as V2Outcome };
  },
});

/** Every file under a folder, relative, sorted. */
const tree = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();

interface Layout {
  /** The source passed to replay, relative to the root. */
  source: string;
  /** Where the state must be, relative to the root. */
  state: string;
  /** The journal folder a reader is given afterwards (report, convert, replay again), relative. */
  journal: string;
  /** Requests the journal holds. */
  requests: number;
}

function makeRoot(): string {
  const root = tempDir('state-place');
  write(join(root, 'j'), 'journal-20261130T100000Z-0001.jsonl', [request('a', t(1)), failed('a', t(2)), request('b', t(3)), failed('b', t(4))]);
  write(join(root, 'jr', 'repA'), 'journal-20261130T100000Z-0001.jsonl', [request('c', t(5)), failed('c', t(6))]);
  write(join(root, 'jr', 'repB'), 'journal-20261130T100000Z-0001.jsonl', [request('d', t(7)), failed('d', t(8))]);
  return root;
}

const LAYOUTS: [string, Layout][] = [
  ['a journal folder', { source: 'j', state: 'j.replay-state.jsonl', journal: 'j', requests: 2 }],
  ['a journal folder with a trailing slash', { source: 'j/', state: 'j.replay-state.jsonl', journal: 'j', requests: 2 }],
  ['the parent of the replicas\' folders', { source: 'jr', state: 'jr.replay-state.jsonl', journal: 'jr', requests: 2 }],
  ['one replica\'s folder', { source: 'jr/repA', state: 'jr/repA.replay-state.jsonl', journal: 'jr', requests: 1 }],
  [
    'a journal file',
    { source: 'j/journal-20261130T100000Z-0001.jsonl', state: 'j/journal-20261130T100000Z-0001.jsonl.replay-state.jsonl', journal: 'j', requests: 2 },
  ],
];

/** report, convert and replay --dry-run over a folder: none of them may mention a state file or a bad line. */
async function readersAreClean(folder: string, requests: number): Promise<void> {
  const errors: string[] = [];
  for await (const _ of readJournal(folder, (e) => errors.push(`${e.file}: ${e.message}`))) void _;
  expect(errors).toEqual([]);

  const rio = memoryIO();
  const report = await runReport({ inputs: [folder], out: tempDir('state-place-report') }, rio);
  expect(rio.err()).not.toMatch(/not a journal entry|replay-state|unreadable/);
  expect(report.exitCode).toBe(0);
  expect(report.data!.totals.calls).toBe(requests);

  const cio = memoryIO();
  const convert = await runConvert({ inputs: [folder], out: tempDir('state-place-convert') }, cio);
  expect(cio.err()).not.toMatch(/not a journal entry|replay-state/);
  expect(convert.summary!.calls).toBe(requests);
  expect(convert.summary!.errors).toEqual([]);
}

describe('replay state is kept beside the journal, never in it', () => {
  it.each(LAYOUTS)('%s', async (_label, layout) => {
    const root = makeRoot();
    const before = tree(root);
    const sent: string[] = [];
    const first = await runReplay({ source: join(root, layout.source), client: okClient(sent) }, memoryIO());
    expect(first.exitCode).toBe(0);
    expect(sent).toHaveLength(layout.requests);
    // The one new file is the state, at its documented place; nothing was added inside a journal folder.
    expect(tree(root)).toEqual([...before, layout.state].sort());
    expect(readFileSync(join(root, layout.state), 'utf8')).toMatch(/"status":"done"/);

    // A second run reads the state back: nothing unreadable, nothing failed, nothing sent again, exit 0.
    const io = memoryIO();
    const second = await runReplay({ source: join(root, layout.source), client: okClient(sent) }, io);
    expect(io.err()).not.toMatch(/unreadable|not a journal entry/);
    expect(second).toMatchObject({ exitCode: 0, summary: { plan: { failed: 0, done: layout.requests }, sent: 0 } });
    expect(sent).toHaveLength(layout.requests);

    await readersAreClean(join(root, layout.journal), 2);
  });

  it('a convert output folder keeps its state inside (the tool\'s own folder), as before', async () => {
    const out = tempDir('state-place-convert-out');
    expect((await runConvert({ inputs: ['samples/payloads/001-accounts-basic.xml'], out }, memoryIO())).exitCode).toBe(0);
    const sent: string[] = [];
    expect((await runReplay({ source: out, client: okClient(sent) }, memoryIO())).exitCode).toBe(0);
    expect(existsSync(join(out, 'replay-state.jsonl'))).toBe(true);
    expect(existsSync(`${out}.replay-state.jsonl`)).toBe(false);
  });
});

describe('state files already inside journal folders (older versions, --state) are skipped by every reader', () => {
  /** A state line saying `journal:<id>#0` was done against the injected upstream. */
  const doneLine = (id: string) =>
    `${JSON.stringify({ key: `journal:${id}#0`, ts: t(30), status: 'done', method: 'POST', path: '/crm/v2/Leads', succeeded: [0], upstream: 'injected' })}\n`;

  const WILD: [string, (root: string) => void][] = [
    ['replay-state.jsonl in the journal folder', (root) => writeFileSync(join(root, 'j', 'replay-state.jsonl'), doneLine('a'))],
    ['<file>.replay-state.jsonl of a journal file', (root) => writeFileSync(join(root, 'j', 'journal-20261130T100000Z-0001.jsonl.replay-state.jsonl'), doneLine('a'))],
    ['a --state file with any name', (root) => writeFileSync(join(root, 'j', 'my-replay.jsonl'), doneLine('a'))],
    ['a state file in the replicas\' parent and in a replica folder', (root) => {
      writeFileSync(join(root, 'jr', 'replay-state.jsonl'), doneLine('c'));
      writeFileSync(join(root, 'jr', 'repB', 'replay-state.jsonl'), doneLine('d'));
    }],
  ];

  it.each(WILD)('%s', async (_label, plant) => {
    const root = makeRoot();
    plant(root);
    await readersAreClean(join(root, 'j'), 2);
    await readersAreClean(join(root, 'jr'), 2);
    for (const source of ['j', 'jr']) {
      const io = memoryIO();
      const r = await runReplay({ source: join(root, source), client: okClient([]), dryRun: true }, io);
      expect(io.err()).not.toMatch(/unreadable|not a journal entry/);
      expect(r.summary!.plan).toMatchObject({ requests: 2, failed: 0 });
    }
  });

  it('an older version\'s state inside the journal folder still counts, and a real run moves it beside the folder', async () => {
    const root = makeRoot();
    const legacy = join(root, 'j', 'replay-state.jsonl');
    writeFileSync(legacy, doneLine('a'));

    // A dry run reads it (a is done) and moves nothing.
    const dio = memoryIO();
    const dry = await runReplay({ source: join(root, 'j'), client: okClient([]), dryRun: true }, dio);
    expect(dry.summary!.plan).toMatchObject({ requests: 2, done: 1, toSend: 1 });
    expect(existsSync(legacy)).toBe(true);

    // A real run sends only b, and the old file's lines now live in the new place.
    const sent: string[] = [];
    const io = memoryIO();
    const real = await runReplay({ source: join(root, 'j'), client: okClient(sent) }, io);
    expect(real.exitCode).toBe(0);
    expect(sent).toEqual(['b']);
    expect(existsSync(legacy)).toBe(false);
    expect(io.err()).toContain('moved to');
    const state = readFileSync(join(root, 'j.replay-state.jsonl'), 'utf8');
    expect(state).toContain('"key":"journal:a#0"');
    expect(state).toContain('"key":"journal:b#0"');

    // And it stays done.
    const again = await runReplay({ source: join(root, 'j'), client: okClient(sent) }, memoryIO());
    expect(again).toMatchObject({ exitCode: 0, summary: { sent: 0, alreadyDone: 2 } });
  });
});
