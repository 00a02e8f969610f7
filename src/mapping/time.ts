/**
 * Time-zone arithmetic with Intl only (no dependency): v1 speaks wall-clock `yyyy-MM-dd HH:mm:ss` in the API
 * user's IANA zone, v2 speaks ISO 8601 with that zone's offset and no milliseconds.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (validate configuration with this). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallPartsAt(epochMs: number, timeZone: string): WallParts {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour === 24 ? 0 : parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** Offset of `timeZone` from UTC at the instant `epochMs`, in minutes (east positive). */
export function offsetMinutesAt(epochMs: number, timeZone: string): number {
  const w = wallPartsAt(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60000);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An instant as v2 writes it: `2018-03-27T19:20:28+05:30` in `timeZone` (no milliseconds). */
export function formatIsoInZone(epochMs: number, timeZone: string): string {
  const w = wallPartsAt(epochMs, timeZone);
  const off = offsetMinutesAt(epochMs, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${formatOffset(off)}`;
}

/** An instant as v1 writes it: `2015-04-15 07:39:49` in `timeZone`, no offset. */
export function formatLegacyInZone(epochMs: number, timeZone: string): string {
  const w = wallPartsAt(epochMs, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/**
 * The instant a wall-clock time in `timeZone` denotes. In a DST gap the time shifts forward (02:30 that does
 * not exist becomes 03:30); in an overlap the earlier offset wins (PROTOCOL.md §8).
 */
export function wallTimeToEpoch(w: WallParts, timeZone: string): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // Candidate offsets: those in force a day either side cover every real transition.
  const offsets = new Set([
    offsetMinutesAt(naive - 86_400_000, timeZone),
    offsetMinutesAt(naive, timeZone),
    offsetMinutesAt(naive + 86_400_000, timeZone),
  ]);
  const matches: number[] = [];
  for (const off of offsets) {
    const candidate = naive - off * 60000;
    if (offsetMinutesAt(candidate, timeZone) === off) matches.push(candidate);
  }
  if (matches.length > 0) return Math.min(...matches); // overlap: the earlier instant = the earlier (larger) offset
  // Gap: interpret with the offset before the transition, which lands after the gap.
  const before = offsetMinutesAt(naive - 86_400_000, timeZone);
  return naive - before * 60000;
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
 * (PROTOCOL.md §3). Unparseable input is returned as is rather than lost.
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
