/**
 * The bridge's pure translation path for one legacy call, exactly the pieces the proxy chains (see
 * src/bridge/pipeline.ts) minus the network: request parse → translateCall (checks, xmlData parse, plan: the one
 * path of src/mapping/translate.ts) → v2 bodies serialised → synthetic v2 success answers parsed → legacy result
 * → v1 bytes.
 */
import type { RawHttpRequest } from '../../src/legacy/request.js';
import type { Schema as SchemaClass, V2Outcome, V2Plan } from '../../src/mapping/index.js';
import { codeModule } from './code.js';
import { legacyFormBody, legacyPath, prng, type Payload } from './payloads.js';

// The measured build (bench/lib/code.ts): dist unless ZBRIDGE_BENCH_CODE=src.
const { parseLegacyRequest } = await codeModule<typeof import('../../src/legacy/request.js')>('legacy/request.js');
const { renderLegacyResponse } = await codeModule<typeof import('../../src/legacy/response.js')>('legacy/response.js');
const { Schema, stringifyV2, toLegacyResult } = await codeModule<typeof import('../../src/mapping/index.js')>('mapping/index.js');
const { translateCall } = await codeModule<typeof import('../../src/mapping/translate.js')>('mapping/translate.js');

/** Zone of the API user: v1 datetimes in and out are wall-clock times in it (exercises the zone conversions). */
export const BENCH_TIME_ZONE = 'America/Toronto';
const OWNER = { name: 'Dexter Heng', id: '1386586000000105001' };

export interface PreparedCall {
  payload: Payload;
  request: RawHttpRequest;
  /** The legacy form body (for the xml2js baseline). */
  formBody: string;
  /** One synthetic v2 answer per plan request, as JSON text (what the HTTP client would receive). */
  answers: string[];
  schema: SchemaClass;
}

/** v2 insert answer for `count` records, as the sandbox and Zoho shape it. */
export function syntheticInsertAnswer(count: number, seed = 7): string {
  const r = prng(seed);
  const data = [];
  for (let i = 0; i < count; i++) {
    const id = `3652397000${String(Math.floor(r() * 1e9)).padStart(9, '0')}`;
    data.push({
      code: 'SUCCESS',
      details: {
        Modified_Time: '2024-05-06T11:17:42-04:00',
        Modified_By: OWNER,
        Created_Time: '2024-05-06T11:17:42-04:00',
        id,
        Created_By: OWNER,
      },
      message: 'record added',
      status: 'success',
    });
  }
  return JSON.stringify({ data });
}

export function prepareCall(payload: Payload, schema: SchemaClass = Schema.bundled()): PreparedCall {
  const formBody = legacyFormBody(payload, 'bench0authtoken0000000000000000');
  const request: RawHttpRequest = {
    method: 'POST',
    url: legacyPath(payload),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(formBody),
  };
  const call = parseLegacyRequest(request);
  const { plan, error } = translateCall(call, { schema, timeZone: BENCH_TIME_ZONE });
  if (!plan || error) throw new Error(`bench payload ${payload.shape}×${payload.rows} does not plan: ${error?.message}`);
  const answers = plan.requests.map((req) => syntheticInsertAnswer(req.body.data.length));
  const prepared = { payload, request, formBody, answers, schema };
  // Never benchmark an error path by accident: the synthetic answers must give an all-success legacy result.
  const body = translateOnce(prepared);
  if (!body.includes('Record(s) added successfully') && !body.includes('<code>2000</code>')) {
    throw new Error(`bench payload ${payload.shape}×${payload.rows}: unexpected legacy answer ${body.slice(0, 300)}`);
  }
  if (body.includes('<error>')) throw new Error(`bench payload ${payload.shape}×${payload.rows}: a row failed: ${body.slice(0, 300)}`);
  return prepared;
}

/** The whole path once; returns the v1 response body. */
export function translateOnce(p: PreparedCall): string {
  const call = parseLegacyRequest(p.request);
  const { plan, error } = translateCall(call, { schema: p.schema, timeZone: BENCH_TIME_ZONE });
  if (!plan || error) throw new Error(`bench payload does not plan: ${error?.message}`);
  const outcomes = sendAndReceive(plan, p.answers);
  const result = toLegacyResult(plan, outcomes, { timeZone: BENCH_TIME_ZONE, schema: p.schema });
  return renderLegacyResponse(call, result).body;
}

/** What the client does around the wire: serialise each request body, parse each answer. */
export function sendAndReceive(plan: V2Plan, answers: string[]): V2Outcome[] {
  return plan.requests.map((req, i) => {
    const sent = stringifyV2(req.body);
    if (sent.length === 0) throw new Error('empty body');
    return { kind: 'response', status: 201, body: JSON.parse(answers[i]) as unknown };
  });
}
