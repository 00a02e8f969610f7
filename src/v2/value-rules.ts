/**
 * Value rules v2 enforces on record writes that can be checked without the org (docs/PROTOCOL.md §8, §9.3): the
 * one owner of each rule, shared by the emulator (which refuses such values with INVALID_DATA), the planner
 * (src/mapping/values.ts: the proxy refuses them before sending anything, so a default-version multi-row call is
 * never half-applied for them — breaker finding 13) and thereby the offline converter, which plans as the proxy.
 * Only what v2 refuses for certain belongs here: a value v2 accepts must pass (v1 took it too).
 */

/** What v2 accepts in an `email` field: one address, no spaces (`automation@crm.com 1` is refused). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True when v2 takes `value` in a field of data_type `email` (the empty string clears the field). */
export function isV2Email(value: string): boolean {
  return value === '' || EMAIL.test(value);
}

/** The field facts the rules need, in v2 metadata terms (`data_type`, `json_type`, `length` of /settings/fields). */
export interface V2ValueField {
  dataType: string;
  jsonType?: string | null;
  /** Maximum length v2 takes, in characters; absent, null or 0: no limit known. */
  length?: number | null;
}

/**
 * Why v2 refuses a text value (INVALID_DATA), or undefined when it takes it:
 * - `maximum_length`: a text field (json_type `string`; text, textarea, email, phone, website, picklist) holding
 *   more characters than the field's `length` (v2 details `{"maximum_length":N,"api_name":…}`); characters are Unicode code points, the
 *   smaller count, so a value is never refused for its UTF-16 length;
 * - `email`: an `email` field whose value is not one address (isV2Email).
 */
export type V2ValueRefusal = { rule: 'maximum_length'; maximumLength: number } | { rule: 'email' };

/**
 * Data types whose `length` is a number of characters v2 enforces. Not bigint (a 19-digit id fits a field whose
 * metadata says 18), nor dates, numbers, lookups or arrays, whose `length` says something else.
 */
const TEXT_TYPES = new Set(['text', 'textarea', 'email', 'phone', 'website', 'picklist']);

/** The rule v2 refuses `value` of `field` by (see V2ValueRefusal), or undefined. Linear in the value's length. */
export function v2TextRefusal(field: V2ValueField, value: string): V2ValueRefusal | undefined {
  const max = field.length;
  if (field.jsonType === 'string' && TEXT_TYPES.has(field.dataType) && typeof max === 'number' && max > 0 && value.length > max) {
    // UTF-16 length over the limit: count code points (an astral character is one character).
    let count = 0;
    for (const _ of value) if (++count > max) return { rule: 'maximum_length', maximumLength: max };
  }
  if (field.dataType === 'email' && !isV2Email(value)) return { rule: 'email' };
  return undefined;
}

/** A short, value-free explanation of a refusal for logs, journals and convert outputs. */
export function describeRefusal(refusal: V2ValueRefusal): string {
  return refusal.rule === 'email'
    ? 'not an e-mail address v2 accepts (one address, no spaces)'
    : `longer than the ${refusal.maximumLength} characters v2 accepts in this field`;
}
