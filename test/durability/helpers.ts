/**
 * Shared set-up of the durability tests (issue 13): a sandbox in THIS process (so it outlives the proxy and
 * replay processes the tests kill), the real CLI as a child process, and the audit every test ends with:
 * records in the sandbox against journal lines and replay state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { packageRoot } from '../../src/paths.js';
import { BUILT_CLI } from '../cli/helpers.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export const CREDS = { clientId: '1000.DURABILITY', clientSecret: 'durability-secret', refreshToken: '1000.durability.refresh' };
export const AUTHTOKEN = 'durability-authtoken-0123456789';

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `zbridge-${prefix}-`));

export async function externalSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({
    clients: [{ clientId: CREDS.clientId, clientSecret: CREDS.clientSecret, refreshTokens: [{ token: CREDS.refreshToken, userId: bundledSnapshot().users[0].id }] }],
    ...options,
  });
}

/** A config file: upstream zoho = the given sandbox, one profile, the journal in `journalDir`. */
export function writeConfig(dir: string, sandboxUrl: string, extra: { journalDir?: string; profile?: Record<string, unknown>; top?: Record<string, unknown> } = {}): string {
  const file = join(dir, 'zbridge.json');
  writeFileSync(
    file,
    JSON.stringify({
      upstream: 'zoho',
      host: '127.0.0.1',
      port: 0,
      logLevel: 'warn',
      journal: { dir: extra.journalDir ?? join(dir, 'journal') },
      profiles: [{ name: 'sb', authtokens: [AUTHTOKEN], ...CREDS, accountsUrl: sandboxUrl, apiDomain: sandboxUrl, timeZone: 'UTC', ...extra.profile }],
      ...extra.top,
    }),
  );
  return file;
}

export interface CliRun {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/**
 * `zbridge <args>` as a child process: the built CLI (`node dist/bin.js`, built by test/global-build.ts), as an
 * installed package runs. With `ulimitFileKb` it runs through
 * `bash -c 'ulimit …; exec node …'` to impose a file-size limit on the process only.
 */
export function runCli(args: string[], options: { env?: Record<string, string>; ulimitFileKb?: number } = {}): CliRun {
  const node = [process.execPath, BUILT_CLI, ...args];
  const env = { ...process.env, ZBRIDGE_LOG_LEVEL: 'warn', ...options.env };
  const child =
    options.ulimitFileKb === undefined
      ? spawn(node[0], node.slice(1), { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -f ${options.ulimitFileKb} && exec "$@"`, 'bash', ...node], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Poll until `predicate` holds (no fixed sleeps as synchronisation); generous for a loaded machine. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Start `zbridge serve` and wait for its listen URL. */
export async function startServe(config: string, options: { env?: Record<string, string>; ulimitFileKb?: number } = {}): Promise<CliRun & { url: string }> {
  const run = runCli(['serve', '--config', config], options);
  await waitFor(() => /listening on (http:\/\/\S+)/.test(run.err()) || run.child.exitCode !== null, 'the proxy to listen');
  const m = /listening on (http:\/\/\S+)/.exec(run.err());
  if (!m) throw new Error(`proxy did not start: ${run.err()}`);
  return { ...run, url: m[1] };
}

/** kill -9 and wait for the exit. */
export async function kill9(run: CliRun): Promise<void> {
  run.child.kill('SIGKILL');
  await run.exited;
}

export const leadXml = (last: string, extra = ''): string => `<Leads><row no="1"><FL val="Last Name">${last}</FL><FL val="Company">Durable</FL>${extra}</row></Leads>`;

export interface Answer {
  ok: boolean;
  code?: string;
  text: string;
}

/** One legacy insert over a real socket. Connection failures (a killed proxy) are answers too: `ok: false`. */
export async function insertLead(url: string, last: string, headers: Record<string, string> = {}, extra = ''): Promise<Answer> {
  const body = new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', xmlData: leadXml(last, extra) });
  try {
    const res = await fetch(`${url}/crm/private/xml/Leads/insertRecords`, { method: 'POST', body, headers });
    const text = await res.text();
    return { ok: text.includes('Record(s) added successfully'), code: /<code>([^<]+)<\/code>/.exec(text)?.[1], text };
  } catch (error) {
    return { ok: false, text: String(error) };
  }
}

export interface JournalLines {
  requests: any[];
  outcomes: any[];
  /** Lines that did not parse (there must be none). */
  torn: string[];
}

export function readJournalDir(dir: string): JournalLines {
  const out: JournalLines = { requests: [], outcomes: [], torn: [] };
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const path = join(dir, f);
    if (!f.endsWith('.jsonl') || !statSync(path).isFile()) continue;
    const text = readFileSync(path, 'utf8');
    if (text.length > 0) expect(text.endsWith('\n'), `${f} ends with a complete line`).toBe(true);
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line);
        (e.type === 'request' ? out.requests : out.outcomes).push(e);
      } catch {
        out.torn.push(line.slice(0, 80));
      }
    }
  }
  return out;
}

/** Last_Name values a journal's request lines carry in their v2 bodies. */
export function journaledNames(j: JournalLines): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const r of j.requests) {
    for (const body of r.plan?.bodies ?? []) {
      for (const rec of body.data ?? []) {
        const name = rec.Last_Name ?? rec.Account_Name;
        if (typeof name === 'string') byName.set(name, [...(byName.get(name) ?? []), r.id]);
      }
    }
  }
  return byName;
}

export function replayStateLines(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/**
 * The closing count of every durability test: for the given names, no record twice in the sandbox, every record
 * backed by a journal request line (or a replay state line that was written before its send), and every
 * acknowledged write present exactly once.
 */
export function audit(
  sandbox: RunningSandbox,
  options: {
    module?: string;
    field?: string;
    prefix: string;
    /** The proxy journal: every record must be in a request line's bodies. */
    journal?: JournalLines;
    /** Names with a write-ahead line elsewhere (replay `attempting` lines): every record must be among them too. */
    backed?: Set<string>;
    acknowledged?: string[];
  },
): Map<string, number> {
  const module = options.module ?? 'Leads';
  const field = options.field ?? 'Last_Name';
  const counts = new Map<string, number>();
  for (const r of sandbox.state.records(module)) {
    const v = r.values[field];
    if (typeof v === 'string' && v.startsWith(options.prefix)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const twice = [...counts].filter(([, n]) => n > 1);
  expect(twice, 'records written twice').toEqual([]);
  for (const name of options.acknowledged ?? []) expect(counts.get(name), `acknowledged ${name} is in the sandbox once`).toBe(1);
  if (options.journal) {
    const journaled = journaledNames(options.journal);
    const unbacked = [...counts.keys()].filter((name) => !journaled.has(name));
    expect(unbacked, 'records applied without a journal line').toEqual([]);
  }
  if (options.backed) {
    const unbacked = [...counts.keys()].filter((name) => !options.backed!.has(name));
    expect(unbacked, 'records applied without a write-ahead line').toEqual([]);
  }
  if (options.journal) expect(options.journal.torn, 'torn journal lines').toEqual([]);
  return counts;
}
