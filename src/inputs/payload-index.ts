/**
 * A payload folder's `index.json` (the format of samples/payloads/index.json): per xmlData file, the v1 module,
 * method and parameters of the call it was sent with, and whether the file is form-encoded. Without it every
 * .xml file would be read as an insert into the module its root element names.
 *
 *   {"payloads":[{"file":"003-leads-update.xml","module":"Leads","method":"updateRecords",
 *                 "params":{"newFormat":"1","id":"1000000019001"},"urlEncoded":true}, …]}
 *
 * Indexes are read once per folder and kept (a few hundred bytes per entry).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface PayloadIndexEntry {
  /** v1 URL module segment (`Leads`, `CustomModule1`). */
  module?: string;
  /** v1 method (`insertRecords`, `updateRecords` …). */
  method?: string;
  /** Parameters besides authtoken, scope and xmlData, as a query string (`newFormat=1&id=…`). */
  params?: string;
  /** The file holds xmlData as in a raw query string: form-decode it once. */
  formEncoded?: boolean;
}

interface RawEntry {
  file?: unknown;
  module?: unknown;
  method?: unknown;
  params?: unknown;
  urlEncoded?: unknown;
}

export class PayloadIndexes {
  private readonly byFolder = new Map<string, Map<string, PayloadIndexEntry> | undefined>();

  /**
   * The index entry of an xmlData file, when its folder has an index.json that lists it. A malformed index is
   * an error (the caller reports it), not silently ignored.
   */
  entryFor(file: string): PayloadIndexEntry | undefined {
    const folder = dirname(file);
    if (!this.byFolder.has(folder)) this.byFolder.set(folder, readIndex(join(folder, 'index.json')));
    return this.byFolder.get(folder)?.get(basename(file));
  }
}

function readIndex(path: string): Map<string, PayloadIndexEntry> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let doc: { payloads?: unknown };
  try {
    doc = JSON.parse(text) as { payloads?: unknown };
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(doc.payloads)) throw new Error(`${path}: expected {"payloads":[…]}`);
  const out = new Map<string, PayloadIndexEntry>();
  for (const raw of doc.payloads as RawEntry[]) {
    if (!raw || typeof raw.file !== 'string') continue;
    const params =
      raw.params && typeof raw.params === 'object'
        ? new URLSearchParams(Object.entries(raw.params as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString()
        : typeof raw.params === 'string'
          ? raw.params
          : undefined;
    out.set(raw.file, {
      ...(typeof raw.module === 'string' ? { module: raw.module } : {}),
      ...(typeof raw.method === 'string' ? { method: raw.method } : {}),
      ...(params ? { params } : {}),
      ...(raw.urlEncoded === true ? { formEncoded: true } : {}),
    });
  }
  return out;
}
