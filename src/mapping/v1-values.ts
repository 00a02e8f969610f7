/**
 * v2 JSON value → v1 text, by the field's data_type (PROTOCOL-READS.md §3.3, §3.6; PROTOCOL.md §8 "back to v1"
 * column). The one home of the reverse value formats: rows (reads), the search post-filter and the round-trip
 * property test all print through here, and mapping/values.ts parses the same texts on the way in.
 */
import { isoToLegacyDateTime } from './time.js';
import type { FieldMeta } from './types.js';

export interface V1ValueOptions {
  /** The profile's IANA zone for datetimes; undefined keeps the v2 wall-clock part (PROTOCOL §3). */
  timeZone?: string;
}

/**
 * v1 text of one v2 value, or undefined when the field is empty (null, `""`, `[]`: PROTOCOL-READS §3.4, "empty
 * string counts as null"). Lookups and owners print their name (rows print them as id+name pairs, §3.2).
 */
export function formatV1Value(field: FieldMeta, value: unknown, options: V1ValueOptions = {}): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  switch (field.dataType) {
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : textOf(value);
    case 'datetime':
      return typeof value === 'string' ? isoToLegacyDateTime(value, options.timeZone) : textOf(value);
    case 'currency':
    case 'double':
    case 'percent':
    case 'decimal':
      if (field.apiName === 'Exchange_Rate' && typeof value === 'number') return value.toFixed(9);
      return typeof value === 'number' ? shortestDecimal(value) : textOf(value);
    case 'integer':
    case 'bigint':
    case 'autonumber':
      return typeof value === 'number' ? shortestDecimal(value) : textOf(value);
    case 'multiselectpicklist':
      if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => textOf(v) ?? '').join(';');
      return textOf(value);
    default:
      return textOf(value);
  }
}

/** Any JSON value as text: strings as is, numbers shortest, `{name}`/`{id}` objects by name, arrays `;`-joined. */
function textOf(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return shortestDecimal(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => textOf(v) ?? '').join(';');
  if (typeof value === 'object') {
    const o = value as { name?: unknown; id?: unknown };
    if (typeof o.name === 'string' && o.name !== '') return o.name;
    if (typeof o.id === 'string') return o.id;
  }
  return undefined;
}

/**
 * A number as v1 printed record-level amounts: the shortest decimal, integer values without `.0` (`79442`,
 * `1234.5`), never exponent notation (`1e21` → `1000000000000000000000`).
 */
export function shortestDecimal(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return expandExponent(text);
}

function expandExponent(text: string): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!m) return text;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp >= 0) {
    const intLen = 1 + exp;
    return sign + (digits.length <= intLen ? digits.padEnd(intLen, '0') : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`);
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/**
 * Java's `Double.toString`, as v1 printed numbers inside Product Details (§3.6): always a fraction (`7222.0`,
 * `0.0`), shortest digits, and computerized scientific notation below 10⁻³ and from 10⁷ (`1.2345678E7`).
 */
export function javaDoubleToString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = shortestDecimal(n);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exp] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`;
}
