/**
 * Breaker finding 20: writes the proxy refused WITHOUT sending them (local credit budget or queue full → 4820,
 * shared state down → 4500) were answered with an error their clients retry on, and old clients usually did. A
 * replay of the journal after such an outage must not send them again by default: they are held, listed apart
 * ("refused locally, the client was told to retry — check before sending") and sent only with `--retry-refused`.
 * Writes that did reach v2 keep their rules (a definite failure is sent again, an insert in doubt is held).
 * Real proxy and sandbox over HTTP; the journal is the proxy's own lines; replay through an injected client that
 * records what it would send.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { decide, runReplay, type ReplayClient } from '../../src/convert/replay.js';
import { verdictFor } from '../../src/convert/replay-sources.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import type { JournalOutcomeEntry } from '../../src/journal/types.js';
import type { V2Outcome, V2Request } from '../../src/mapping/types.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { memoryIO } from '../convert/helpers.js';

const TOKEN = 'refused-authtoken-0123456789';
const CREDS = { clientId: '1000.REFUSED', clientSecret: 'refused-client-secret', refreshToken: '1000.refused.refresh' };

let sandbox: RunningSandbox | undefined;
let proxy: RunningProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await sandbox?.close();
  proxy = undefined;
  sandbox = undefined;
});

async function start(profile: Record<string, unknown>): Promise<{ url: string; journal: MemoryJournal }> {
  sandbox = await startSandbox({
    clients: [{ clientId: CREDS.clientId, clientSecret: CREDS.clientSecret, refreshTokens: [{ token: CREDS.refreshToken, userId: bundledSnapshot().users[0].id }] }],
  });
  const config = parseConfig({
    port: 0,
    host: '127.0.0.1',
    upstream: 'zoho',
    logLevel: 'silent',
    journal: { dir: '' },
    profiles: [{ name: 'p', authtokens: [TOKEN], ...CREDS, accountsUrl: sandbox.url, apiDomain: sandbox.url, timeZone: 'UTC', maxRetries: 0, ...profile }],
  });
  const journal = new MemoryJournal();
  proxy = await startProxy(config, { journal, defaultMetrics: false, logger: createLogger('silent') });
  return { url: proxy.url, journal };
}

async function insert(url: string, last: string): Promise<string | undefined> {
  const res = await fetch(`${url}/crm/private/xml/Leads/insertRecords`, {
    method: 'POST',
    body: new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: `<Leads><row no="1"><FL val="Last Name">${last}</FL><FL val="Company">R</FL></row></Leads>` }),
  });
  const text = await res.text();
  return /<code>([^<]+)<\/code>/.exec(text)?.[1] ?? (text.includes('Record(s) added successfully') ? '2000' : undefined);
}

function journalFile(journal: MemoryJournal): string {
  const file = join(mkdtempSync(join(tmpdir(), 'zbridge-refused-')), 'journal-0001.jsonl');
  writeFileSync(file, journal.entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return file;
}

/** A replay client that answers every insert with success and remembers the Last_Names it was given. */
function recordingClient(): { client: ReplayClient; sent: string[] } {
  const sent: string[] = [];
  const client: ReplayClient = {
    async execute(req: V2Request) {
      for (const r of req.body.data) sent.push(String(r.Last_Name));
      return { outcome: { kind: 'response', status: 201, body: { data: req.body.data.map(() => ({ code: 'SUCCESS', status: 'success', details: { id: '1' } })) } } as V2Outcome };
    },
  };
  return { client, sent };
}

describe('replay holds writes the proxy refused without sending (finding 20)', () => {
  it('local credit budget spent (4820): held and listed apart by default, sent with --retry-refused', async () => {
    const { url, journal } = await start({ creditsPerDay: 3 });
    const answers: (string | undefined)[] = [];
    for (let i = 0; i < 6; i += 1) answers.push(await insert(url, `Budget ${i}`));
    const refusedNames = answers.flatMap((code, i) => (code === '4820' ? [`Budget ${i}`] : []));
    const sentNames = answers.flatMap((code, i) => (code === '2000' ? [`Budget ${i}`] : []));
    expect(refusedNames.length).toBeGreaterThan(0);
    expect(sentNames.length).toBeGreaterThan(0);
    // The proxy journals them as refused before any HTTP request: `writes[].unsent`.
    const refusedOutcomes = journal.entries.filter((e): e is JournalOutcomeEntry => e.type === 'outcome' && e.legacy.code === '4820');
    expect(refusedOutcomes).toHaveLength(refusedNames.length);
    for (const o of refusedOutcomes) expect(o.writes).toEqual([expect.objectContaining({ request: 0, status: 'failed', unsent: true })]);
    await proxy!.close();
    proxy = undefined;
    const file = journalFile(journal);

    const dry = memoryIO();
    const plan = await runReplay({ source: file, client: recordingClient().client, dryRun: true }, dry);
    expect(plan.exitCode).toBe(1);
    expect(plan.summary!.plan).toMatchObject({ done: sentNames.length, toSend: 0, heldInDoubt: 0, heldRefused: refusedNames.length, failed: 0 });
    expect(dry.err()).toMatch(new RegExp(`${refusedNames.length} held: refused locally, the client was told to retry \\(--retry-refused sends them\\)`));
    expect(dry.err()).toContain('refused locally, the client was told to retry — check before sending');
    expect(dry.err()).toMatch(/local credit budget of 3 per day is spent.*; the client was answered 4820/);

    const held = recordingClient();
    const run = await runReplay({ source: file, client: held.client }, memoryIO());
    expect(run.exitCode).toBe(1);
    expect(run.summary).toMatchObject({ sent: 0, heldRefused: refusedNames.length, alreadyDone: sentNames.length });
    expect(held.sent).toEqual([]);

    const forced = recordingClient();
    const io = memoryIO();
    const sent = await runReplay({ source: file, client: forced.client, retryRefused: true }, io);
    expect(sent.exitCode).toBe(0);
    expect(sent.summary).toMatchObject({ sent: refusedNames.length, done: refusedNames.length, heldRefused: 0 });
    expect(forced.sent).toEqual(refusedNames);
    // Once sent (state file), a run without the flag finds them done.
    expect((await runReplay({ source: file, client: recordingClient().client }, memoryIO())).summary).toMatchObject({ sent: 0, heldRefused: 0 });
  });

  it('queue full (4820): held; upstream down (connection refused, 4500) is a definite failure v2 never saw: sent as before', async () => {
    const { url, journal } = await start({ concurrency: 1, maxQueue: 1 });
    expect(await insert(url, 'Warm')).toBe('2000');
    sandbox!.state.setFaults({ latencyMs: 1500, onlyWrites: true });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => insert(url, `Queue ${i}`)));
    const queued = answers.flatMap((code, i) => (code === '4820' ? [`Queue ${i + 1}`] : []));
    expect(queued.length).toBeGreaterThan(0);
    await sandbox!.close();
    sandbox = undefined;
    expect(await insert(url, 'Down')).toBe('4500');
    const down = journal.entries.filter((e): e is JournalOutcomeEntry => e.type === 'outcome').at(-1)!;
    expect(down.writes).toEqual([expect.not.objectContaining({ unsent: true })]);
    await proxy!.close();
    proxy = undefined;

    const file = journalFile(journal);
    const r = recordingClient();
    const io = memoryIO();
    const run = await runReplay({ source: file, client: r.client }, io);
    expect(run.summary!.plan).toMatchObject({ heldRefused: queued.length });
    expect(r.sent).toEqual(['Down']);
    expect(io.err()).toMatch(/calls already queued for 1 upstream slots.*; the client was answered 4820/);
  });
});

describe('the verdict of older journal lines', () => {
  const base = { inDoubt: undefined, createdIds: undefined, rowsFailed: false, allRowsFailed: false };
  it.each([
    ['no writes, not upstream, answered 4820', { ...base, upstream: false, v2Calls: 0, legacy: { kind: 'error' as const, code: '4820' } }, { status: 'not-sent', refused: 'not sent by the proxy; the client was answered 4820' }],
    ['no writes, not upstream, answered 4500 with a message', { ...base, upstream: false, v2Calls: 0, legacy: { kind: 'error' as const, code: '4500', message: 'Problem occured while processing the request' } }, { status: 'not-sent', refused: 'not sent by the proxy; the client was answered 4500 Problem occured while processing the request' }],
    ['writes without `unsent`, failed with no HTTP status, no v2 call', { ...base, upstream: true, v2Calls: 0, legacy: { kind: 'error' as const, code: '4820' }, writes: [{ request: 0, status: 'failed' as const, error: 'rate-limited: queue full' }] }, { status: 'failed', applied: [], refused: 'rate-limited: queue full; the client was answered 4820' }],
    ['writes failed after an HTTP attempt (v2 calls made)', { ...base, upstream: true, v2Calls: 1, legacy: { kind: 'error' as const, code: '4500' }, writes: [{ request: 0, status: 'failed' as const, error: 'upstream-failed: ECONNREFUSED' }] }, { status: 'failed', applied: [] }],
    ['writes failed with an HTTP answer', { ...base, upstream: true, v2Calls: 1, legacy: { kind: 'error' as const, code: '4832' }, writes: [{ request: 0, status: 'failed' as const, http: 400 }] }, { status: 'failed', applied: [] }],
  ])('%s', (_name, outcome, verdict) => {
    expect(verdictFor(outcome, 0, 1)).toEqual(verdict);
  });

  it('a held refused write is released only by --retry-refused, never by --retry-in-doubt; a failed lookup creation stays unsendable', () => {
    const item = { key: 'k', operation: 'insert' as const, method: 'POST' as const, path: '/crm/v2/Leads', body: { data: [{ Last_Name: 'x' }], trigger: [] }, journal: { status: 'failed' as const, refused: 'why' } };
    expect(decide(item, undefined, { retryInDoubt: true, retryRefused: false })).toEqual({ action: 'held-refused', reason: 'why' });
    expect(decide(item, undefined, { retryInDoubt: false, retryRefused: true })).toMatchObject({ action: 'send', retrying: true });
    expect(decide({ ...item, journal: { ...item.journal, sideWrite: true } }, undefined, { retryInDoubt: false, retryRefused: false })).toMatchObject({ action: 'unsendable' });
  });
});
