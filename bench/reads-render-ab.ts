/**
 * `npx tsx bench/reads-render-ab.ts <baseline checkout> [--rounds N]`: the getRecords answer path of 200 full
 * Leads records (v2 JSON text → JSON.parse → toV1Row → v1 XML, and → v1 JSON), whole and rendering only, of
 * another checkout (A) against this tree (B), in ONE process, batches interleaved A B B A … so a loaded machine
 * slows both alike. Prints the medians, the B ÷ A ratio and whether both trees print the same bytes; writes nothing.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { leadsAnswer } from './reads.js';

interface Tree {
  renderLegacyXml: (uri: string, result: never) => string;
  renderLegacyJson: (uri: string, result: never) => string;
  moduleColumns: (module: never) => unknown;
  toV1Row: (record: Record<string, unknown>, columns: never, options: { timeZone: string }) => unknown;
  bundledLeads: () => unknown;
}

async function load(root: string): Promise<Tree> {
  const url = (p: string) => pathToFileURL(resolve(root, p)).href;
  const response = await import(url('src/legacy/response.ts'));
  const columns = await import(url('src/mapping/columns.ts'));
  const rows = await import(url('src/mapping/rows.ts'));
  const schema = await import(url('src/mapping/schema.ts'));
  return {
    renderLegacyXml: response.renderLegacyXml,
    renderLegacyJson: response.renderLegacyJson,
    moduleColumns: columns.moduleColumns,
    toV1Row: rows.toV1Row,
    bundledLeads: () => schema.Schema.bundled().module('Leads'),
  };
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;
function batch(op: () => unknown, ms: number): number {
  let n = 0;
  const start = nowUs();
  let elapsed = 0;
  do {
    op();
    n++;
    elapsed = nowUs() - start;
  } while (elapsed < ms * 1000);
  return elapsed / n;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

const baseDir = process.argv[2];
if (!baseDir) throw new Error('usage: tsx bench/reads-render-ab.ts <baseline checkout> [--rounds N]');
const i = process.argv.indexOf('--rounds');
const rounds = i > 0 ? Number(process.argv[i + 1]) : 11;
const text = leadsAnswer(200);
const trees = { A: await load(baseDir), B: await load(resolve(import.meta.dirname, '..')) };
const paths = (t: Tree) => {
  const columns = t.moduleColumns(t.bundledLeads() as never);
  const rows = () => (JSON.parse(text) as { data: Record<string, unknown>[] }).data.map((r) => t.toV1Row(r, columns as never, { timeZone: 'America/Toronto' }));
  const once = rows();
  const xml = (r: unknown[]) => t.renderLegacyXml('/crm/private/xml/Leads/getRecords', { kind: 'records', module: 'Leads', rows: r } as never);
  const json = (r: unknown[]) => t.renderLegacyJson('/crm/private/json/Leads/getRecords', { kind: 'records', module: 'Leads', rows: r } as never);
  return {
    'XML, whole path': () => xml(rows()),
    'JSON, whole path': () => json(rows()),
    'XML, rendering only': () => xml(once),
    'JSON, rendering only': () => json(once),
  };
};
const a = paths(trees.A);
const b = paths(trees.B);
console.log('| output | A ms/call | B ms/call | B ÷ A (median of paired) | same bytes |');
console.log('| --- | --- | --- | --- | --- |');
for (const kind of Object.keys(a) as (keyof typeof a)[]) {
  const same = sha(a[kind]()) === sha(b[kind]());
  for (let w = 0; w < 3; w++) batch(a[kind], 100), batch(b[kind], 100);
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) (as.push(batch(a[kind], 200)), bs.push(batch(b[kind], 200)));
    else (bs.push(batch(b[kind], 200)), as.push(batch(a[kind], 200)));
  }
  const ratios = as.map((x, k) => bs[k] / x);
  console.log(`| v1 ${kind} | ${(median(as) / 1000).toFixed(3)} | ${(median(bs) / 1000).toFixed(3)} | ×${median(ratios).toFixed(2)} (×${Math.min(...ratios).toFixed(2)}–×${Math.max(...ratios).toFixed(2)}) | ${same ? 'yes' : 'NO'} |`);
}
