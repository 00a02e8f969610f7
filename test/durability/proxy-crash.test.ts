/**
 * Issue 13, items 1 and 4, with the real `zbridge serve` killed with `kill -9`: nothing acknowledged is lost or
 * duplicated, the journal keys every call uniquely, and `zbridge replay` of the journal writes nothing twice.
 * The sandbox lives in this process, so it outlives the proxy it serves.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runReplay } from '../../src/convert/replay.js';
import { findUnfinished } from '../../src/journal/reader.js';
import { runReport } from '../../src/report/run.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { memoryIO } from '../convert/helpers.js';
import {
  audit,
  externalSandbox,
  insertLead,
  kill9,
  readJournalDir,
  runCli,
  startServe,
  tempDir,
  waitFor,
  writeConfig,
  type CliRun,
} from './helpers.js';

let sandbox: RunningSandbox | undefined;
const running: CliRun[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) await kill9(r);
  await sandbox?.close();
  sandbox = undefined;
});

const named = (last: string): number => sandbox!.state.records('Leads').filter((r) => r.values.Last_Name === last).length;

describe('the proxy killed with kill -9', () => {
  it('20 concurrent clients, two kills: acknowledged writes once each, every record journaled, replay adds nothing', async () => {
    sandbox = await externalSandbox({ faults: { latencyMs: 15, onlyWrites: true } });
    const dir = tempDir('crash-proxy');
    const journalDir = join(dir, 'journal');
    const config = writeConfig(dir, sandbox.url, { journalDir });

    let proxy = await startServe(config);
    running.push(proxy);
    const acknowledged: string[] = [];
    let stop = false;
    let url = proxy.url;
    const worker = async (w: number): Promise<void> => {
      for (let n = 0; !stop; n += 1) {
        const name = `crash-w${w}-${n}`;
        const answer = await insertLead(url, name);
        if (answer.ok) acknowledged.push(name);
        else if (!answer.code) await new Promise((r) => setTimeout(r, 10)); // proxy down: do not spin
      }
    };
    const workers = Array.from({ length: 20 }, (_, w) => worker(w));

    for (const target of [60, 120]) {
      await waitFor(() => acknowledged.length >= target, `${target} acknowledged inserts`, 120_000);
      await kill9(proxy);
      proxy = await startServe(config);
      running.push(proxy);
      url = proxy.url;
    }
    await waitFor(() => acknowledged.length >= 160, '160 acknowledged inserts', 120_000);
    stop = true;
    await Promise.all(workers);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);

    const journal = readJournalDir(journalDir);
    const ids = journal.requests.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const counts = audit(sandbox, { prefix: 'crash-', journal, acknowledged });
    // Requests without an outcome are the calls cut off by the kills: at most the in-flight ones.
    const unfinished = await findUnfinished(journalDir);
    expect(unfinished.length).toBeLessThanOrEqual(40);

    // Replay the journal against the same upstream: what succeeded is done, what was cut off is held.
    const io = memoryIO();
    const replay = await runReplay({ source: journalDir, config, state: join(dir, 'state.jsonl') }, io);
    expect(replay.summary!.plan.heldInDoubt).toBe(unfinished.length);
    expect(replay.summary!.sent).toBe(0);
    expect(replay.summary!.alreadyDone).toBe(journal.outcomes.filter((o) => o.writes?.[0]?.status === 'done').length);
    const after = audit(sandbox, { prefix: 'crash-', journal, acknowledged });
    expect(after).toEqual(counts);
  }, 300_000);

  it("three calls under one client X-Request-Id, the second cut off after v2 applied it: three journal ids, one in doubt, replay duplicates none", async () => {
    sandbox = await externalSandbox();
    const dir = tempDir('crash-reqid');
    const journalDir = join(dir, 'journal');
    const config = writeConfig(dir, sandbox.url, { journalDir });
    const headers = { 'X-Request-Id': 'nightly-sync' };

    let proxy = await startServe(config);
    running.push(proxy);
    expect((await insertLead(proxy.url, 'nightly-1', headers)).ok).toBe(true);
    // The next write is applied, then its answer is held back: the proxy dies while waiting for it.
    sandbox.state.setFaults({ failNext: { count: 1, kind: 'slow', applyAfterProcessing: true }, slowMs: 600_000 });
    const cut = insertLead(proxy.url, 'nightly-2', headers);
    await waitFor(() => named('nightly-2') === 1, 'the sandbox to apply nightly-2');
    await kill9(proxy);
    expect((await cut).ok).toBe(false);
    sandbox.state.setFaults({});

    proxy = await startServe(config);
    running.push(proxy);
    const third = await fetch(`${proxy.url}/crm/private/xml/Leads/insertRecords`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ authtoken: 'durability-authtoken-0123456789', scope: 'crmapi', xmlData: '<Leads><row no="1"><FL val="Last Name">nightly-3</FL><FL val="Company">Durable</FL></row></Leads>' }),
    });
    expect(third.headers.get('x-request-id')).toBe('nightly-sync'); // the client's id is echoed
    expect(await third.text()).toContain('Record(s) added successfully');
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);

    const journal = readJournalDir(journalDir);
    expect(journal.requests).toHaveLength(3);
    expect(new Set(journal.requests.map((r) => r.id)).size).toBe(3);
    expect(journal.requests.every((r) => r.clientRequestId === 'nightly-sync')).toBe(true);
    const unfinished = await findUnfinished(journalDir);
    expect(unfinished.map((r) => r.plan?.bodies?.[0]?.data?.[0]?.Last_Name)).toEqual(['nightly-2']);

    const report = await runReport({ inputs: [journalDir], out: join(dir, 'report') }, memoryIO());
    expect(report.data!.inDoubt.count).toBe(1);

    const replay = await runReplay({ source: journalDir, config }, memoryIO());
    expect(replay.summary).toMatchObject({ alreadyDone: 2, heldInDoubt: 1, sent: 0 });
    audit(sandbox, { prefix: 'nightly-', journal, acknowledged: ['nightly-1', 'nightly-2', 'nightly-3'] });
  }, 180_000);
});

describe('replay of a proxy journal (no crash)', () => {
  it('50 Leads through the proxy, replayed against the same upstream: still 50; a dry run writes no state', async () => {
    sandbox = await externalSandbox();
    const dir = tempDir('replay-50');
    const journalDir = join(dir, 'journal');
    const config = writeConfig(dir, sandbox.url, { journalDir });
    const proxy = await startServe(config);
    running.push(proxy);
    const names = Array.from({ length: 50 }, (_, i) => `fifty-${i}`);
    for (let i = 0; i < names.length; i += 10) {
      const answers = await Promise.all(names.slice(i, i + 10).map((n) => insertLead(proxy.url, n)));
      expect(answers.every((a) => a.ok)).toBe(true);
    }
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);

    const state = join(dir, 'state.jsonl');
    const dry = runCli(['replay', journalDir, '--config', config, '--state', state, '--dry-run']);
    expect(await dry.exited).toBe(0);
    expect(dry.err()).toMatch(/50 requests: 50 done, 0 to send, 0 held in doubt .*0 failed/);
    expect(dry.err()).toContain('dry run: nothing sent, no state written');

    const real = runCli(['replay', journalDir, '--config', config, '--state', state]);
    expect(await real.exited).toBe(0);
    expect(sandbox.state.records('Leads').filter((r) => String(r.values.Last_Name).startsWith('fifty-'))).toHaveLength(50);
    audit(sandbox, { prefix: 'fifty-', journal: readJournalDir(journalDir), acknowledged: names });
  }, 180_000);
});
