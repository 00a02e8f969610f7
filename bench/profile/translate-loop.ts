/**
 * Profiling target: the translation path in a loop, for `node --cpu-prof`.
 * `node --import tsx --cpu-prof --cpu-prof-dir bench/out/prof bench/profile/translate-loop.ts leads 1 5`
 * (shape, rows, seconds), then `npx tsx bench/profile/summarise.ts bench/out/prof/<file>.cpuprofile`.
 */
import { makePayload, type PayloadShape } from '../lib/payloads.js';
import { prepareCall, translateOnce } from '../lib/translate-path.js';

const shape = (process.argv[2] ?? 'leads') as PayloadShape;
const rows = Number(process.argv[3] ?? 1);
const seconds = Number(process.argv[4] ?? 5);
const prepared = prepareCall(makePayload(shape, rows));
const end = Date.now() + seconds * 1000;
let n = 0;
let bytes = 0;
while (Date.now() < end) {
  bytes += translateOnce(prepared).length;
  n++;
}
console.log(`${n} calls (${shape}×${rows}), ${((seconds * 1e6) / n).toFixed(1)} µs/call, ${bytes} bytes out`);
