/**
 * JSON for v2 request bodies. Decimal fields (double, currency, percent) must reach v2 as the literal digits the
 * v1 client sent (`12345678901234567.123456789`), which a JS number cannot hold. A DecimalLiteral carries that
 * text; stringifyV2 writes it verbatim as a JSON number, everything else exactly like JSON.stringify.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

export class DecimalLiteral {
  constructor(readonly text: string) {
    if (!DECIMAL.test(text)) throw new TypeError(`DecimalLiteral: not a plain decimal: ${JSON.stringify(text)}`);
  }

  /** Fallback for plain JSON.stringify (journals, debugging): the nearest double. */
  toJSON(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Like JSON.stringify(value, null, space), except that every DecimalLiteral is written as its exact text.
 * (A replacer sees values after toJSON, so it looks the original up on the holder: `this[key]`.)
 */
export function stringifyV2(value: unknown, space?: string | number): string {
  if (value instanceof DecimalLiteral) return value.text;
  const nonce = `\u0000dec${Math.random().toString(36).slice(2)}:`;
  let used = false;
  const json = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      if (original instanceof DecimalLiteral) {
        used = true;
        return `${nonce}${original.text}`;
      }
      return v;
    },
    space,
  );
  if (!used || json === undefined) return json;
  // The nonce starts with U+0000, which JSON.stringify always escapes as \u0000: no real string can collide.
  const escapedNonce = JSON.stringify(nonce).slice(1, -1).replace(/\\/g, '\\\\');
  return json.replace(new RegExp(`"${escapedNonce}(-?\\d+(?:\\.\\d+)?)"`, 'g'), '$1');
}

/**
 * The JS value for a decimal text: a plain number when Number(text) reads back as the same decimal (ignoring
 * insignificant zeros: `100.0` → 100, `0.50` → 0.5), else a DecimalLiteral that keeps every digit.
 */
export function decimalValue(text: string): number | DecimalLiteral {
  const n = Number(text);
  return Number.isFinite(n) && String(n) === canonicalDecimal(text) ? n : new DecimalLiteral(text);
}

/** `-007.500` → `-7.5`, `-0.0` → `0`: the form String(Number) prints for values it holds exactly. */
function canonicalDecimal(text: string): string {
  let [int, frac = ''] = text.replace(/^-/, '').split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  const negative = text.startsWith('-') && /[1-9]/.test(body);
  return negative ? `-${body}` : body;
}
