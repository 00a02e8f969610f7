/**
 * Value rules v2 enforces on record writes that can be checked without the org: shared by the emulator (which
 * refuses them with INVALID_DATA) and the offline converter (which warns about them before a replay does).
 */

/** What v2 accepts in an `email` field: one address, no spaces (`automation@crm.com 1` is refused). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True when v2 takes `value` in a field of data_type `email` (the empty string clears the field). */
export function isV2Email(value: string): boolean {
  return value === '' || EMAIL.test(value);
}
