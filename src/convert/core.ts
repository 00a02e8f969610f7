/**
 * The one place the converter, replay and report reach into the translation pipeline (legacy parsing and
 * mapping). Everything else in src/convert and src/report works on the plain results returned here.
 */
import { LegacyRequestError, ZbridgeError } from '../errors.js';
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import { formDecode, parseLegacyUrlLine } from '../legacy/request.js';
import type { LegacyCall, ParsedXmlData } from '../legacy/types.js';
import { parseXmlData } from '../legacy/xmldata.js';
import { decimalValue, planCall, Schema, stringifyV2, type MappingOptions } from '../mapping/index.js';
import { loadMetadataDir } from '../mapping/snapshot.js';
import type { V2Plan } from '../mapping/types.js';

export { formDecode, parseLegacyUrlLine, stringifyV2 };
export type { MappingOptions };

/** v1 methods the bridge translates; anything else is an unsupported method still in use. */
export const SUPPORTED_METHODS = new Set(['insertRecords', 'updateRecords']);

export interface TranslateContext {
  schema: Schema;
  /** The API user's IANA zone for v1 date-times (default UTC offline). */
  timeZone: string;
  options?: MappingOptions;
}

export interface Translation {
  parsed?: ParsedXmlData;
  plan?: V2Plan;
  /** Whole-call failure before or during planning (also copied from plan.error). */
  error?: LegacyError;
  /** Extra, non-secret explanation of `error` (parser message …). */
  errorDetail?: string;
  /** 'unsupported-method' | 'bad-request' | 'module' …: what kind of whole-call failure this is. */
  category?: string;
}

/** Schema from a metadata directory (snapshot format) or the bundled snapshot. */
export function loadSchema(metadataDir?: string): Schema {
  if (!metadataDir) return Schema.bundled();
  const snap = loadMetadataDir(metadataDir);
  return Schema.fromMetadata(snap.modules, snap.fields);
}

/**
 * One legacy call → its v2 plan, offline: no name resolutions are passed, so owners by e-mail, note parents
 * and lookups by name come back as the mapping's `unresolved-*` warnings. Never throws for bad input.
 */
export function translateCall(call: LegacyCall, ctx: TranslateContext): Translation {
  if (!SUPPORTED_METHODS.has(call.method)) {
    return { error: legacyErrors.generic(), category: 'unsupported-method', errorDetail: `unsupported v1 method ${call.method}` };
  }
  if (call.xmlData === undefined || call.xmlData === '') {
    return { error: legacyErrors.badParameter('xmlData'), category: 'bad-request', errorDetail: 'no xmlData' };
  }
  let parsed: ParsedXmlData;
  try {
    parsed = parseXmlData(call.xmlData);
  } catch (error) {
    return failure(error, 'bad-request');
  }
  try {
    const plan = planCall(call, parsed, { schema: ctx.schema, timeZone: ctx.timeZone, options: ctx.options });
    return plan.error ? { parsed, plan, error: plan.error, category: 'plan', ...planErrorDetail(call, ctx) } : { parsed, plan };
  } catch (error) {
    return { parsed, ...failure(error, 'plan') };
  }
}

/** Why a plan failed as a whole, when the mapping's answer (a bare legacy code) does not say. */
function planErrorDetail(call: LegacyCall, ctx: TranslateContext): { errorDetail?: string } {
  if (!ctx.schema.resolveModule(call.module)) {
    return {
      errorDetail:
        `v1 module "${call.module}" is not a module of the metadata (module_name in modules.json); a custom module is ` +
        `named by its module_name (CustomModule1 …): give it with --module or the folder's index.json`,
    };
  }
  return {};
}

function failure(error: unknown, category: string): Translation {
  if (error instanceof LegacyRequestError || error instanceof ZbridgeError) {
    return { error: error.legacy, category, errorDetail: error.message };
  }
  return { error: legacyErrors.internal(), category: 'bridge', errorDetail: (error as Error)?.message ?? String(error) };
}

/**
 * A number literal read back from a converted body → the value stringifyV2 writes back as the same literal.
 * Exactly representable literals become numbers.
 */
export function numberFromLiteral(literal: string): unknown {
  // Plain decimals keep every digit (DecimalLiteral when a double cannot hold them); exponents never come from v1.
  return /^-?\d+(\.\d+)?$/.test(literal) ? decimalValue(literal) : Number(literal);
}
