/**
 * `zbridge replay <convert-output-dir|journal>`: sends the v2 requests of a conversion (or the bodies a proxy
 * journal recorded) through a profile's ZohoClient (same OAuth, limits and retries as the proxy), and never
 * writes anything twice:
 *
 * - from a journal, a request whose outcome line shows it succeeded (or hit a duplicate check) is done; one
 *   without an outcome, or with an outcome in doubt, is held until `--retry-in-doubt` unless it is repeatable
 *   (journal/writes.ts isRepeatable); one the proxy refused without sending while its client was answered an
 *   error (queue full, local credit budget, Redis down: the client was told to retry and usually did) is held
 *   until `--retry-refused`; definite failures and requests never sent otherwise are sent;
 * - record writes resend only the records not applied yet; the v1 actions (deletes, relations, delinks,
 *   conversions, link uploads, file and photo deletes) are sent whole through the client's `send`, and a removal
 *   whose ids are already gone upstream is reported as such and counted done; uploads of bytes cannot be sent
 *   (their bytes are not journaled) and are reported with that reason;
 * - the state file is keyed by the upstream (API domain, profile, credential fingerprint; or the sandbox data
 *   file), and an `attempting` line is appended before every send, so a kill mid-send leaves that request in doubt
 *   instead of sending it again;
 * - a plan (done / to send / held in doubt / failed) is printed before anything is sent; `--dry-run` stops there
 *   and writes nothing;
 * - it stops after `maxConsecutiveFailures` upstream failures in a row (an outage is not worth 40,000 × retries).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join, parse, resolve } from 'node:path';
import type { ZbridgeConfig } from '../config.js';
import { isRepeatable, summariseAction, summariseWrite } from '../journal/writes.js';
import type { V2Operation, V2Outcome, V2Record, V2Request } from '../v2/types.js';
import { loadV2ClientConfig, openV2Client } from '../clients.js';
import { upstreamIdentity } from '../zoho/identity.js';
import { EXIT, rateProgressBar, type CommandIO } from '../inputs/io.js';
import { multipartField } from '../zoho/multipart.js';
import type { V2Send, V2SendOutcome } from '../zoho/client.js';
import { convertJsonlItems, convertOutputItems, isActionItem, journalItems, sourceKind, type ReplayActionItem, type ReplayItem, type SourceKind } from './replay-sources.js';
import { REPLAY_STATE_NAME, REPLAY_STATE_SUFFIX } from '../journal/state-files.js';
import { ReplayState, type KeyState, type ReplayAttempt } from './replay-state.js';

export type { ReplayActionItem, ReplayItem } from './replay-sources.js';

/** The part of a v2 client replay uses (ZohoClient satisfies it). */
export interface ReplayClient {
  /** Record writes (insert, update, upsert). */
  execute(req: V2Request, operation: V2Operation): Promise<{ outcome: V2Outcome }>;
  /**
   * Actions (deletes, relations, conversions, link uploads, file and photo deletes). A client without it fails
   * every action request of the run (nothing is sent for them).
   */
  send?(req: V2Send): Promise<{ outcome: V2SendOutcome }>;
}

/** Stop after this many upstream failures in a row unless `maxConsecutiveFailures` says otherwise. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 10;

export interface ReplayOptions {
  /** A `zbridge convert --out` folder or `.jsonl` file, or a journal file/folder. */
  source: string;
  /**
   * Config file (profiles, upstream); default: the defaults of src/config.ts (embedded sandbox, in memory), the
   * ZOHO_* variables only with `profile: "env"` (clients.ts loadV2ClientConfig).
   */
  config?: string;
  /** Credential profile name; default the first. Without `config`, `"env"` selects the org of the ZOHO_* variables. */
  profile?: string;
  /** The environment the configuration is read with. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * State file; default `<convert folder>/replay-state.jsonl`, `<journal dir>.replay-state.jsonl` (beside the
   * folder, never in it), or `<file>.replay-state.jsonl`. See defaultStateFile.
   */
  state?: string;
  /**
   * Resend writes whose earlier outcome was in doubt although they are not repeatable (inserts, deletes,
   * convertLead, link uploads, photo deletes: see isRepeatable). May create duplicates. @default false
   */
  retryInDoubt?: boolean;
  /**
   * Send journaled writes the proxy refused without sending (queue full, local credit budget, shared state down)
   * whose clients were answered an error, i.e. told to retry: most old clients did, so check the org first — a
   * resend of one they retried duplicates it. @default false
   */
  retryRefused?: boolean;
  /** Print the plan and stop: nothing is sent, no state is written, no upstream is contacted. @default false */
  dryRun?: boolean;
  /**
   * Stop after this many consecutive upstream failures (no HTTP answer, 5xx, 429 after retries, token failures);
   * 0 = never stop early. @default 10
   */
  maxConsecutiveFailures?: number;
  /** Injected client (tests, or a caller that already holds an upstream); skips createUpstream. */
  client?: ReplayClient;
  /** State key of the injected client's upstream. @default "injected" */
  upstreamKey?: string;
}

export interface ReplayPlan {
  requests: number;
  /** Done before this run (by the journal's outcomes or earlier replays): skipped. */
  done: number;
  /** To be sent now (including `retrying`). */
  toSend: number;
  /** Of `toSend`: failed (or partly failed) in an earlier attempt. */
  retrying: number;
  /** Writes that are not repeatable (isRepeatable) and may have been applied: not sent without `--retry-in-doubt`. */
  heldInDoubt: number;
  /** Writes the proxy refused without sending, whose clients were told to retry: not sent without `--retry-refused`. */
  heldRefused: number;
  /** Unreadable files or lines, requests that cannot be re-planned, failed side writes: cannot be sent. */
  failed: number;
}

export interface ReplaySummary {
  plan: ReplayPlan;
  requests: number;
  /** Done before this run (skipped). */
  alreadyDone: number;
  sent: number;
  done: number;
  partial: number;
  failed: number;
  inDoubt: number;
  /** In doubt from an earlier run or the journal, not resent. */
  heldInDoubt: number;
  /** Refused by the proxy without sending (the client was told to retry), not sent: see `retryRefused`. */
  heldRefused: number;
  recordsSent: number;
  /** Requests left unsent because the run stopped early after consecutive upstream failures. */
  notAttempted: number;
  stoppedEarly: boolean;
}

type Decision =
  | { action: 'done' }
  | { action: 'send'; indexes: number[]; retrying: boolean }
  | { action: 'held'; reason: string }
  | { action: 'held-refused'; reason: string }
  | { action: 'unsendable'; reason: string };

/** The flags that release held requests: `--retry-in-doubt`, `--retry-refused`. */
export interface ReleaseFlags {
  retryInDoubt: boolean;
  retryRefused: boolean;
}

/**
 * What to do with one request, from the journal's verdict and this upstream's replay state. `flags`: a boolean is
 * `--retry-in-doubt` alone (the older signature).
 */
export function decide(item: ReplayItem | ReplayActionItem, prior: KeyState | undefined, flags: ReleaseFlags | boolean): Decision {
  const { retryInDoubt, retryRefused } = typeof flags === 'boolean' ? { retryInDoubt: flags, retryRefused: false } : flags;
  const j = item.journal;
  if (j?.status === 'done' || prior?.status === 'done') return { action: 'done' };
  if (j?.unsendable) return { action: 'unsendable', reason: j.unsendable };
  const applied = new Set([...(j?.applied ?? []), ...(prior?.applied ?? [])]);
  // An action is one unit (sent whole); a record write resends only the records not applied yet.
  const indexes = isActionItem(item) ? [0] : item.body.data.map((_, i) => i).filter((i) => !applied.has(i));
  if (indexes.length === 0) return { action: 'done' };
  // Refused by the proxy without sending, its client told to retry: most retried, so a resend may duplicate
  // (finding 20). Held whatever an earlier replay did with it; a failed lookup creation stays unsendable below.
  if (j?.refused && !j.sideWrite && !retryRefused) return { action: 'held-refused', reason: j.refused };
  const repeatable = isRepeatable(item.operation);
  if (prior) {
    // This upstream's own replay history is newer than the journal.
    if ((prior.status === 'in-doubt' || prior.status === 'attempting') && !repeatable && !retryInDoubt) {
      return {
        action: 'held',
        reason: prior.status === 'attempting' ? 'an earlier replay was stopped while sending it' : 'an earlier replay attempt ended in doubt',
      };
    }
    return { action: 'send', indexes, retrying: true };
  }
  if (j?.status === 'in-doubt' && !repeatable && !retryInDoubt) return { action: 'held', reason: j.reason ?? 'in doubt' };
  if (j?.sideWrite && j.status !== 'not-sent' && j.status !== 'in-doubt') {
    // A lookup the proxy failed to create: its call went on without it; creating it now would link nothing.
    return { action: 'unsendable', reason: 'a lookup creation that failed for its call; not repeated on its own' };
  }
  return { action: 'send', indexes, retrying: j?.status === 'failed' || j?.status === 'partial' };
}

/**
 * State key of the upstream a configuration sends to, without contacting it: `zoho <api domain> profile=<name>
 * grant=fp:<12 hex of SHA-256(refresh token)>`. With `upstream: sandbox` replay talks to an emulator started for
 * this run only (src/clients.ts), which forgets everything at exit: undefined (no state is worth keeping).
 */
export function upstreamKey(config: ZbridgeConfig, profileName?: string): string | undefined {
  if (config.upstream === 'sandbox') return undefined;
  const p = profileName === undefined ? config.profiles[0] : config.profiles.find((x) => x.name === profileName);
  if (!p) throw new Error(profileName ? `unknown profile "${profileName}"` : 'no credential profile configured');
  // The format of the first state files, kept so their lines still count for the same upstream.
  const { apiDomain, grant } = upstreamIdentity(p);
  return `zoho ${apiDomain} profile=${p.name} grant=${grant}`;
}

/**
 * Where replay keeps its state by default (see journal/state-files.ts): inside a convert output folder (the
 * tool's own), else beside the source — `<journal dir>.replay-state.jsonl`, `<file>.replay-state.jsonl` — never
 * inside a journal folder, where readers would take it for journal and the proxy writes. `legacy`: where versions
 * before this one put a journal folder's state (still read, never written).
 */
export async function defaultStateFile(source: string, kind: SourceKind): Promise<{ file: string; legacy?: string }> {
  const isDir = (await stat(source)).isDirectory();
  if (kind === 'convert' && isDir) return { file: join(source, REPLAY_STATE_NAME) };
  if (!isDir) return { file: `${source}${REPLAY_STATE_SUFFIX}` };
  const dir = resolve(source);
  return { file: `${dir === parse(dir).root ? join(dir, 'journal') : dir}${REPLAY_STATE_SUFFIX}`, legacy: join(dir, REPLAY_STATE_NAME) };
}

/**
 * An older version's state inside the journal folder: its lines are appended to the new state file and the old
 * file removed (a real run), or only read (a dry run, or when the move fails). Returns the files still to read.
 */
async function moveLegacyState(legacy: string, file: string, move: boolean, say: (m: string) => void): Promise<string[]> {
  if (!existsSync(legacy)) return [];
  if (!move) {
    say(`${legacy}: state an older zbridge wrote inside the journal folder; read (a real run moves it to ${file})`);
    return [legacy];
  }
  try {
    await pipeline(createReadStream(legacy), createWriteStream(file, { flags: 'a', mode: 0o600 }));
    await unlink(legacy);
    say(`${legacy}: state an older zbridge wrote inside the journal folder; moved to ${file}`);
    return [];
  } catch (error) {
    say(`${legacy}: could not move it to ${file} (${(error as Error).message}); read in place`);
    return [legacy];
  }
}

export async function runReplay(options: ReplayOptions, io: CommandIO): Promise<{ exitCode: number; summary?: ReplaySummary }> {
  const say = (m: string): void => void io.stderr.write(`zbridge replay: ${m}\n`);
  const maxFailures = options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;
  let kind: Awaited<ReturnType<typeof sourceKind>>;
  let stateFile: string;
  let legacyStateFile: string | undefined;
  let config: ZbridgeConfig | undefined;
  let key: string | undefined;
  try {
    kind = await sourceKind(options.source);
    if (options.state !== undefined) stateFile = options.state;
    else ({ file: stateFile, legacy: legacyStateFile } = await defaultStateFile(options.source, kind));
    if (options.client) key = options.upstreamKey ?? 'injected';
    else {
      let notices: string[];
      ({ config, notices } = loadV2ClientConfig(options.config, options.profile, options.env));
      notices.forEach(say);
      key = upstreamKey(config, options.profile);
    }
  } catch (error) {
    say((error as Error).message);
    return { exitCode: EXIT.usage };
  }
  if (!Number.isInteger(maxFailures) || maxFailures < 0) {
    say(`--max-failures must be a whole number ≥ 0, got ${maxFailures}`);
    return { exitCode: EXIT.usage };
  }
  if (key === undefined) {
    say('the upstream is an embedded sandbox without a data file: its records and this run\'s state are forgotten at exit');
  }
  // A run against an upstream that keeps nothing reads and writes no state: a real run never sees it.
  const readAlso = key !== undefined && legacyStateFile !== undefined ? await moveLegacyState(legacyStateFile, stateFile, !options.dryRun, say) : [];
  const state = await ReplayState.open(key === undefined ? undefined : stateFile, key ?? `ephemeral ${randomUUID()}`, !options.dryRun, readAlso);
  if (state.legacyLines > 0) {
    say(`${stateFile}: ${state.legacyLines} line(s) of an older zbridge carry no upstream; they count for this upstream too (delete the file to start over)`);
  }

  const unreadable: string[] = [];
  const warn = (m: string): void => say(m);
  const items = (): AsyncGenerator<ReplayItem | ReplayActionItem> =>
    kind === 'journal'
      ? journalItems(options.source, (m) => unreadable.push(m))
      : kind === 'convert-jsonl'
        ? convertJsonlItems(options.source, (m) => unreadable.push(m))
        : convertOutputItems(options.source, (m) => unreadable.push(m), warn);

  // Pass 1: the plan.
  const flags: ReleaseFlags = { retryInDoubt: options.retryInDoubt ?? false, retryRefused: options.retryRefused ?? false };
  const plan: ReplayPlan = { requests: 0, done: 0, toSend: 0, retrying: 0, heldInDoubt: 0, heldRefused: 0, failed: 0 };
  const held: string[] = [];
  const refused: string[] = [];
  for await (const item of items()) {
    plan.requests++;
    const d = decide(item, state.get(item.key), flags);
    if (d.action === 'done') plan.done++;
    else if (d.action === 'send') {
      plan.toSend++;
      if (d.retrying) plan.retrying++;
    } else if (d.action === 'held-refused') {
      plan.heldRefused++;
      if (refused.length < 20) refused.push(`${item.key}: ${d.reason}`);
    } else if (d.action === 'held') {
      plan.heldInDoubt++;
      if (held.length < 20) held.push(`${item.key}: ${d.reason}`);
    } else {
      plan.failed++;
      if (held.length < 20) held.push(`${item.key}: ${d.reason}`);
    }
  }
  plan.failed += unreadable.length;
  for (const m of unreadable.slice(0, 20)) say(`unreadable: ${m}`);
  say(
    `plan for ${options.source} → ${key ?? 'an in-memory sandbox'}: ${plan.requests} requests: ${plan.done} done, ${plan.toSend} to send` +
      `${plan.retrying ? ` (${plan.retrying} failed before)` : ''}, ${plan.heldInDoubt} held in doubt${flags.retryInDoubt ? '' : ' (--retry-in-doubt sends them)'}, ` +
      `${plan.heldRefused} held: refused locally, the client was told to retry${flags.retryRefused ? '' : ' (--retry-refused sends them)'}, ${plan.failed} failed`,
  );
  for (const h of held) say(`  ${h}`);
  if (plan.heldInDoubt + plan.failed > held.length) say(`  … and ${plan.heldInDoubt + plan.failed - held.length} more`);
  if (plan.heldRefused > 0) {
    say(`refused locally, the client was told to retry — check before sending (${plan.heldRefused}; --retry-refused sends them):`);
    for (const r of refused) say(`  ${r}`);
    if (plan.heldRefused > refused.length) say(`  … and ${plan.heldRefused - refused.length} more`);
  }

  const summary: ReplaySummary = {
    plan,
    requests: plan.requests,
    alreadyDone: plan.done,
    sent: 0,
    done: 0,
    partial: 0,
    failed: plan.failed,
    inDoubt: 0,
    heldInDoubt: plan.heldInDoubt,
    heldRefused: plan.heldRefused,
    recordsSent: 0,
    notAttempted: 0,
    stoppedEarly: false,
  };
  if (options.dryRun) {
    say('dry run: nothing sent, no state written');
    return { exitCode: plan.heldInDoubt + plan.heldRefused + plan.failed === 0 ? EXIT.ok : EXIT.failures, summary };
  }
  if (plan.toSend === 0) return finish(summary, state, say);

  let client = options.client;
  let close: (() => Promise<void>) | undefined;
  if (!client) {
    try {
      const v2 = await openV2Client(config!, options.profile);
      close = v2.close;
      client = v2.client;
    } catch (error) {
      say((error as Error).message);
      return { exitCode: EXIT.usage, summary };
    }
  }

  // Pass 2: send what the plan said (the same decisions: only this run's lines changed the state since).
  const progress = rateProgressBar(io, plan.toSend, 'calls');
  let consecutive = 0;
  let lastFailure = '';
  try {
    for await (const item of items()) {
      const d = decide(item, state.get(item.key), flags);
      if (d.action !== 'send') continue;
      if (summary.stoppedEarly) {
        summary.notAttempted++;
        continue;
      }
      const base = { key: item.key, method: item.method, path: item.path };
      let outcome: V2Outcome;
      let attempt: Omit<ReplayAttempt, 'upstream'>;
      if (isActionItem(item)) {
        await state.record({ ...base, ts: new Date().toISOString(), status: 'attempting', records: 1 });
        summary.sent++;
        summary.recordsSent += 1;
        outcome = await sendAction(client, item);
        attempt = { ...base, ts: new Date().toISOString(), ...summariseAction(item.operation, outcome, recordsOf(item.body)) };
        if (attempt.absent?.length) {
          say(`${item.key}: ${item.operation}: already absent upstream (v2 INVALID_DATA: removed before — perhaps by an attempt in doubt — or never there): ${attempt.absent.join(', ')}`);
        }
      } else {
        const data: V2Record[] = d.indexes.map((i) => item.body.data[i]);
        const req: V2Request = { method: item.method, path: item.path, body: { ...item.body, data }, rows: d.indexes };
        await state.record({ ...base, ts: new Date().toISOString(), status: 'attempting', records: data.length });
        summary.sent++;
        summary.recordsSent += data.length;
        try {
          ({ outcome } = await client.execute(req, item.operation));
        } catch (error) {
          // A bug below, not an answer: the request may have gone out.
          outcome = { kind: 'failure', reason: 'internal', inDoubt: true, message: (error as Error).message };
        }
        attempt = { ...base, ts: new Date().toISOString(), ...summariseWrite(outcome, d.indexes) };
      }
      // A partial attempt that completes every remaining record finishes the request.
      if (attempt.status === 'partial' && !isActionItem(item)) {
        const prior = state.get(item.key)?.applied ?? new Set<number>();
        const now = new Set([...prior, ...(attempt.succeeded ?? []), ...(attempt.existing ?? [])]);
        const all = item.body.data.every((_, i) => now.has(i) || (item.journal?.applied ?? []).includes(i));
        if (all) attempt.status = 'done';
      }
      await state.record(attempt);
      if (attempt.status === 'in-doubt') summary.inDoubt++;
      else summary[attempt.status as 'done' | 'partial' | 'failed']++;
      if (attempt.status !== 'done') say(`${item.key}: ${attempt.status}${attempt.error ? `: ${attempt.error}` : ''}`);
      if (outcome.kind === 'failure') {
        consecutive++;
        lastFailure = outcome.message;
      } else consecutive = 0;
      progress.increment();
      if (maxFailures > 0 && consecutive >= maxFailures) summary.stoppedEarly = true;
    }
  } finally {
    progress.stop();
    await close?.();
  }
  if (summary.stoppedEarly) {
    say(`stopped after ${maxFailures} consecutive upstream failures (last: ${lastFailure}); ${summary.notAttempted} request(s) not attempted, run again to resume`);
  }
  return finish(summary, state, say);
}

/**
 * One journaled action request through the client's `send` (never throws): the journaled path split into path
 * and query, the JSON body, or a link upload's `attachmentUrl` as a multipart field; repeatable as isRepeatable
 * says; 5 credits for a conversion (PROTOCOL §11).
 */
async function sendAction(client: ReplayClient, item: ReplayActionItem): Promise<V2Outcome> {
  if (!client.send) return { kind: 'failure', reason: 'internal', inDoubt: false, message: 'this replay client cannot send v2 actions' };
  const url = new URL(item.path, 'http://upstream.invalid');
  const query = Object.fromEntries(url.searchParams);
  const link = (item.body as { attachmentUrl?: unknown } | null)?.attachmentUrl;
  const req: V2Send = {
    method: item.method,
    path: url.pathname,
    ...(url.search ? { query } : {}),
    ...(item.operation === 'upload-file' && typeof link === 'string'
      ? { multipart: multipartField('attachmentUrl', link) }
      : item.body !== null && item.body !== undefined
        ? { json: item.body }
        : {}),
    write: true,
    repeatable: isRepeatable(item.operation),
    credits: item.operation === 'convert' ? 5 : 1,
  };
  try {
    return (await client.send(req)).outcome;
  } catch (error) {
    return { kind: 'failure', reason: 'internal', inDoubt: true, message: (error as Error).message };
  }
}

function recordsOf(body: unknown): number {
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data.length : 1;
}

function finish(s: ReplaySummary, state: ReplayState, say: (m: string) => void): { exitCode: number; summary: ReplaySummary } {
  say(
    `${s.requests} requests: ${s.alreadyDone} already done, ${s.sent} sent (${s.done} done, ${s.partial} partial, ` +
      `${s.failed} failed, ${s.inDoubt} in doubt), ${s.heldInDoubt} held in doubt, ${s.heldRefused} held (refused locally, the client was told to retry)` +
      `${s.notAttempted ? `, ${s.notAttempted} not attempted` : ''}${state.file ? `; state ${state.file}` : ''}`,
  );
  const allDone = s.alreadyDone + s.done === s.requests && s.failed === 0;
  return { exitCode: allDone ? EXIT.ok : EXIT.failures, summary: s };
}
