/**
 * v1 text → v2 JSON value, by the target field's data_type only (docs/PROTOCOL.md §8). Never guesses from the text:
 * ids, phones and zips of text fields stay strings with their leading zeros.
 */
import { decimalValue, type DecimalLiteral } from '../v2/json.js';
import { describeRefusal, v2TextRefusal } from '../v2/value-rules.js';
import { isValidDate, legacyDateTimeToIso } from './time.js';
import type { FieldMeta } from './types.js';

/**
 * A converted value, or a failure. `drop`: the text is not a value of the field but v1 did not fail the row for
 * it (a boolean field given `maybe`): the field is left out with a warning instead. `reason`: a value-free
 * explanation for logs and journals, when the failure is one of v2's value rules (src/v2/value-rules.ts).
 */
export type Converted =
  | { ok: true; value: string | number | boolean | string[] | DecimalLiteral | { id: string } }
  | { ok: false; drop?: true; reason?: string };

const INTEGER = /^-?\d+(\.0+)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DIGITS = /^\d+$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const fail: Converted = { ok: false };

/** True for a value that looks like a v2 record or user id (digits only). */
export function isIdLike(value: string): boolean {
  return DIGITS.test(value);
}

/** True for a value shaped like an e-mail address (`local@domain`, no spaces): how v1 told an owner's e-mail from a name. */
export function isEmailLike(value: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(value);
}

const TRUE_TEXT = /^(true|1|on|yes)$/i;
const FALSE_TEXT = /^(false|0|off|no)?$/i;

/**
 * A v1 boolean field value (issue 16 item 2): `true`/`1`/`on`/`yes` → true, `false`/`0`/`off`/`no`/empty → false,
 * any case (HTML check boxes send `on`, PHP sends `1`); any other text → undefined.
 */
export function legacyBoolean(value: string): boolean | undefined {
  const v = value.trim();
  if (TRUE_TEXT.test(v)) return true;
  if (FALSE_TEXT.test(v)) return false;
  return undefined;
}

/** `MM/dd/yyyy` or `yyyy-MM-dd` → `yyyy-MM-dd`, undefined when not a real date. */
export function convertDate(value: string): string | undefined {
  let y: number, mo: number, d: number;
  const us = US_DATE.exec(value);
  const iso = ISO_DATE.exec(value);
  if (us) [mo, d, y] = [+us[1], +us[2], +us[3]];
  else if (iso) [y, mo, d] = [+iso[1], +iso[2], +iso[3]];
  else return undefined;
  if (!isValidDate(y, mo, d)) return undefined;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A decimal text → number (exact) or DecimalLiteral, or undefined when not `-?\d+(\.\d+)?`. */
export function convertDecimal(value: string): number | DecimalLiteral | undefined {
  return DECIMAL.test(value) ? decimalValue(value) : undefined;
}

/**
 * Convert a non-empty, trimmed v1 value for `field`. Lookups here take an id (pseudo-fields); names are
 * resolved by the planner before this is called.
 */
export function convertValue(field: FieldMeta, value: string, timeZone: string): Converted {
  switch (field.dataType) {
    case 'integer': {
      if (!INTEGER.test(value)) return fail;
      const n = Number(value.replace(/\.0+$/, ''));
      return Number.isSafeInteger(n) ? { ok: true, value: n } : fail;
    }
    case 'double':
    case 'currency':
    case 'percent':
    case 'decimal': {
      const v = convertDecimal(value);
      return v === undefined ? fail : { ok: true, value: v };
    }
    case 'bigint':
      return /^-?\d+$/.test(value) ? checkedText(field, value) : fail;
    case 'boolean': {
      const b = legacyBoolean(value);
      return b === undefined ? { ok: false, drop: true } : { ok: true, value: b };
    }
    case 'date': {
      const d = convertDate(value);
      return d === undefined ? fail : { ok: true, value: d };
    }
    case 'datetime': {
      const iso = legacyDateTimeToIso(value, timeZone);
      return iso === undefined ? fail : { ok: true, value: iso };
    }
    case 'multiselectpicklist':
      return {
        ok: true,
        value: value
          .split(';')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      };
    case 'lookup':
    case 'ownerlookup':
    case 'userlookup':
      return isIdLike(value) ? { ok: true, value: { id: value } } : fail;
    default:
      // text, textarea, email, phone, website, picklist (unknown values pass: v2 accepts them) …
      return checkedText(field, value);
  }
}

/**
 * A text value as sent, unless v2 refuses it for certain (src/v2/value-rules.ts: an e-mail that is no address, a
 * value over the field's length): then a failure, so the row fails with 4832 before anything is sent.
 */
function checkedText(field: FieldMeta, value: string): Converted {
  const refusal = v2TextRefusal(field, value);
  return refusal ? { ok: false, reason: describeRefusal(refusal) } : { ok: true, value };
}

/** The v2 json_type a converted value has, for checks and property tests. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'jsonarray';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'object' && value !== null && 'text' in value && typeof (value as { text: unknown }).text === 'string') return 'double';
  return 'jsonobject';
}
