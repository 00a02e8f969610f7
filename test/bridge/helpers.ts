/** Shared setup of the bridge end-to-end tests: the proxy harness of test/proxy plus bridge-specific helpers. */
import { expect } from 'vitest';
import type { JournalOutcomeEntry, JournalRequestEntry } from '../../src/journal/types.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { RunningProxy } from '../../src/server/index.js';
import type { MemoryJournal } from '../../src/journal/file-journal.js';
import type { ProfileRuntime } from '../../src/upstream.js';
import { form, ids, seedRecord, startTestProxy, TOKEN } from '../proxy/helpers.js';

export { ids, TOKEN };
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
  const t = await startTestProxy(config);
  return {
    proxy: t.proxy,
    sandbox: t.sandbox,
    journal: t.journal,
    profile: t.proxy.upstream.profile(),
    async call(module, method, params, format = 'xml') {
      const res = await t.http
        .post(`/crm/private/${format}/${module}/${method}`)
        .type('form')
        .send(form({ authtoken: TOKEN, scope: 'crmapi', ...params }));
      expect(res.status).toBe(200);
      return res.text;
    },
    lastOutcome: () => t.outcomes().at(-1)!,
    lastRequest: () => t.requests().at(-1),
    searches: () => t.sandbox.state.stats().requests[SEARCH_ROUTE] ?? 0,
    seed(module, values) {
      const { id } = t.sandbox.state.store.next();
      seedRecord(t.sandbox, module, id, values);
      return id;
    },
    close: () => t.close(),
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

/** `<row no="N">…</row>` of a version=4 answer. */
export function rowXml(xml: string, no: string): string {
  const m = new RegExp(`<row no="${no}">(.*?)</row>`).exec(xml);
  if (!m) throw new Error(`no row ${no} in ${xml}`);
  return m[1];
}
