/**
 * Reading v2 answers without casts (docs/PROTOCOL.md §9.2–§9.4): the `data[i]` entries of a write or read
 * answer, whether one entry is a success, the top-level `code`. Every reader tolerates any JSON value (a
 * strange answer reads as "no entries", never as an exception).
 */

/** A JSON object, or undefined for anything else (arrays, null, scalars). */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A string scalar as text: strings as they are, numbers in their JSON form, anything else ''. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** One `data[i]` entry of a write answer: `{code, details, message, status}` (upsert adds `action`, `duplicate_field`). */
export interface V2DataEntry {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  action?: unknown;
  details?: unknown;
  [key: string]: unknown;
}

/** The `data` array of an answer body, or undefined when the body has none (top-level error, 204, text). */
export function dataArray(body: unknown): unknown[] | undefined {
  const data = asObject(body)?.data;
  return Array.isArray(data) ? data : undefined;
}

/** The `data[i]` entries that are objects, aligned with `data` (non-objects become undefined). */
export function dataEntries(body: unknown): (V2DataEntry | undefined)[] {
  return (dataArray(body) ?? []).map((item) => asObject(item));
}

/** A `data[i]` entry that reports success (`status: "success"` or `code: "SUCCESS"`). */
export function isSuccess(entry: V2DataEntry): boolean {
  return asText(entry.status).toLowerCase() === 'success' || asText(entry.code) === 'SUCCESS';
}

/** The `code` of a `data[i]` entry or top-level error ('' when absent). */
export function entryCode(entry: V2DataEntry | undefined): string {
  return asText(entry?.code);
}

/** The `details` object of an entry ({} when absent). */
export function entryDetails(entry: V2DataEntry | undefined): Record<string, unknown> {
  return asObject(entry?.details) ?? {};
}

/** The record id a `data[i]` entry names in its details (created, updated or the existing duplicate), or ''. */
export function entryId(entry: V2DataEntry | undefined): string {
  return asText(entryDetails(entry).id);
}

/** The top-level v2 `code` of an answer, if it has one. */
export function v2CodeOf(body: unknown): string | undefined {
  const code = asObject(body)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The records of a read answer (`GET /crm/v2/{M}/{id}`, search): the object entries of `data`. */
export function dataRecords(body: unknown): Record<string, unknown>[] | undefined {
  const data = dataArray(body);
  return data?.filter((item): item is Record<string, unknown> => asObject(item) !== undefined);
}

/** `info.more_records` of a read answer: true only when v2 says more pages follow. */
export function moreRecords(body: unknown): boolean {
  return asObject(asObject(body)?.info)?.more_records === true;
}
