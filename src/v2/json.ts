/**
 * JSON for v2 request bodies. Decimal fields (double, currency, percent) must reach v2 as the literal digits the
 * v1 client sent (`12345678901234567.123456789`), which a JS number cannot hold. A DecimalLiteral carries that
 * text; stringifyV2 writes it verbatim as a JSON number, everything else exactly like JSON.stringify.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * While stringifyV2 runs, DecimalLiteral.toJSON answers a placeholder string instead of a number; the
 * placeholders are then replaced by the literal digits. JSON.stringify without a replacer function is several
 * times faster than with one, and this runs on the proxy's hot path (request bodies, journal lines).
 * The marker starts with U+0000 (always escaped as \u0000 by JSON.stringify) and carries a per-process random
 * part, so no real string value can be mistaken for a placeholder.
 */
const MARKER = `\u0000dec${Math.random().toString(36).slice(2, 10)}:`;
const ESCAPED_MARKER = JSON.stringify(MARKER).slice(1, -1);
const PLACEHOLDER = new RegExp(`"${ESCAPED_MARKER.replace(/\\/g, '\\\\')}(-?\\d+(?:\\.\\d+)?)"`, 'g');
let writingExact = false;

export class DecimalLiteral {
  constructor(readonly text: string) {
    if (!DECIMAL.test(text)) throw new TypeError(`DecimalLiteral: not a plain decimal: ${JSON.stringify(text)}`);
  }

  /** Plain JSON.stringify (debugging): the nearest double. Inside stringifyV2: a placeholder for the digits. */
  toJSON(): number | string {
    return writingExact ? `${MARKER}${this.text}` : Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/** Like JSON.stringify(value, null, space), except that every DecimalLiteral is written as its exact text. */
export function stringifyV2(value: unknown, space?: string | number): string {
  if (value instanceof DecimalLiteral) return value.text;
  writingExact = true;
  let json: string;
  try {
    json = JSON.stringify(value, null, space);
  } finally {
    writingExact = false;
  }
  if (json === undefined || !json.includes(ESCAPED_MARKER)) return json;
  return json.replace(PLACEHOLDER, '$1');
}

const serialisedBodies = new WeakMap<object, string>();

/**
 * stringifyV2 of a v2 request body, computed once per body object: the journal's `request` line and the HTTP
 * request of the same call share the text (the hot path serialises each body once). A body must not be mutated
 * after it was first serialised; plan edits (bridge/plan-edit.ts) build new bodies.
 */
export function bodyJson(body: unknown): string {
  if (body === null || typeof body !== 'object') return stringifyV2(body);
  let text = serialisedBodies.get(body);
  if (text === undefined) {
    text = stringifyV2(body);
    serialisedBodies.set(body, text);
  }
  return text;
}

/**
 * The JS value for a decimal text: a plain number when Number(text) reads back as the same decimal (ignoring
 * insignificant zeros: `100.0` → 100, `0.50` → 0.5), else a DecimalLiteral that keeps every digit.
 */
export function decimalValue(text: string): number | DecimalLiteral {
  if (holdsExactly(text)) return Number(text);
  const n = Number(text);
  return Number.isFinite(n) && String(n) === canonicalDecimal(text) ? n : new DecimalLiteral(text);
}

/** Already canonical (no leading/trailing zeros, no exponent form) with at most 15 significant digits. */
const CANONICAL_WHOLE_OR_DECIMAL = /^-?[1-9]\d*(?:\.\d*[1-9])?$/;
const CANONICAL_SMALL_FRACTION = /^-?0\.0{0,5}[1-9]\d*$/;

/**
 * Fast path of decimalValue: a double holds every decimal of at most 15 significant digits exactly enough that
 * String(Number(text)) prints the same digits back (DBL_DIG = 15), so no comparison is needed.
 */
function holdsExactly(text: string): boolean {
  if (CANONICAL_WHOLE_OR_DECIMAL.test(text)) {
    return text.length - (text.startsWith('-') ? 1 : 0) - (text.includes('.') ? 1 : 0) <= 15;
  }
  if (CANONICAL_SMALL_FRACTION.test(text)) return text.replace(/^-?0\.0*/, '').length <= 15;
  return false;
}

/** `-007.500` → `-7.5`, `-0.0` → `0`: the form String(Number) prints for values it holds exactly. */
function canonicalDecimal(text: string): string {
  let [int, frac = ''] = text.replace(/^-/, '').split('.');
  int = int.replace(/^0+(?=\d)/, '');
  // Index-based: `/0+$/` is quadratic on a long run of zeros that is not at the end (`1.000…001`).
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end -= 1;
  frac = frac.slice(0, end);
  const body = frac ? `${int}.${frac}` : int;
  const negative = text.startsWith('-') && /[1-9]/.test(body);
  return negative ? `-${body}` : body;
}
