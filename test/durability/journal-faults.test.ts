/**
 * Issue 13, items 5–8 and 12: the journal under a file-size limit (the real CLI under `ulimit -f`), its directory
 * removed, moved or blocked, `journal.dir: ""`, `lookupPolicy: create` with a journal that cannot take lines, and a
 * sandbox data file that cannot be written. Every test ends by counting records against journal lines.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { runReplay } from '../../src/convert/replay.js';
import { FileJournal, JournalWriteError, NullJournal } from '../../src/journal/file-journal.js';
import { readJournal, type JournalLineError } from '../../src/journal/reader.js';
import type { JournalEntry } from '../../src/journal/types.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { memoryIO } from '../convert/helpers.js';
import {
  AUTHTOKEN,
  audit,
  externalSandbox,
  insertLead,
  kill9,
  readJournalDir,
  runCli,
  startServe,
  tempDir,
  writeConfig,
  type CliRun,
} from './helpers.js';

let sandbox: RunningSandbox | undefined;
let proxy: RunningProxy | undefined;
const running: CliRun[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) await kill9(r);
  await proxy?.close();
  proxy = undefined;
  await sandbox?.close();
  sandbox = undefined;
});

const entry = (id: string, pad = 0): JournalEntry => ({
  type: 'request',
  id,
  ts: '2026-11-30T12:00:00.000Z',
  client: {},
  format: 'xml',
  module: 'Leads',
  method: 'insertRecords',
  path: '/crm/private/xml/Leads/insertRecords',
  params: {},
  xmlData: 'x'.repeat(pad),
});

/** The proxy in this process over an external sandbox, journaling into `journalDir`. */
async function proxyOver(sb: RunningSandbox, journalDir: string, extra: Record<string, unknown> = {}): Promise<RunningProxy> {
  const config = parseConfig({
    upstream: 'zoho',
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    journal: { dir: journalDir },
    profiles: [
      {
        name: 'sb',
        authtokens: [AUTHTOKEN],
        clientId: '1000.DURABILITY',
        clientSecret: 'durability-secret',
        refreshToken: '1000.durability.refresh',
        accountsUrl: sb.url,
        apiDomain: sb.url,
        timeZone: 'UTC',
        ...extra,
      },
    ],
  });
  return startProxy(config, { defaultMetrics: false, logger: createLogger('silent') });
}

const posts = (sb: RunningSandbox, module = ':module'): number => sb.state.stats().requests[`POST /crm/v2/${module}`] ?? 0;
const searches = (sb: RunningSandbox): number => sb.state.stats().requests['GET /crm/v2/:module/search'] ?? 0;

describe('journal readers', () => {
  it('skip and report a torn line, and keep a whole entry glued after it', async () => {
    const dir = tempDir('torn');
    const a = JSON.stringify(entry('a'));
    const b = JSON.stringify(entry('b'));
    const c = JSON.stringify(entry('c'));
    // An older journal after a failed append: the fragment of b, then c on the same line.
    writeFileSync(join(dir, 'journal-20261130T120000Z-0001.jsonl'), `${a}\n${b.slice(0, 40)}${c}\n{"id":"d","ts":"x","cut`);
    const errors: JournalLineError[] = [];
    const ids: string[] = [];
    for await (const e of readJournal(dir, (err) => errors.push(err))) ids.push(e.id);
    expect(ids).toEqual(['a', 'c']);
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e.torn)).toBe(true);
    expect(errors[0].message).toMatch(/torn line: 40 bytes of a cut-off entry skipped, the entry after it kept/);
  });
});

describe('FileJournal', () => {
  it('recreates a removed directory, follows the path after a move, never keeps a closed descriptor', async () => {
    const root = tempDir('journal-dir');
    const dir = join(root, 'journal');
    const journal = new FileJournal({ dir });
    journal.append(entry('before'));
    rmSync(dir, { recursive: true });
    journal.append(entry('after-rm'));
    renameSync(dir, join(root, 'moved'));
    journal.append(entry('after-mv'));
    await journal.close();
    const ids: string[] = [];
    for await (const e of readJournal(dir)) ids.push(e.id);
    expect(ids).toEqual(['after-mv']);
    const moved: string[] = [];
    for await (const e of readJournal(join(root, 'moved'))) moved.push(e.id);
    expect(moved).toEqual(['after-rm']);
  });

  it('a blocked directory: append throws, check() fails; unblocked: check() recovers and lines follow', async () => {
    const root = tempDir('journal-blocked');
    const dir = join(root, 'journal');
    const journal = new FileJournal({ dir, minFreeBytes: 0 });
    journal.append(entry('one'));
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory'); // what a cleanup job or a full disk can leave: no way to open a file
    expect(() => journal.append(entry('two'))).toThrow(JournalWriteError);
    expect(journal.check()).toMatchObject({ ok: false, error: expect.stringMatching(/EEXIST|ENOTDIR/) });
    rmSync(dir);
    expect(journal.check()).toEqual({ ok: true });
    journal.append(entry('three'));
    await journal.close();
    const ids: string[] = [];
    for await (const e of readJournal(dir)) ids.push(e.id);
    expect(ids).toEqual(['three']);
  });
});

describe('the proxy and its journal', () => {
  it('under a file-size limit (ulimit -f, the real CLI): the journal moves to a new file, no torn line, no write lost', async () => {
    sandbox = await externalSandbox();
    const dir = tempDir('ulimit');
    const journalDir = join(dir, 'journal');
    const config = writeConfig(dir, sandbox.url, { journalDir });
    // 96 KiB per file for the proxy process; each call journals ~2 × 12 KB, so the limit is hit mid-line.
    const run = await startServe(config, { ulimitFileKb: 96 });
    running.push(run);
    const names = Array.from({ length: 24 }, (_, i) => `ulimit-${i}`);
    const description = `<FL val="Description">${'d'.repeat(12_000)}</FL>`;
    const acknowledged: string[] = [];
    for (const name of names) {
      const answer = await insertLead(run.url, name, {}, description);
      expect(answer.ok, answer.text).toBe(true);
      acknowledged.push(name);
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const files = readdirSync(journalDir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(statSync(join(journalDir, f)).size).toBeLessThanOrEqual(96 * 1024);
    const journal = readJournalDir(journalDir);
    expect(journal.outcomes).toHaveLength(names.length);
    audit(sandbox, { prefix: 'ulimit-', journal, acknowledged });
  }, 240_000);

  it('journal directory removed while serving: recreated; blocked: calls refused before any v2 call and /readyz 503', async () => {
    sandbox = await externalSandbox();
    const root = tempDir('proxy-journal');
    const journalDir = join(root, 'journal');
    proxy = await proxyOver(sandbox, journalDir);
    expect((await insertLead(proxy.url, 'dir-1')).ok).toBe(true);
    const removed = [readJournalDir(journalDir)]; // what the cleanup job takes away: the audit still counts it
    rmSync(journalDir, { recursive: true });
    expect((await insertLead(proxy.url, 'dir-2')).ok).toBe(true);
    removed.push(readJournalDir(journalDir));

    writeFileSync(`${journalDir}.tmp`, '');
    rmSync(journalDir, { recursive: true });
    renameSync(`${journalDir}.tmp`, journalDir); // a file where the directory was: nothing can be written
    const before = posts(sandbox);
    const refused = await insertLead(proxy.url, 'dir-3');
    expect(refused.code).toBe('4500');
    expect(posts(sandbox)).toBe(before);
    const ready = await fetch(`${proxy.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).journal).toMatchObject({ ok: false });

    rmSync(journalDir);
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
    expect((await insertLead(proxy.url, 'dir-5')).ok).toBe(true);
    await proxy.close();
    proxy = undefined;
    const journal = readJournalDir(journalDir);
    for (const r of removed) {
      journal.requests.push(...r.requests);
      journal.outcomes.push(...r.outcomes);
    }
    const counts = audit(sandbox, { prefix: 'dir-', journal, acknowledged: ['dir-1', 'dir-2', 'dir-5'] });
    expect([...counts.keys()].sort()).toEqual(['dir-1', 'dir-2', 'dir-5']);
  });

  it('journal.dir "" keeps nothing, not even in memory', async () => {
    sandbox = await externalSandbox();
    proxy = await proxyOver(sandbox, '');
    expect(proxy.journal).toBeInstanceOf(NullJournal);
    for (let i = 0; i < 20; i += 1) expect((await insertLead(proxy.url, `off-${i}`)).ok).toBe(true);
    expect(JSON.stringify(proxy.journal)).toBe('{}');
    audit(sandbox, { prefix: 'off-' });
  });
});

describe('lookupPolicy create and the journal', () => {
  const contact = (last: string, account: string) =>
    new URLSearchParams({
      authtoken: AUTHTOKEN,
      scope: 'crmapi',
      xmlData: `<Contacts><row no="1"><FL val="Last Name">${last}</FL><FL val="Account Name">${account}</FL></row></Contacts>`,
    });
  const post = async (url: string, body: URLSearchParams) => (await fetch(`${url}/crm/private/xml/Contacts/insertRecords`, { method: 'POST', body })).text();

  it('the created Account has its own request line (parentId) before it is created; replay sends nothing again', async () => {
    sandbox = await externalSandbox();
    const root = tempDir('lookup-create');
    const journalDir = join(root, 'journal');
    proxy = await proxyOver(sandbox, journalDir, { lookupPolicy: { Accounts: 'create' } });
    expect(await post(proxy.url, contact('create-contact', 'create-Acme'))).toContain('Record(s) added successfully');
    await proxy.close();
    proxy = undefined;
    const journal = readJournalDir(journalDir);
    const lines = readFileSync(join(journalDir, readdirSync(journalDir).filter((f) => f.startsWith('journal-')).sort()[0]), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.type}:${l.parentId ? 'side' : 'call'}`)).toEqual(['request:side', 'outcome:side', 'request:call', 'outcome:call']);
    expect(lines[0]).toMatchObject({ purpose: 'lookup-create', parentId: lines[2].id, plan: { operation: 'insert', module: 'Accounts' } });
    audit(sandbox, { module: 'Accounts', field: 'Account_Name', prefix: 'create-', journal, acknowledged: ['create-Acme'] });

    const config = writeConfig(root, sandbox.url);
    const replay = await runReplay({ source: journalDir, config }, memoryIO());
    expect(replay.summary).toMatchObject({ requests: 2, alreadyDone: 2, sent: 0 });
    audit(sandbox, { module: 'Accounts', field: 'Account_Name', prefix: 'create-', journal, acknowledged: ['create-Acme'] });
    audit(sandbox, { module: 'Contacts', prefix: 'create-', journal, acknowledged: ['create-contact'] });
  });

  it('a journal that cannot take lines: no Account is created, and the next call is refused before any search', async () => {
    sandbox = await externalSandbox();
    const root = tempDir('lookup-blocked');
    const journalDir = join(root, 'journal');
    proxy = await proxyOver(sandbox, journalDir, { lookupPolicy: { Accounts: 'create' } });
    rmSync(journalDir, { recursive: true, force: true });
    writeFileSync(journalDir, 'blocked');
    const accountPosts = posts(sandbox, ':module');
    const first = await post(proxy.url, contact('blocked-contact', 'blocked-Acme'));
    expect(first).toContain('<code>4500</code>');
    expect(posts(sandbox, ':module')).toBe(accountPosts);
    const s = searches(sandbox);
    expect(await post(proxy.url, contact('blocked-contact-2', 'blocked-Acme-2'))).toContain('<code>4500</code>');
    expect(searches(sandbox)).toBe(s);
    audit(sandbox, { module: 'Accounts', field: 'Account_Name', prefix: 'blocked-' });
    expect(sandbox.state.records('Accounts').filter((r) => String(r.values.Account_Name).startsWith('blocked-'))).toHaveLength(0);
    expect(sandbox.state.records('Contacts').filter((r) => String(r.values.Last_Name).startsWith('blocked-'))).toHaveLength(0);
  });
});

describe('sandbox.dataFile that cannot be written', () => {
  it('zbridge serve stops at start-up with exit 2 naming sandbox.dataFile', async () => {
    const root = tempDir('datafile-start');
    writeFileSync(join(root, 'a-file'), '');
    const config = join(root, 'zbridge.json');
    writeFileSync(config, JSON.stringify({ host: '127.0.0.1', port: 0, journal: { dir: join(root, 'journal') }, sandbox: { dataFile: join(root, 'a-file', 'data.json') } }));
    const run = runCli(['serve', '--config', config]);
    running.push(run);
    expect(await run.exited).toBe(2);
    expect(run.err()).toMatch(/config: sandbox\.dataFile: sandbox: dataFile .* cannot be written/);
  }, 120_000);

  it('a later failure fails the write cleanly (4500 in doubt), the process keeps serving, nothing is lost once it can write again', async () => {
    const root = tempDir('datafile-later');
    const dataDir = join(root, 'data');
    const dataFile = join(dataDir, 'sandbox.json');
    const journalDir = join(root, 'journal');
    const config = parseConfig({ host: '127.0.0.1', port: 0, logLevel: 'silent', journal: { dir: journalDir }, sandbox: { dataFile, authtokens: [AUTHTOKEN] } });
    proxy = await startProxy(config, { defaultMetrics: false, logger: createLogger('silent') });
    sandbox = undefined; // embedded: closed with the proxy
    const sb = proxy.upstream.sandbox!;
    expect((await insertLead(proxy.url, 'data-1')).ok).toBe(true);
    rmSync(dataDir, { recursive: true });
    writeFileSync(dataDir, 'blocked');
    const failed = await insertLead(proxy.url, 'data-2');
    expect(failed.code).toBe('4500');
    expect(sb.state.stats().dataFileError).toMatch(/cannot be written/);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    const journal = readJournalDir(journalDir);
    expect(journal.outcomes.find((o) => o.writes?.[0]?.status === 'in-doubt')).toMatchObject({ inDoubt: true });
    rmSync(dataDir);
    mkdirSync(dataDir);
    expect((await insertLead(proxy.url, 'data-3')).ok).toBe(true);
    const saved = JSON.parse(readFileSync(dataFile, 'utf8')) as { records: { module: string; values: Record<string, unknown> }[] };
    const names = saved.records.filter((r) => r.module === 'Leads').map((r) => r.values.Last_Name).sort();
    // data-2 was applied in memory and answered in doubt; the next save carries it.
    expect(names).toEqual(['data-1', 'data-2', 'data-3']);
    const counts = new Map(names.map((n) => [String(n), 1]));
    expect(counts.size).toBe(3);
    audit(sb, { prefix: 'data-', journal: readJournalDir(journalDir), acknowledged: ['data-1', 'data-3'] });
  });
});
