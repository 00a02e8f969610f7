/**
 * `journal.values`: how much of the records' data a journal keeps on disk.
 *
 * - `full` (default): everything — xmlData, the v2 bodies, trace examples, name-resolution values. Replay needs it.
 * - `hashed`: every value replaced by `h:` + 16 hex of its SHA-256, so equal values stay recognisable across
 *   entries (which record was sent twice) without being readable; xmlData is dropped (a hash of the whole
 *   document tells nothing). Short or guessable values (an e-mail from a known list) can still be found by
 *   hashing candidates: pseudonymisation, not encryption.
 * - `none`: no value at all: field names, row numbers, codes, ids the bridge created, counts and timings only.
 *
 * Record ids (`id`, `{id}` lookups, created ids) are kept in every mode: they are the key to reconcile by and
 * carry no personal data. Entries that lost values are marked `values: "hashed" | "none"`, so replay can refuse
 * them instead of sending placeholders.
 */
import { createHash } from 'node:crypto';
import type { JournalEntry, JournalOutcomeEntry, JournalRequestEntry } from './types.js';

export const JOURNAL_VALUES = ['full', 'hashed', 'none'] as const;
export type JournalValues = (typeof JOURNAL_VALUES)[number];

/** `h:` + the first 16 hex digits of SHA-256 of the text. */
export function hashValue(text: string): string {
  return `h:${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)}`;
}

/** Keys whose values are record ids or protocol words, never record data. */
const KEEP_KEYS = new Set(['id', 'trigger', 'duplicate_check_fields', 'se_module', '$se_module']);

function mask(value: unknown, mode: 'hashed' | 'none', key?: string): unknown {
  if (key !== undefined && KEEP_KEYS.has(key)) return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, mode));
  if (value !== null && typeof value === 'object') {
    // DecimalLiteral (exact decimals) is a value, not a structure.
    if ('text' in value && Object.keys(value).length === 1) return mode === 'none' ? null : hashValue(String((value as { text: string }).text));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mask(v, mode, k);
    return out;
  }
  if (typeof value === 'boolean' || value === null || value === undefined) return value;
  return mode === 'none' ? null : hashValue(String(value));
}

function maskText(text: string | undefined, mode: 'hashed' | 'none'): string | undefined {
  return text === undefined ? undefined : mode === 'none' ? undefined : hashValue(text);
}

/** A field trace with its examples (values) masked. */
function maskTrace(trace: NonNullable<JournalRequestEntry['trace']>, mode: 'hashed' | 'none'): NonNullable<JournalRequestEntry['trace']> {
  return trace.map((t) => ({
    ...t,
    fields: t.fields.map(({ example, ...f }) => {
      const masked = maskText(example, mode);
      return masked === undefined ? f : { ...f, example: masked };
    }),
  }));
}

function request(entry: JournalRequestEntry, mode: 'hashed' | 'none'): JournalRequestEntry {
  const { xmlData: _dropped, ...rest } = entry;
  return {
    ...rest,
    values: mode,
    ...(entry.plan ? { plan: { ...entry.plan, ...(entry.plan.bodies ? { bodies: entry.plan.bodies.map((b) => mask(b, mode)) } : {}) } } : {}),
    // Warning messages quote the value (`Account Name "Acme" given by name only`): keep the kind and label only.
    ...(entry.warnings ? { warnings: entry.warnings.map((w) => ({ ...w, message: `${w.kind}${w.label ? `: ${w.label}` : ''}` })) } : {}),
    ...(entry.trace ? { trace: maskTrace(entry.trace, mode) } : {}),
  };
}

/** A journaled v1 row `{fields:[{label, value, raw?}]}`: labels and id pseudo-fields kept, values masked. */
function maskRow(row: unknown, mode: 'hashed' | 'none'): unknown {
  const fields = (row as { fields?: unknown })?.fields;
  if (!Array.isArray(fields)) return mask(row, mode);
  return {
    ...(row as object),
    fields: fields.map((f: { label?: unknown; value?: unknown; raw?: unknown }) =>
      f.raw === true ? f : { ...f, value: Array.isArray(f.value) ? f.value.map((p) => maskRow(p, mode)) : mask(f.value, mode) },
    ),
  };
}

/** Read parameters that carry record data (search values), masked like the values they search for. */
const READ_VALUE_PARAMS = ['criteria', 'searchcondition', 'searchvalue'];

function outcome(entry: JournalOutcomeEntry, mode: 'hashed' | 'none'): JournalOutcomeEntry {
  if (entry.xmlData !== undefined || entry.trace) {
    // A write refused locally: its xmlData is dropped and its trace masked, as a request line's would be.
    const { xmlData: _dropped, ...rest } = entry;
    entry = { ...rest, values: mode, ...(entry.trace ? { trace: maskTrace(entry.trace, mode) } : {}) };
  }
  const readValues = entry.read?.records !== undefined || READ_VALUE_PARAMS.some((p) => entry.params?.[p] !== undefined);
  if (!entry.resolutions?.length && !readValues) return entry;
  let params = entry.params;
  if (READ_VALUE_PARAMS.some((p) => params?.[p] !== undefined)) {
    params = { ...params };
    for (const p of READ_VALUE_PARAMS) if (params[p] !== undefined) params[p] = maskText(params[p], mode) ?? '';
  }
  return {
    ...entry,
    values: mode,
    params,
    ...(entry.resolutions?.length ? { resolutions: entry.resolutions.map((r) => ({ ...r, value: maskText(r.value, mode) ?? '' })) } : {}),
    ...(entry.read?.records !== undefined ? { read: { ...entry.read, records: entry.read.records.map((r) => maskRow(r, mode)) } } : {}),
  };
}

/** The entry as the journal may keep it under `mode` (the same object for `full`). */
export function applyJournalValues(entry: JournalEntry, mode: JournalValues): JournalEntry {
  if (mode === 'full') return entry;
  return entry.type === 'request' ? request(entry, mode) : outcome(entry, mode);
}
