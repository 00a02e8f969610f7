/**
 * Child process of the converter benchmark: the floor. Reads the same URL logs line by line (readline),
 * takes xmlData out of the query string (URLSearchParams) and parses it with fast-xml-parser, nothing else.
 * Prints one JSON line. Usage: `node --import tsx bench/children/fxp-run.ts DIR`.
 */
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { XMLParser } from 'fast-xml-parser';

const dir = process.argv[2];
if (!dir) throw new Error('usage: fxp-run.ts CORPUS_DIR');
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });
const start = process.hrtime.bigint();
let calls = 0;
let nodes = 0;
for (const name of readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
  const lines = createInterface({ input: createReadStream(join(dir, name), { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    const q = line.indexOf('?');
    if (q < 0) continue;
    const xml = new URLSearchParams(line.slice(q + 1)).get('xmlData');
    if (!xml) continue;
    nodes += Object.keys(parser.parse(xml) as object).length;
    calls++;
  }
}
const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
console.log(JSON.stringify({ elapsedMs, calls, nodes, maxRssKb: process.resourceUsage().maxRSS }));
