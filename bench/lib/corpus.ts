/**
 * A generated corpus of archived v1 calls for the converter benchmark: URL log files (one GET request line per
 * call, xmlData form-encoded in the query string, as proxies and web servers logged them), mixing Leads and
 * Quotes calls of 1, 10 and 100 rows. Reused between runs when the manifest matches.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { legacyPath, makePayload, type PayloadShape } from './payloads.js';

export interface CorpusManifest {
  version: number;
  targetBytes: number;
  bytes: number;
  files: number;
  calls: number;
  rows: number;
}

const VERSION = 1;
const FILE_BYTES = 16 * 1024 * 1024;
/** The call mix, cycled: mostly small calls, as integrations send them, plus bulk loads. */
const MIX: { shape: PayloadShape; rows: number }[] = [
  { shape: 'leads', rows: 1 },
  { shape: 'leads', rows: 1 },
  { shape: 'leads', rows: 10 },
  { shape: 'quotes', rows: 1 },
  { shape: 'leads', rows: 100 },
  { shape: 'quotes', rows: 10 },
  { shape: 'leads', rows: 10 },
  { shape: 'quotes', rows: 100 },
];

/** Ensures `dir` holds a corpus of at least `targetBytes`; returns its manifest. */
export async function ensureCorpus(dir: string, targetBytes: number): Promise<CorpusManifest> {
  const manifestFile = join(dir, 'manifest.json');
  if (existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as CorpusManifest;
    if (m.version === VERSION && m.targetBytes === targetBytes) return m;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const m: CorpusManifest = { version: VERSION, targetBytes, bytes: 0, files: 0, calls: 0, rows: 0 };
  let seed = 1;
  while (m.bytes < targetBytes) {
    const file = join(dir, `access-${String(m.files).padStart(3, '0')}.log`);
    const out = createWriteStream(file);
    let fileBytes = 0;
    while (fileBytes < FILE_BYTES && m.bytes < targetBytes) {
      const { shape, rows } = MIX[m.calls % MIX.length];
      const payload = makePayload(shape, rows, { seed: seed++ });
      const query = new URLSearchParams({ authtoken: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', scope: 'crmapi', ...payload.params, xmlData: payload.xmlData });
      const line = `GET https://crm.zoho.com${legacyPath(payload)}?${query.toString()}\n`;
      const bytes = Buffer.byteLength(line);
      if (!out.write(line)) await once(out, 'drain');
      fileBytes += bytes;
      m.bytes += bytes;
      m.calls += 1;
      m.rows += rows;
    }
    out.end();
    await once(out, 'finish');
    m.files += 1;
  }
  writeFileSync(manifestFile, JSON.stringify(m, null, 2));
  return m;
}
