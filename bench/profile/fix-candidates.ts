/**
 * Measures the hot-spot fixes proposed in bench/README.md against the current code, on the benchmark payloads,
 * without touching src/: each candidate is a local re-implementation checked for identical output first.
 * `npx tsx bench/profile/fix-candidates.ts`
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { formDecode } from '../../src/legacy/form.js';
import { isoToLegacyDateTime } from '../../src/mapping/time.js';
import { fmt, timeOp } from '../lib/measure.js';
import { legacyFormBody, makePayload } from '../lib/payloads.js';

/** Candidate: decodeURIComponent does the common case natively; the exact slow path only when it throws. */
function formDecodeFast(text: string): string {
  if (text.indexOf('%') < 0) return text.indexOf('+') < 0 ? text : text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return formDecode(text); // stray % or invalid UTF-8: keep the servlet-exact behaviour
  }
}

/** Candidate: memoise the v2 → v1 time conversion per (zone, value); answers repeat Created/Modified times. */
const memo = new Map<string, string>();
function isoToLegacyMemo(value: string, zone: string): string {
  const key = `${zone}\u0000${value}`;
  let out = memo.get(key);
  if (out === undefined) {
    out = isoToLegacyDateTime(value, zone);
    if (memo.size > 10_000) memo.clear();
    memo.set(key, out);
  }
  return out;
}

const opts = { warmupMs: 200, batches: 5, batchMs: 150 };
for (const rows of [1, 100]) {
  const payload = makePayload('leads', rows);
  const value = new URLSearchParams(legacyFormBody(payload, 'x')).toString().split('xmlData=')[1];
  if (formDecodeFast(value) !== formDecode(value)) throw new Error('formDecodeFast differs');
  const a = timeOp(() => formDecode(value), opts).medianUs;
  const b = timeOp(() => formDecodeFast(value), opts).medianUs;
  console.log(`formDecode of a ${rows}-row xmlData: ${fmt(a)} µs → decodeURIComponent fast path ${fmt(b)} µs (×${fmt(a / b, 1)})`);

  const xml = payload.xmlData;
  const parser = new XMLParser({ ignoreAttributes: false, preserveOrder: true, parseTagValue: false, processEntities: true });
  const v = timeOp(() => XMLValidator.validate(xml), opts).medianUs;
  const p = timeOp(() => parser.parse(xml), opts).medianUs;
  console.log(`xmlData ${rows} rows: XMLValidator.validate ${fmt(v)} µs + XMLParser.parse ${fmt(p)} µs (validation = ${fmt((100 * v) / (v + p))}% of parsing)`);
}
const iso = '2024-05-06T11:17:42-04:00';
const t1 = timeOp(() => isoToLegacyDateTime(iso, 'America/Toronto'), opts).medianUs;
const t2 = timeOp(() => isoToLegacyMemo(iso, 'America/Toronto'), opts).medianUs;
console.log(`isoToLegacyDateTime: ${fmt(t1, 2)} µs → memoised ${fmt(t2, 2)} µs per value (2 per record)`);
