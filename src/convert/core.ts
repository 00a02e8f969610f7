/**
 * The converter's reach into the translation core: the call → plan path itself is mapping/translate.ts (shared
 * with the proxy, report, replay and bench); here only what the offline tools add around it.
 */
import { decimalValue, stringifyV2, type MappingOptions } from '../mapping/index.js';
import { formDecode, parseLegacyUrlLine } from '../legacy/request.js';

export { formDecode, parseLegacyUrlLine, stringifyV2 };
export type { MappingOptions };
export { translateCall, type TranslateContext, type Translation } from '../mapping/translate.js';
export { loadSchema, loadUserIds } from '../inputs/schema.js';

/**
 * A number literal read back from a converted body → the value stringifyV2 writes back as the same literal.
 * Exactly representable literals become numbers.
 */
export function numberFromLiteral(literal: string): unknown {
  // Plain decimals keep every digit (DecimalLiteral when a double cannot hold them); exponents never come from v1.
  return /^-?\d+(\.\d+)?$/.test(literal) ? decimalValue(literal) : Number(literal);
}
