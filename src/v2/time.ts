/**
 * Time-zone arithmetic with Intl only (no dependency), and instants as v2 writes them: ISO 8601 with the zone's
 * offset and no milliseconds. The v1 wall-clock forms live in src/mapping/time.ts.
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

export interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallPartsAt(epochMs: number, timeZone: string): WallParts {
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

export const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

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

/**
 * The instant a wall-clock time in `timeZone` denotes. In a DST gap the time shifts forward (02:30 that does
 * not exist becomes 03:30); in an overlap the earlier offset wins (docs/PROTOCOL.md §8).
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
