/**
 * Golden files: for every payload of samples/payloads/index.json the expected v2 plan
 * (samples/expected/<name>.plan.json), and for the scenarios in samples/expected/responses/*.scenario.json the
 * exact legacy response bytes given a sequence of v2 answers. UPDATE_GOLDEN=1 rewrites them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formDecode } from '../../src/legacy/form.js';
import { renderLegacyResponse } from '../../src/legacy/response.js';
import type { LegacyCall } from '../../src/legacy/types.js';
import { parseXmlData } from '../../src/legacy/xmldata.js';
import { stringifyV2 } from '../../src/v2/json.js';
import { planCall } from '../../src/mapping/plan.js';
import { toLegacyResult } from '../../src/mapping/results.js';
import type { ExistingRecord, V2Outcome, V2Plan } from '../../src/mapping/types.js';
import { samplesDir } from '../../src/paths.js';
import { schema } from './helpers.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const payloadDir = join(samplesDir, 'payloads');
const expectedDir = join(samplesDir, 'expected');
const GOLDEN_TZ = 'America/Los_Angeles';

interface PayloadEntry {
  file: string;
  module: string;
  method: string;
  params: Record<string, string>;
  urlEncoded?: boolean;
}

const index = JSON.parse(readFileSync(join(payloadDir, 'index.json'), 'utf8')) as { payloads: PayloadEntry[] };
const baseName = (file: string): string => file.replace(/\.xml$/, '');

function callFor(p: PayloadEntry): LegacyCall {
  const raw = readFileSync(join(payloadDir, p.file), 'utf8');
  const params = Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    format: 'xml',
    module: p.module,
    method: p.method,
    path: `/crm/private/xml/${p.module}/${p.method}`,
    params,
    xmlData: p.urlEncoded ? formDecode(raw) : raw,
  };
}

/**
 * The plan of a payload: bundled schema, a fixed zone, offline (no resolutions), default options. `replace`:
 * literal [from, to] edits of the xmlData first (a scenario about v2's answers to rows the seed's values would
 * not let through: see Scenario.replace).
 */
export function goldenPlan(p: PayloadEntry, replace: [string, string][] = []): V2Plan {
  const call = callFor(p);
  for (const [from, to] of replace) {
    if (!call.xmlData!.includes(from)) throw new Error(`${p.file}: "${from}" is not in the payload`);
    call.xmlData = call.xmlData!.split(from).join(to);
  }
  return planCall(call, parseXmlData(call.xmlData!), { schema, timeZone: GOLDEN_TZ });
}

function compareOrWrite(file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`golden file missing: ${file} (run with UPDATE_GOLDEN=1)`);
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('golden v2 plans (samples/expected/*.plan.json)', () => {
  mkdirSync(expectedDir, { recursive: true });
  it.each(index.payloads.map((p) => [p.file, p] as const))('%s', (_file, p) => {
    compareOrWrite(join(expectedDir, `${baseName(p.file)}.plan.json`), `${stringifyV2(goldenPlan(p), 2)}\n`);
  });
});

interface Scenario {
  description: string;
  payload: string;
  format?: 'xml' | 'json';
  timeZone?: string;
  /** One per plan request. */
  outcomes: V2Outcome[];
  /** duplicateCheck=1 pre-check hits: row index → existing record. */
  existing?: Record<string, ExistingRecord>;
  /**
   * Literal [from, to] edits of the payload before planning. The seeds' duplicate-check and v4-update examples
   * carry e-mails v2 refuses (`automation@crm.com 1`), which the bridge refuses before sending (breaker finding
   * 13); a scenario about v2's answers to those rows gives them as addresses.
   */
  replace?: [string, string][];
}

describe('golden legacy responses (samples/expected/responses/*.scenario.json)', () => {
  const dir = join(expectedDir, 'responses');
  const scenarios = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.scenario.json')) : [];
  it('has scenarios', () => expect(scenarios.length).toBeGreaterThan(0));
  it.each(scenarios)('%s', (file) => {
    const s = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario;
    const entry = index.payloads.find((p) => p.file === s.payload);
    if (!entry) throw new Error(`${file}: unknown payload ${s.payload}`);
    const plan = goldenPlan(entry, s.replace);
    const existing = new Map(Object.entries(s.existing ?? {}).map(([k, v]) => [Number(k), v]));
    const requests = plan.requests.filter((r) => !r.rows.every((i) => existing.has(i)));
    expect(s.outcomes.length).toBe(requests.length);
    const result = toLegacyResult({ ...plan, requests }, s.outcomes, { timeZone: s.timeZone, existing, schema });
    const format = s.format ?? 'xml';
    const body = renderLegacyResponse({ format, path: `/crm/private/${format}/${entry.module}/${entry.method}` }, result).body;
    compareOrWrite(join(dir, file.replace(/\.scenario\.json$/, format === 'json' ? '.response.json' : '.response.xml')), body);
  });
});
