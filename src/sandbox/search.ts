/**
 * GET /crm/v2/{M}/search: `criteria=`, `email=`, `phone=`, `word=` (that priority when several are given,
 * as Zoho documents). Criteria grammar (v2 search doc):
 *
 *   group     := "(" condition ")" | "(" group (("and"|"or") group)+ ")"
 *   condition := api_name ":" ("equals"|"starts_with") ":" value
 *
 * Escapes in a value (v2 search doc): `\(`, `\)`, `\,` and `\\` stand for `(`, `)`, `,` and `\`; a backslash
 * before any other character, or at the end of the value, is itself literal (never swallowed). An unescaped
 * comma separates alternative values (any may match); an unescaped `(` is an error. "and" binds tighter than
 * "or" when both appear in one group. At most 10 conditions; criteria longer than 2000 characters are refused.
 *
 * Matching is case-insensitive; lookups match by id or by name. `equals` is exact in a single-condition search;
 * in a search of several conditions v2 documents it as looser ("ABC" also finds "ABC Inc"), which
 * `looseEquals` emulates (see LooseEquals).
 */
import type { V2FieldJson } from '../v2/types.js';
import { MAX_CONDITIONS, MAX_CRITERIA_LENGTH } from '../v2/criteria.js';
import type { StoredRecord } from './store.js';

export { MAX_CONDITIONS, MAX_CRITERIA_LENGTH };

export interface Condition {
  kind: 'cond';
  field: string;
  operator: 'equals' | 'starts_with';
  /** Alternatives (unescaped-comma separated), already unescaped. */
  values: string[];
}
export type Criteria = Condition | { kind: 'and' | 'or'; parts: Criteria[] };

export class CriteriaError extends Error {
  constructor(readonly details: Record<string, unknown>) {
    super(String(details.reason));
  }
}

/** Parse a criteria string (already URL-decoded). Throws CriteriaError with v2-style details. */
export function parseCriteria(text: string): Criteria {
  if (text.length > MAX_CRITERIA_LENGTH) {
    throw new CriteriaError({ reason: `criteria exceeds the maximum length of ${MAX_CRITERIA_LENGTH} characters` });
  }
  let pos = 0;
  let conditions = 0;
  const src = text.trim();
  const skipSpace = (): void => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const fail = (reason: string): never => {
    throw new CriteriaError({ reason, index: pos });
  };

  const parseGroup = (): Criteria => {
    skipSpace();
    if (src[pos] !== '(') fail('expected "("');
    pos++;
    skipSpace();
    let result: Criteria;
    if (src[pos] === '(') {
      // A combination of groups.
      const orParts: Criteria[] = [];
      let andParts: Criteria[] = [parseGroup()];
      for (;;) {
        skipSpace();
        if (src[pos] === ')') break;
        const op = /^(and|or)/i.exec(src.slice(pos));
        if (!op) fail('expected "and" or "or"');
        pos += op![0].length;
        const next = parseGroup();
        if (op![0].toLowerCase() === 'and') andParts.push(next);
        else {
          orParts.push(andParts.length === 1 ? andParts[0] : { kind: 'and', parts: andParts });
          andParts = [next];
        }
      }
      orParts.push(andParts.length === 1 ? andParts[0] : { kind: 'and', parts: andParts });
      result = orParts.length === 1 ? orParts[0] : { kind: 'or', parts: orParts };
    } else {
      result = parseCondition();
      if (++conditions > MAX_CONDITIONS) {
        throw new CriteriaError({ reason: `more than ${MAX_CONDITIONS} criteria`, limit: MAX_CONDITIONS });
      }
    }
    skipSpace();
    if (src[pos] !== ')') fail('expected ")"');
    pos++;
    return result;
  };

  const parseCondition = (): Condition => {
    const colon1 = src.indexOf(':', pos);
    if (colon1 < 0) fail('expected "field:operator:value"');
    const field = src.slice(pos, colon1).trim();
    const colon2 = src.indexOf(':', colon1 + 1);
    if (colon2 < 0) fail('expected "field:operator:value"');
    const operator = src.slice(colon1 + 1, colon2).trim().toLowerCase();
    if (!field) fail('missing field');
    if (operator !== 'equals' && operator !== 'starts_with') {
      throw new CriteriaError({ reason: 'invalid operator found', api_name: field, operator });
    }
    pos = colon2 + 1;
    const values: string[] = [];
    let current = '';
    while (pos < src.length && src[pos] !== ')') {
      const c = src[pos];
      if (c === '\\') {
        const next = src[pos + 1];
        if (next === '(' || next === ')' || next === ',' || next === '\\') {
          current += next;
          pos += 2;
        } else {
          current += c; // a lone backslash is a literal backslash
          pos++;
        }
        continue;
      }
      if (c === '(') fail('unescaped "(" in value');
      if (c === ',') {
        values.push(current);
        current = '';
      } else current += c;
      pos++;
    }
    values.push(current);
    return { kind: 'cond', field, operator, values: values.map((v) => v.trim()) };
  };

  const tree = parseGroup();
  skipSpace();
  if (pos !== src.length) fail('unexpected text after the criteria');
  return tree;
}

/** Every field api_name a criteria tree refers to. */
export function criteriaFields(c: Criteria): string[] {
  return c.kind === 'cond' ? [c.field] : c.parts.flatMap(criteriaFields);
}

/** The strings a stored value can be matched as: text, numbers, booleans, lookup id and name, array items. */
function matchStrings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(matchStrings);
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return [o.id, o.name].filter((x): x is string => typeof x === 'string');
  }
  return [];
}

export function fieldValue(record: StoredRecord, field: string): unknown {
  if (field === 'id') return record.id;
  if (field === 'Owner') return { id: record.ownerId };
  return record.values[field];
}

/**
 * How `equals` matches inside a search of several conditions: 'word-prefix' (default) = the stored value equals
 * the wanted one or starts with it followed by a non-letter/digit ("ABC" finds "ABC Inc" and "ABC-2", not "ABCD");
 * 'prefix' = any stored value starting with it; 'exact' = as in a single-condition search.
 */
export type LooseEquals = 'word-prefix' | 'prefix' | 'exact';

/** Number of conditions in a criteria tree. */
export function conditionCount(c: Criteria): number {
  return c.kind === 'cond' ? 1 : c.parts.reduce((n, p) => n + conditionCount(p), 0);
}

function equalsMatch(stored: string, wanted: string, mode: LooseEquals): boolean {
  if (stored === wanted) return true;
  if (mode === 'exact' || !stored.startsWith(wanted) || wanted === '') return false;
  return mode === 'prefix' || !/[\p{L}\p{N}]/u.test(stored[wanted.length]);
}

/**
 * Does `record` satisfy `c`? `loose`: how `equals` matches (pass 'exact' for single-condition searches).
 * @default loose 'exact'
 */
export function matches(
  record: StoredRecord,
  c: Criteria,
  ownerName?: (id: string) => string | undefined,
  loose: LooseEquals = 'exact',
): boolean {
  if (c.kind !== 'cond') {
    return c.kind === 'and'
      ? c.parts.every((p) => matches(record, p, ownerName, loose))
      : c.parts.some((p) => matches(record, p, ownerName, loose));
  }
  const candidates = matchStrings(fieldValue(record, c.field)).map((s) => s.toLowerCase());
  if (c.field === 'Owner' && ownerName) {
    const n = ownerName(record.ownerId);
    if (n) candidates.push(n.toLowerCase());
  }
  return c.values.some((wanted) => {
    const w = wanted.toLowerCase();
    return candidates.some((s) => (c.operator === 'equals' ? equalsMatch(s, w, loose) : s.startsWith(w)));
  });
}

const phoneDigits = (s: string): string => s.replace(/[^\d+]/g, '');

/** `email=`: every email-type field, case-insensitive equality. */
export function matchesEmail(record: StoredRecord, fields: V2FieldJson[], email: string): boolean {
  const w = email.trim().toLowerCase();
  return fields
    .filter((f) => f.data_type === 'email')
    .some((f) => typeof record.values[f.api_name] === 'string' && (record.values[f.api_name] as string).toLowerCase() === w);
}

/** `phone=`: every phone-type field, compared on digits (and a leading +) only. */
export function matchesPhone(record: StoredRecord, fields: V2FieldJson[], phone: string): boolean {
  const w = phoneDigits(phone);
  if (!w) return false;
  return fields
    .filter((f) => f.data_type === 'phone')
    .some((f) => typeof record.values[f.api_name] === 'string' && phoneDigits(record.values[f.api_name] as string) === w);
}

/** `word=`: a case-insensitive substring of any text value (lookup names included). */
export function matchesWord(record: StoredRecord, word: string): boolean {
  const w = word.trim().toLowerCase();
  if (!w) return false;
  return Object.values(record.values).some((v) => matchStrings(v).some((s) => s.toLowerCase().includes(w)));
}
