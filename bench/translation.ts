/**
 * Benchmark 1 — translation cost per legacy call (pure CPU, in this process): the bridge's parse → plan →
 * render path against (a) the floor: fast-xml-parser parsing the same xmlData bytes and nothing else, and
 * (b) an xml2js-based translation as older tools did it. Run alone: `npx tsx bench/translation.ts [--quick]`.
 */
import { pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { codeModule } from './lib/code.js';
import { fmt, isQuick, mdTable, timeOp, type BenchOptions, type BenchSection, type TimingOptions } from './lib/measure.js';
import { makePayload, type PayloadShape } from './lib/payloads.js';
import { BENCH_TIME_ZONE, prepareCall, sendAndReceive, translateOnce } from './lib/translate-path.js';
import { xml2jsRequest, xml2jsResponse } from './lib/xml2js-translate.js';

// The measured build (bench/lib/code.ts): dist unless ZBRIDGE_BENCH_CODE=src.
const { parseLegacyRequest } = await codeModule<typeof import('../src/legacy/request.js')>('legacy/request.js');
const { renderLegacyResponse } = await codeModule<typeof import('../src/legacy/response.js')>('legacy/response.js');
const { parseXmlData } = await codeModule<typeof import('../src/legacy/xmldata.js')>('legacy/xmldata.js');
const { planCall, stringifyV2, toLegacyResult } = await codeModule<typeof import('../src/mapping/index.js')>('mapping/index.js');

export const TRANSLATION_TARGETS = { oneRowUs: 150, hundredRowsUs: 10_000 } as const;

export interface TranslationFigure {
  shape: PayloadShape;
  rows: number;
  xmlBytes: number;
  bridgeUs: number;
  floorUs: number;
  xml2jsUs: number;
  stages?: { request: number; xmldata: number; plan: number; wire: number; render: number };
}

export async function runTranslation(options: BenchOptions): Promise<{ section: BenchSection; figures: TranslationFigure[] }> {
  const timing: TimingOptions = options.quick ? { warmupMs: 150, batches: 3, batchMs: 100 } : { warmupMs: 300, batches: 7, batchMs: 200 };
  const stageTiming: TimingOptions = { warmupMs: 100, batches: 3, batchMs: 100 };
  const floorParser = new XMLParser({ ignoreAttributes: false });
  const figures: TranslationFigure[] = [];

  for (const shape of ['leads', 'quotes'] as const) {
    for (const rows of [1, 10, 100]) {
      const prepared = prepareCall(makePayload(shape, rows));
      const xml = prepared.payload.xmlData;
      const bridge = timeOp(() => translateOnce(prepared), timing);
      const floor = timeOp(() => floorParser.parse(xml), timing);
      const legacy = timeOp(() => {
        const req = xml2jsRequest(prepared.formBody);
        // One v2 request per call here (≤ 100 rows), so answers[0] holds every record.
        return xml2jsResponse(`/crm/private/xml/${req.module}/insertRecords`, prepared.answers[0]).length + req.json.length;
      }, timing);
      const figure: TranslationFigure = { shape, rows, xmlBytes: Buffer.byteLength(xml), bridgeUs: bridge.medianUs, floorUs: floor.medianUs, xml2jsUs: legacy.medianUs };

      if (!options.quick) {
        // Per-stage cost, each stage fed the previous stage's output computed once outside the loop.
        const call = parseLegacyRequest(prepared.request);
        const parsed = parseXmlData(call.xmlData);
        const ctx = { schema: prepared.schema, timeZone: BENCH_TIME_ZONE };
        const plan = planCall(call, parsed, ctx);
        const outcomes = sendAndReceive(plan, prepared.answers);
        const result = toLegacyResult(plan, outcomes, { timeZone: BENCH_TIME_ZONE, schema: prepared.schema });
        figure.stages = {
          request: timeOp(() => parseLegacyRequest(prepared.request), stageTiming).medianUs,
          xmldata: timeOp(() => parseXmlData(call.xmlData), stageTiming).medianUs,
          plan: timeOp(() => planCall(call, parsed, ctx), stageTiming).medianUs,
          wire: timeOp(() => plan.requests.map((r) => stringifyV2(r.body)).length + prepared.answers.map((a) => JSON.parse(a) as unknown).length, stageTiming).medianUs,
          render: timeOp(
            () => renderLegacyResponse(call, toLegacyResult(plan, outcomes, { timeZone: BENCH_TIME_ZONE, schema: prepared.schema })).body,
            stageTiming,
          ).medianUs,
        };
        void result;
      }
      figures.push(figure);
      console.log(
        `translation ${shape}×${rows}: bridge ${fmt(figure.bridgeUs)} µs, fxp floor ${fmt(figure.floorUs)} µs (×${fmt(figure.bridgeUs / figure.floorUs, 2)}), ` +
          `xml2js ${fmt(figure.xml2jsUs)} µs (bridge/xml2js ${fmt(figure.bridgeUs / figure.xml2jsUs, 2)})`,
      );
    }
  }
  return { section: translationSection(figures), figures };
}

function translationSection(figures: TranslationFigure[]): BenchSection {
  const table = mdTable(
    ['payload', 'rows', 'xmlData bytes', 'bridge µs/call', 'fxp parse only µs', 'bridge ÷ floor', 'xml2js translation µs', 'bridge ÷ xml2js'],
    figures.map((f) => [
      f.shape === 'leads' ? 'Leads' : 'Quotes + 3 products/row',
      f.rows,
      f.xmlBytes.toLocaleString('en-US'),
      fmt(f.bridgeUs),
      fmt(f.floorUs),
      `×${fmt(f.bridgeUs / f.floorUs, 2)}`,
      fmt(f.xml2jsUs),
      `×${fmt(f.bridgeUs / f.xml2jsUs, 2)}`,
    ]),
  );
  const staged = figures.filter((f) => f.stages);
  const stageTable = staged.length
    ? '\n\nWhere the time goes (µs, each stage timed alone on the previous stage\'s output):\n\n' +
      mdTable(
        ['payload', 'rows', 'request parse', 'xmlData parse', 'plan', 'v2 JSON out + in', 'result + render'],
        staged.map((f) => [f.shape, f.rows, fmt(f.stages!.request), fmt(f.stages!.xmldata), fmt(f.stages!.plan), fmt(f.stages!.wire), fmt(f.stages!.render)]),
      )
    : '';
  const verdicts: string[] = [];
  for (const f of figures) {
    if (f.rows === 1) verdicts.push(target(`translation 1 row (${f.shape})`, f.bridgeUs, TRANSLATION_TARGETS.oneRowUs, 'µs'));
    if (f.rows === 100) verdicts.push(target(`translation 100 rows (${f.shape})`, f.bridgeUs, TRANSLATION_TARGETS.hundredRowsUs, 'µs'));
  }
  const markdown =
    'Per call: legacy form body → `parseLegacyRequest` → `parseXmlData` → `planCall` → `stringifyV2` of each v2 body + ' +
    '`JSON.parse` of a synthetic v2 success answer → `toLegacyResult` → `renderLegacyResponse` (time zone ' +
    `${BENCH_TIME_ZONE}). Floor: \`new XMLParser({ ignoreAttributes: false }).parse(xmlData)\` alone. xml2js baseline: ` +
    'URLSearchParams + xml2js parse + label→api_name by replacing spaces + JSON.stringify, then JSON.parse of the answer + ' +
    "xml2js Builder (no validation, no types, no exact v1 bytes). Medians of timed batches in one process.\n\n" +
    table +
    stageTable;
  return { title: '1. Translation', markdown, verdicts };
}

function target(label: string, value: number, limit: number, unit: string): string {
  return `${value <= limit ? 'MET' : 'MISSED'}: ${label} ${fmt(value)} ${unit} (target < ${limit.toLocaleString('en-US')} ${unit})`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { section } = await runTranslation({ quick: isQuick() });
  console.log(section.verdicts.join('\n'));
}
