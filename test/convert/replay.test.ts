import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConvert } from '../../src/convert/convert.js';
import { runReplay, type ReplayClient } from '../../src/convert/replay.js';
import type { V2Outcome, V2Request } from '../../src/mapping/types.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { memoryIO, tempDir } from './helpers.js';

const PAYLOADS = ['001-accounts-basic.xml', '001-contacts-basic.xml', '001-leads-sample-request.xml', '001-leads-100-rows.xml'].map((f) => join('samples/payloads', f));

async function convertTo(dir: string, inputs: string[]): Promise<void> {
  const { exitCode } = await runConvert({ inputs, out: dir }, memoryIO());
  expect(exitCode).toBe(0);
}

describe('replay against the sandbox (resumable)', () => {
  let sandbox: RunningSandbox;
  let configFile: string;
  const creds = { clientId: '1000.REPLAYTEST', clientSecret: 'replay-secret', refreshToken: '1000.replay.refresh' };

  beforeAll(async () => {
    sandbox = await startSandbox({
      clients: [{ clientId: creds.clientId, clientSecret: creds.clientSecret, refreshTokens: [{ token: creds.refreshToken, userId: bundledSnapshot().users[0].id }] }],
    });
    configFile = join(tempDir('replay-config'), 'zbridge.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        upstream: 'zoho',
        // 429 trusted as "not applied" so it is a definite failure here (the default, in doubt, is tested below).
        profiles: [
          { name: 'sb', authtokens: ['unused'], ...creds, accountsUrl: sandbox.url, apiDomain: sandbox.url, maxRetries: 0, timeZone: 'UTC', resendInsertsAfter: ['429'] },
        ],
      }),
    );
  });
  afterAll(() => sandbox.close());

  const posts = (): number => sandbox.state.stats().requests['POST /crm/v2/:module'] ?? 0;
  const count = (m: string): number => sandbox.state.records(m).length;

  it('a definite failure is resent on the next run; what succeeded is never sent again', async () => {
    const dir = tempDir('replay-429');
    await convertTo(dir, PAYLOADS);
    const total = (): number => ['Accounts', 'Contacts', 'Leads'].reduce((n, m) => n + count(m), 0);
    const before = total();
    sandbox.state.faults.set({ failNext: { count: 1, kind: '429' } });

    const first = await runReplay({ source: dir, config: configFile }, memoryIO());
    expect(first.exitCode).toBe(1);
    expect(first.summary).toMatchObject({ requests: 4, sent: 4, done: 3, failed: 1 });
    // The 429 hit the first request in file order (Accounts, one record) and processed nothing.
    expect(total()).toBe(before + 1 + 1 + 100);

    const p1 = posts();
    const second = await runReplay({ source: dir, config: configFile }, memoryIO());
    expect(second.exitCode).toBe(0);
    expect(second.summary).toMatchObject({ requests: 4, alreadyDone: 3, sent: 1, done: 1, recordsSent: 1 });
    expect(posts()).toBe(p1 + 1);
    expect(total()).toBe(before + 1 + 1 + 1 + 100);

    const postsAfter = posts();
    const third = await runReplay({ source: dir, config: configFile }, memoryIO());
    expect(third).toMatchObject({ exitCode: 0, summary: { alreadyDone: 4, sent: 0 } });
    expect(posts()).toBe(postsAfter);
    const state = readFileSync(join(dir, 'replay-state.jsonl'), 'utf8');
    expect(state).not.toMatch(/replay-secret|1000\.replay\.refresh|Zoho-oauthtoken/);
  });

  it('an insert in doubt is held until --retry-in-doubt', async () => {
    const dir = tempDir('replay-doubt');
    await convertTo(dir, ['samples/payloads/001-accounts-basic.xml']);
    const accounts = count('Accounts');
    // The sandbox applies the write, then answers 500: the client cannot know the record exists.
    sandbox.state.faults.set({ failNext: { count: 1, kind: '500', applyAfterProcessing: true } });
    const first = await runReplay({ source: dir, config: configFile }, memoryIO());
    expect(first).toMatchObject({ exitCode: 1, summary: { sent: 1, inDoubt: 1 } });
    expect(count('Accounts')).toBe(accounts + 1);

    const p = posts();
    const io = memoryIO();
    const held = await runReplay({ source: dir, config: configFile }, io);
    expect(held).toMatchObject({ exitCode: 1, summary: { sent: 0, heldInDoubt: 1 } });
    expect(io.err()).toContain('--retry-in-doubt');
    expect(posts()).toBe(p);
    expect(count('Accounts')).toBe(accounts + 1);

    const forced = await runReplay({ source: dir, config: configFile, retryInDoubt: true }, memoryIO());
    expect(forced).toMatchObject({ exitCode: 0, summary: { sent: 1, done: 1 } });
    expect(count('Accounts')).toBe(accounts + 2); // the owner asked for it: v1 inserts have no duplicate check
  });

  it('replays a journal by its outcomes: done is skipped, in doubt is held, only the unfinished update is sent', async () => {
    const dir = tempDir('replay-journal');
    const journal = join(dir, 'j.jsonl');
    writeFileSync(journal, readFileSync('samples/corpus/journal.jsonl', 'utf8'));
    const leads = count('Leads');
    const accounts = count('Accounts');
    const p = posts();
    const io = memoryIO();
    const r = await runReplay({ source: journal, config: configFile }, io);
    // req-0001 (insert) answered "already exists": done. req-0004 (insert) is journaled in doubt: held.
    // req-0005 (update) has no outcome: an update may be repeated, so it is sent, and fails (unknown id).
    expect(r.summary).toMatchObject({ requests: 3, alreadyDone: 1, heldInDoubt: 1, sent: 1, failed: 1 });
    expect(r.summary!.plan).toEqual({ requests: 3, done: 1, toSend: 1, retrying: 0, heldInDoubt: 1, heldRefused: 0, failed: 0 });
    expect(io.err()).toMatch(/plan for .*: 3 requests: 1 done, 1 to send, 1 held in doubt .*0 failed/);
    expect(io.err()).toContain('journal:req-0004#0: the proxy journaled this call as in doubt');
    expect(r.exitCode).toBe(1);
    expect(posts()).toBe(p);
    expect(count('Leads')).toBe(leads);
    expect(count('Accounts')).toBe(accounts);
  });
});

describe('replay with a scripted client', () => {
  it('resends only the records of a partial batch that failed', async () => {
    const dir = tempDir('replay-partial');
    writeFileSync(
      join(dir, 'x.xml.0.json'),
      '{"source":"x.xml","index":0,"operation":"insert","requests":[{"id":"x.xml#0#0","method":"POST","path":"/crm/v2/Leads","body":{"data":[{"Last_Name":"A","Annual_Revenue":12345678901234567.123456789},{"Last_Name":"B"},{"Last_Name":"C"}],"trigger":[]}}]}\n',
    );
    const seen: V2Request[] = [];
    let failB = true;
    const client: ReplayClient = {
      async execute(req) {
        seen.push(req);
        const data = req.body.data.map((r) =>
          r.Last_Name === 'B' && failB ? { code: 'INVALID_DATA', details: { api_name: 'Last_Name' }, message: 'invalid data', status: 'error' } : { code: 'SUCCESS', details: { id: `id-${String(r.Last_Name)}` }, status: 'success' },
        );
        return { outcome: { kind: 'response', status: 207, body: { data } } as V2Outcome };
      },
    };
    const first = await runReplay({ source: dir, client }, memoryIO());
    expect(first).toMatchObject({ exitCode: 1, summary: { partial: 1 } });
    failB = false;
    const second = await runReplay({ source: dir, client }, memoryIO());
    expect(second).toMatchObject({ exitCode: 0, summary: { done: 1, recordsSent: 1 } });
    expect(seen[1].body.data).toEqual([{ Last_Name: 'B' }]);
    expect(seen[1].rows).toEqual([1]);
    // The exact decimal survived the write → read-back → resend round trip.
    const { stringifyV2 } = await import('../../src/v2/json.js');
    expect(stringifyV2(seen[0].body.data[0])).toBe('{"Last_Name":"A","Annual_Revenue":12345678901234567.123456789}');
  });

  it('a progress bar (calls, rate, ETA) on a terminal only', async () => {
    const dir = tempDir('replay-progress');
    for (let i = 0; i < 3; i += 1) {
      writeFileSync(
        join(dir, `p.xml.${i}.json`),
        `{"source":"p.xml","index":${i},"operation":"insert","requests":[{"id":"p.xml#${i}#0","method":"POST","path":"/crm/v2/Leads","body":{"data":[{"Last_Name":"P${i}"}],"trigger":[]}}]}\n`,
      );
    }
    const client: ReplayClient = { execute: async () => ({ outcome: { kind: 'response', status: 201, body: { data: [{ code: 'SUCCESS', details: { id: '1' }, status: 'success' }] } } }) };
    const piped = memoryIO();
    await runReplay({ source: dir, client, state: join(tempDir('progress-state'), 's.jsonl') }, piped);
    expect(piped.err()).not.toMatch(/ETA/);
    const tty = memoryIO();
    Object.assign(tty.stderr, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    await runReplay({ source: dir, client, state: join(tempDir('progress-state'), 's.jsonl') }, tty);
    expect(tty.err()).toMatch(/\d\/3 calls \| [\d.]+\/s \| ETA/);
  });

  it('journal entries whose values were not kept (journal.values hashed) are never sent', async () => {
    const dir = tempDir('replay-hashed');
    const journal = join(dir, 'j.jsonl');
    const base = { id: 'h1', ts: '2026-11-30T12:00:00.000Z', client: {}, format: 'xml', module: 'Leads', method: 'insertRecords', path: '/crm/private/xml/Leads/insertRecords', params: {} };
    writeFileSync(
      journal,
      `${JSON.stringify({ ...base, type: 'request', values: 'hashed', plan: { operation: 'insert', module: 'Leads', requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 1 }], bodies: [{ data: [{ Last_Name: 'h:0123456789abcdef' }], trigger: [] }] } })}\n` +
        `${JSON.stringify({ ...base, type: 'outcome', values: 'hashed', durationMs: 1, upstream: true, v2Calls: [], legacy: { kind: 'error', code: '4500' }, rows: [], writes: [{ request: 0, status: 'failed' }] })}\n`,
    );
    let sent = 0;
    const client: ReplayClient = { execute: async () => ((sent += 1), { outcome: { kind: 'response', status: 201, body: {} } }) };
    const io = memoryIO();
    const r = await runReplay({ source: journal, client }, io);
    expect(r).toMatchObject({ exitCode: 1, summary: { plan: { failed: 1, toSend: 0 } } });
    expect(sent).toBe(0);
    expect(io.err()).toContain('journal.values "hashed": the record values were not kept');
  });

  it('exit code 2 for a missing source', async () => {
    expect((await runReplay({ source: '/nonexistent/dir', client: { execute: async () => ({ outcome: { kind: 'response', status: 200, body: {} } }) } }, memoryIO())).exitCode).toBe(2);
  });
});
