/** Shared setup of the proxy end-to-end tests: the real proxy on 127.0.0.1 over the embedded sandbox. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { parseConfig } from '../../src/config.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import type { JournalOutcomeEntry, JournalRequestEntry } from '../../src/journal/types.js';
import { snapshotDir } from '../../src/paths.js';
import type { RunningSandbox, StoredRecord } from '../../src/sandbox/index.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';

export const TOKEN = 'e2e-authtoken-0123456789abcdef';

export interface TestProxy {
  proxy: RunningProxy;
  sandbox: RunningSandbox;
  journal: MemoryJournal;
  http: ReturnType<typeof supertest>;
  outcomes(): JournalOutcomeEntry[];
  requests(): JournalRequestEntry[];
  close(): Promise<void>;
}

/** `logDestination` + `logLevel` capture the proxy's log lines (default: silent). */
export async function startTestProxy(config: Record<string, unknown> = {}, options: { logDestination?: NodeJS.WritableStream; logLevel?: string } = {}): Promise<TestProxy> {
  const journal = new MemoryJournal();
  const parsed = parseConfig({
    port: 0,
    host: '127.0.0.1',
    journal: { dir: '' },
    logLevel: 'silent',
    ...config,
    sandbox: { authtokens: [TOKEN], ...((config.sandbox as object) ?? {}) },
  });
  const proxy = await startProxy(parsed, { journal, defaultMetrics: false, logger: createLogger(options.logLevel ?? 'silent', options.logDestination) });
  return {
    proxy,
    sandbox: proxy.upstream.sandbox!,
    journal,
    http: supertest(proxy.url),
    outcomes: () => journal.entries.filter((e): e is JournalOutcomeEntry => e.type === 'outcome'),
    requests: () => journal.entries.filter((e): e is JournalRequestEntry => e.type === 'request'),
    close: () => proxy.close(),
  };
}

/** A copy of the bundled snapshot with extra users (ids the seed payloads use as owners). */
export function fixtureMetadataDir(extraUsers: { id: string; full_name: string; email: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-meta-'));
  cpSync(snapshotDir, dir, { recursive: true });
  const usersFile = join(dir, 'users.json');
  const doc = JSON.parse(readFileSync(usersFile, 'utf8')) as { users: Record<string, unknown>[] };
  const template = doc.users[0];
  for (const u of extraUsers) doc.users.push({ ...template, ...u, time_zone: 'America/Los_Angeles' });
  writeFileSync(usersFile, JSON.stringify(doc, null, 2));
  return dir;
}

/** Put a record with a chosen id straight into the sandbox store (ids the seed payloads reference). */
export function seedRecord(sandbox: RunningSandbox, module: string, id: string, values: Record<string, unknown> = {}): void {
  const store = sandbox.state.store;
  if (store.get(module, id)) return;
  const owner = sandbox.state.metadata.users[0]?.id ?? "1";
  const now = sandbox.state.now();
  const { seq } = store.next();
  const record: StoredRecord = { id, module, seq, createdAt: now, modifiedAt: now, createdBy: owner, modifiedBy: owner, ownerId: owner, values };
  store.add(record);
}

/** Form-encode parameters for a POST body. */
export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/** Extract `<FL val="Id">…</FL>` values of an XML answer, in order. */
export function ids(xml: string): string[] {
  return [...xml.matchAll(/<FL val="Id">(\d+)<\/FL>/g)].map((m) => m[1]);
}

export function code(xml: string): string | undefined {
  return /<code>([^<]+)<\/code>/.exec(xml)?.[1];
}
