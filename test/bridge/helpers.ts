/** Shared setup of the bridge end-to-end tests: the real proxy on 127.0.0.1 over its embedded sandbox. */
import supertest from 'supertest';
import { expect } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import type { JournalOutcomeEntry, JournalRequestEntry } from '../../src/journal/types.js';
import type { RunningSandbox, StoredRecord } from '../../src/sandbox/index.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import type { ProfileRuntime } from '../../src/upstream.js';

export const TOKEN = 'bridge-e2e-authtoken-5f0c1d';
export const SEARCH_ROUTE = 'GET /crm/v2/:module/search';

export interface BridgeHarness {
  proxy: RunningProxy;
  sandbox: RunningSandbox;
  journal: MemoryJournal;
  profile: ProfileRuntime;
  /** POST a v1 call (form body) and return the answer text; asserts HTTP 200. */
  call(module: string, method: string, params: Record<string, string>, format?: 'xml' | 'json'): Promise<string>;
  /** The outcome journal entry of the last call. */
  lastOutcome(): JournalOutcomeEntry;
  lastRequest(): JournalRequestEntry | undefined;
  /** How many v2 searches the sandbox has served so far (all modules). */
  searches(): number;
  /** Put a record straight into the sandbox store; returns its generated id. */
  seed(module: string, values: Record<string, unknown>): string;
  close(): Promise<void>;
}

export async function startHarness(config: Record<string, unknown> = {}): Promise<BridgeHarness> {
  const journal = new MemoryJournal();
  const parsed = parseConfig({
    port: 0,
    host: '127.0.0.1',
    journal: { dir: '' },
    logLevel: 'silent',
    ...config,
    sandbox: { authtokens: [TOKEN] },
  });
  const proxy = await startProxy(parsed, { journal, defaultMetrics: false, logger: createLogger('silent') });
  const sandbox = proxy.upstream.sandbox!;
  const http = supertest(proxy.url);
  const outcomes = () => journal.entries.filter((e): e is JournalOutcomeEntry => e.type === 'outcome');
  return {
    proxy,
    sandbox,
    journal,
    profile: proxy.upstream.profile(),
    async call(module, method, params, format = 'xml') {
      const res = await http
        .post(`/crm/private/${format}/${module}/${method}`)
        .type('form')
        .send(new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', ...params }).toString());
      expect(res.status).toBe(200);
      return res.text;
    },
    lastOutcome: () => outcomes().at(-1)!,
    lastRequest: () => journal.entries.filter((e): e is JournalRequestEntry => e.type === 'request').at(-1),
    searches: () => sandbox.state.stats().requests[SEARCH_ROUTE] ?? 0,
    seed(module, values) {
      const store = sandbox.state.store;
      const owner = sandbox.state.metadata.users[0].id;
      const now = sandbox.state.now();
      const { id, seq } = store.next();
      const record: StoredRecord = { id, module, seq, createdAt: now, modifiedAt: now, createdBy: owner, modifiedBy: owner, ownerId: owner, values };
      store.add(record);
      return id;
    },
    close: () => proxy.close(),
  };
}

/** Escape text for an XML payload. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `<row no>` with `<FL>`s; a value starting with `<` is inserted raw (Product Details). */
export function row(no: string, fields: Record<string, string>): string {
  const fl = Object.entries(fields)
    .map(([k, v]) => `<FL val="${esc(k)}">${v.startsWith('<') ? v : esc(v)}</FL>`)
    .join('');
  return `<row no="${no}">${fl}</row>`;
}

export const payload = (module: string, ...rows: string[]): string => `<${module}>${rows.join('')}</${module}>`;

/** A Product Details value with one line item. */
export const productDetails = (productId: string): string =>
  `<product no="1"><FL val="Product Id">${productId}</FL><FL val="Quantity">1</FL><FL val="List Price">10</FL></product>`;

/** `<FL val="Id">` values of an XML answer, in order. */
export const ids = (xml: string): string[] => [...xml.matchAll(/<FL val="Id">(\d+)<\/FL>/g)].map((m) => m[1]);

/** `<row no="N">…</row>` of a version=4 answer. */
export function rowXml(xml: string, no: string): string {
  const m = new RegExp(`<row no="${no}">(.*?)</row>`).exec(xml);
  if (!m) throw new Error(`no row ${no} in ${xml}`);
  return m[1];
}
