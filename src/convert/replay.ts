/**
 * `zbridge replay <convert-output-dir|journal>`: sends the v2 requests of a conversion (or the bodies a proxy
 * journal recorded) through a profile's ZohoClient (same OAuth, limits and retries as the proxy), and resumes:
 * records that already succeeded are never sent again, an insert whose outcome is in doubt is not resent unless
 * `retryInDoubt` is set.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadConfig } from '../config.js';
import { readJournal } from '../journal/reader.js';
import { asObject, dataArray, entryDetails } from '../v2/answers.js';
import type { V2Operation, V2Outcome, V2Record, V2Request } from '../v2/types.js';
import { openV2Client } from '../clients.js';
import { loadSchema, numberFromLiteral, translateCall } from './core.js';
import { journalCall } from '../inputs/calls.js';
import { EXIT, progressBar, type CommandIO } from '../inputs/io.js';
import { parseJsonExact } from '../inputs/json-read.js';
import { ReplayState, type AttemptStatus, type ReplayAttempt } from './replay-state.js';

/** The part of a v2 client replay uses (ZohoClient satisfies it). */
export interface ReplayClient {
  execute(req: V2Request, operation: V2Operation): Promise<{ outcome: V2Outcome }>;
}

export interface ReplayOptions {
  /** A `zbridge convert --out` folder, or a journal file/folder. */
  source: string;
  /** Config file with `upstream: zoho` and the credential profile to replay with (env ZBRIDGE_CONFIG in the CLI). */
  config?: string;
  /** Credential profile name; default the first. */
  profile?: string;
  /** State file; default `<source dir>/replay-state.jsonl`. */
  state?: string;
  /** Resend inserts whose earlier outcome was in doubt (may create duplicates). Default false. */
  retryInDoubt?: boolean;
  /** Injected client (tests, or a caller that already holds one); skips opening one from the configuration. */
  client?: ReplayClient;
}

export interface ReplaySummary {
  requests: number;
  /** Done before this run (skipped). */
  alreadyDone: number;
  sent: number;
  done: number;
  partial: number;
  failed: number;
  inDoubt: number;
  /** In doubt from an earlier run, not resent. */
  heldInDoubt: number;
  recordsSent: number;
}

export interface ReplayItem {
  key: string;
  operation: V2Operation;
  method: 'POST' | 'PUT';
  path: string;
  body: V2Request['body'];
}

/** Plain insert: resending an in-doubt one may duplicate records (updates and upserts are idempotent). */
const isInsert = (item: ReplayItem): boolean => item.method === 'POST' && !/\/upsert$/.test(item.path);

async function isJournalSource(source: string): Promise<boolean> {
  const info = await stat(source);
  if (!info.isDirectory()) return source.endsWith('.jsonl') || !source.endsWith('.json');
  const names = await readdir(source);
  return !names.some((n) => n.endsWith('.json')) && names.some((n) => n.endsWith('.jsonl') && n !== 'replay-state.jsonl');
}

/** Requests of a convert output folder, in file order. */
async function* convertOutputItems(dir: string, onError: (m: string) => void): AsyncGenerator<ReplayItem> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && n !== 'summary.json').sort();
  for (const name of names) {
    let doc: { operation?: V2Operation; requests?: { id: string; method: 'POST' | 'PUT'; path: string; body: V2Request['body'] }[] };
    try {
      doc = parseJsonExact(await readFile(join(dir, name), 'utf8'), numberFromLiteral) as typeof doc;
    } catch (error) {
      onError(`${name}: ${(error as Error).message}`);
      continue;
    }
    if (!doc.operation || !Array.isArray(doc.requests)) continue;
    for (const r of doc.requests) yield { key: r.id, operation: doc.operation, method: r.method, path: r.path, body: r.body };
  }
}

/** Requests a journal recorded (its bodies), or re-planned offline from its xmlData when it has none. */
async function* journalItems(source: string, onError: (m: string) => void): AsyncGenerator<ReplayItem> {
  let schema: ReturnType<typeof loadSchema> | undefined;
  const exact = { parse: (line: string) => parseJsonExact(line, numberFromLiteral) };
  for await (const entry of readJournal(source, (e) => onError(`${basename(e.file)} line ${e.line}: ${e.message}`), exact)) {
    if (entry.type !== 'request' || !entry.plan) continue;
    const { plan } = entry;
    if (plan.operation !== 'insert' && plan.operation !== 'update' && plan.operation !== 'upsert') {
      onError(`journal request ${entry.id}: ${plan.operation} is not replayed (send it again through the proxy)`);
      continue;
    }
    const operation = plan.operation;
    if (Array.isArray(plan.bodies) && plan.bodies.length === plan.requests.length) {
      for (const [r, req] of plan.requests.entries()) {
        yield {
          key: `journal:${entry.id}#${r}`,
          operation,
          method: req.method as 'POST' | 'PUT',
          path: req.path,
          body: plan.bodies[r] as V2Request['body'],
        };
      }
      continue;
    }
    schema ??= loadSchema();
    const t = translateCall(journalCall(entry), { schema, timeZone: 'UTC' });
    if (!t.plan || t.error) {
      onError(`journal request ${entry.id}: cannot re-plan (${t.errorDetail ?? t.error?.message ?? 'no plan'})`);
      continue;
    }
    for (const [r, req] of t.plan.requests.entries()) {
      yield { key: `journal:${entry.id}#${r}`, operation: t.plan.operation, method: req.method, path: req.path, body: req.body };
    }
  }
}

/** One outcome → the attempt to record. `sent` maps positions of the sent body to original indexes. */
export function classifyOutcome(item: ReplayItem, outcome: V2Outcome, sent: number[]): Omit<ReplayAttempt, 'key' | 'ts'> {
  const base = { method: item.method, path: item.path };
  if (outcome.kind === 'failure') {
    return { ...base, status: outcome.inDoubt ? 'in-doubt' : 'failed', error: `${outcome.reason}: ${outcome.message}` };
  }
  const data = dataArray(outcome.body);
  if (!data) {
    const b = asObject(outcome.body);
    return { ...base, status: 'failed', http: outcome.status, error: `HTTP ${outcome.status} ${String(b?.code ?? '')} ${String(b?.message ?? '')}`.trim() };
  }
  const succeeded: number[] = [];
  const ids: string[] = [];
  const errors: string[] = [];
  sent.forEach((original, pos) => {
    const d = asObject(data[pos]);
    const details = entryDetails(d);
    if (d?.status === 'success') {
      succeeded.push(original);
      ids.push(String(details.id ?? ''));
    } else errors.push(`data[${original}] ${String(d?.code ?? 'no result')}${details.api_name ? ` ${String(details.api_name)}` : ''}`);
  });
  const status: AttemptStatus = errors.length === 0 ? 'done' : succeeded.length > 0 ? 'partial' : 'failed';
  return { ...base, status, http: outcome.status, succeeded, ids, ...(errors.length ? { error: errors.slice(0, 10).join('; ') } : {}) };
}

export async function runReplay(options: ReplayOptions, io: CommandIO): Promise<{ exitCode: number; summary?: ReplaySummary }> {
  let journal: boolean;
  try {
    journal = await isJournalSource(options.source);
  } catch (error) {
    io.stderr.write(`zbridge replay: ${(error as Error).message}\n`);
    return { exitCode: EXIT.usage };
  }
  const stateFile =
    options.state ?? ((await stat(options.source)).isDirectory() ? join(options.source, 'replay-state.jsonl') : `${options.source}.replay-state.jsonl`);
  const state = await ReplayState.open(stateFile);

  let client = options.client;
  let close: (() => Promise<void>) | undefined;
  if (!client) {
    try {
      const v2 = await openV2Client(loadConfig(options.config), options.profile);
      close = v2.close;
      if (v2.dryRun) io.stderr.write(`zbridge replay: upstream is "sandbox": a dry run against an emulator started for this run\n`);
      client = v2.client;
    } catch (error) {
      io.stderr.write(`zbridge replay: ${(error as Error).message}\n`);
      return { exitCode: EXIT.usage };
    }
  }

  const sender: ReplayClient = client as ReplayClient;
  const summary: ReplaySummary = { requests: 0, alreadyDone: 0, sent: 0, done: 0, partial: 0, failed: 0, inDoubt: 0, heldInDoubt: 0, recordsSent: 0 };
  const onError = (m: string): void => {
    summary.failed++;
    io.stderr.write(`zbridge replay: ${m}\n`);
  };
  const progress = progressBar(io, 0, 'requests');
  try {
    const items = journal ? journalItems(options.source, onError) : convertOutputItems(options.source, onError);
    for await (const item of items) {
      summary.requests++;
      const prior = state.get(item.key);
      if (prior?.status === 'done') {
        summary.alreadyDone++;
        continue;
      }
      if (prior?.status === 'in-doubt' && isInsert(item) && !options.retryInDoubt) {
        summary.heldInDoubt++;
        io.stderr.write(`zbridge replay: ${item.key}: earlier outcome in doubt, not resent (check the org, or use --retry-in-doubt)\n`);
        continue;
      }
      // Never resend a record that already succeeded in an earlier (partial) attempt.
      const sent = item.body.data.map((_, i) => i).filter((i) => !prior?.succeeded.has(i));
      const data: V2Record[] = sent.map((i) => item.body.data[i]);
      const req: V2Request = { method: item.method, path: item.path, body: { ...item.body, data }, rows: sent };
      summary.sent++;
      summary.recordsSent += data.length;
      let outcome: V2Outcome;
      try {
        ({ outcome } = await sender.execute(req, item.operation));
      } catch (error) {
        outcome = { kind: 'failure', reason: 'internal', inDoubt: isInsert(item), message: (error as Error).message };
      }
      const attempt = classifyOutcome(item, outcome, sent);
      // A partial attempt that completes every remaining record finishes the request.
      if (attempt.status === 'partial' || attempt.status === 'done') {
        const total = new Set([...(prior?.succeeded ?? []), ...(attempt.succeeded ?? [])]).size;
        if (total === item.body.data.length) attempt.status = 'done';
      }
      await state.record({ key: item.key, ts: new Date().toISOString(), ...attempt });
      summary[attempt.status === 'in-doubt' ? 'inDoubt' : attempt.status]++;
      if (attempt.status !== 'done') io.stderr.write(`zbridge replay: ${item.key}: ${attempt.status}${attempt.error ? `: ${attempt.error}` : ''}\n`);
      progress.increment(item.key);
    }
  } finally {
    progress.stop();
    await close?.();
  }
  const s = summary;
  io.stderr.write(
    `zbridge replay: ${s.requests} requests: ${s.alreadyDone} already done, ${s.sent} sent (${s.done} done, ${s.partial} partial, ` +
      `${s.failed} failed, ${s.inDoubt} in doubt), ${s.heldInDoubt} held in doubt; state ${stateFile}\n`,
  );
  const allDone = s.alreadyDone + s.done === s.requests && s.failed === 0;
  return { exitCode: allDone ? EXIT.ok : EXIT.failures, summary };
}
