/**
 * v1 speaks wall-clock `yyyy-MM-dd HH:mm:ss` in the API user's IANA zone, v2 speaks ISO 8601 with that zone's
 * offset and no milliseconds (src/v2/time.ts holds the zone arithmetic and the v2 form).
 */
import { formatIsoInZone, offsetMinutesAt, pad, wallPartsAt, wallTimeToEpoch } from '../v2/time.js';

export { isValidTimeZone, offsetMinutesAt, formatOffset, formatIsoInZone, wallTimeToEpoch } from '../v2/time.js';

/** An instant as v1 writes it: `2015-04-15 07:39:49` in `timeZone`, no offset. */
export function formatLegacyInZone(epochMs: number, timeZone: string): string {
  const w = wallPartsAt(epochMs, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

const LEGACY_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * v1 datetime (`yyyy-MM-dd HH:mm:ss`, user's zone) → v2 ISO with that zone's offset. An ISO value that
 * already has an offset passes through unchanged (minus milliseconds). Returns undefined when invalid.
 */
export function legacyDateTimeToIso(value: string, timeZone: string): string | undefined {
  const iso = ISO_WITH_OFFSET.exec(value);
  if (iso) {
    const [, y, mo, d, h, mi, s, off] = iso;
    if (!validWall(+y, +mo, +d, +h, +mi, +s)) return undefined;
    return `${y}-${mo}-${d}T${h}:${mi}:${s}${off === 'Z' ? '+00:00' : off}`;
  }
  const m = LEGACY_DATETIME.exec(value);
  if (!m) return undefined;
  const w = { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0) };
  if (!validWall(w.year, w.month, w.day, w.hour, w.minute, w.second)) return undefined;
  return formatIsoInZone(wallTimeToEpoch(w, timeZone), timeZone);
}

/**
 * v2 ISO time → v1 `yyyy-MM-dd HH:mm:ss` in `timeZone`. Without a zone, keep the v2 wall-clock part
 * (docs/PROTOCOL.md §3). Unparseable input is returned as is rather than lost.
 */
export function isoToLegacyDateTime(value: string, timeZone: string | undefined): string {
  // Hot path: every answer formats Created/Modified Time, mostly the same second in the same zone.
  const key = `${timeZone ?? ''}\u0000${value}`;
  const hit = legacyTimeMemo.get(key);
  if (hit !== undefined) return hit;
  const formatted = isoToLegacyDateTimeUncached(value, timeZone);
  if (legacyTimeMemo.size >= LEGACY_TIME_MEMO_SIZE) legacyTimeMemo.clear();
  legacyTimeMemo.set(key, formatted);
  return formatted;
}

const LEGACY_TIME_MEMO_SIZE = 1024;
const legacyTimeMemo = new Map<string, string>();

function isoToLegacyDateTimeUncached(value: string, timeZone: string | undefined): string {
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) return value;
  if (!timeZone) return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  const epoch = Date.parse(value);
  return Number.isNaN(epoch) ? value : formatLegacyInZone(epoch, timeZone);
}

function validWall(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** True when y-m-d is a real calendar date. */
export function isValidDate(y: number, mo: number, d: number): boolean {
  return validWall(y, mo, d, 0, 0, 0);
}
