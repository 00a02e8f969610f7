/**
 * Building v2 search `criteria` (docs/PROTOCOL.md §9.8): escaping, conditions, `or` groups, and the limits Zoho
 * puts on one expression. The one definition shared by the bridge's look-ups and the emulator's parser.
 */

/** Longest criteria parameter Zoho accepts, in characters (after URL decoding). */
export const MAX_CRITERIA_LENGTH = 2000;
/** Conditions per criteria expression: Zoho documents at most 10. */
export const MAX_CONDITIONS = 10;

/** v2 criteria values escape `\`, `(`, `)` and `,` with a backslash. */
export function escapeCriteriaValue(value: string): string {
  return value.replace(/[\\(),]/g, (c) => `\\${c}`);
}

/** `(field:equals:value)` with the value escaped. */
export function criteriaEquals(field: string, value: string): string {
  return `(${field}:equals:${escapeCriteriaValue(value)})`;
}

/** Conditions joined by `or`: one condition stays as it is, several become `((a)or(b))`. */
export function criteriaOr(conditions: readonly string[]): string {
  return conditions.length === 1 ? conditions[0] : `(${conditions.join('or')})`;
}

/** Values searched together, and the criteria expression that finds them. */
export interface CriteriaBatch {
  values: string[];
  criteria: string;
}

/** `field equals value` for each value, grouped into as few criteria expressions as the limits allow. */
export function criteriaValueBatches(field: string, values: readonly string[]): CriteriaBatch[] {
  const batches: CriteriaBatch[] = [];
  let current: { values: string[]; conds: string[] } = { values: [], conds: [] };
  for (const value of values) {
    const cond = criteriaEquals(field, value);
    const next = [...current.conds, cond];
    if (current.conds.length > 0 && (next.length > MAX_CONDITIONS || criteriaOr(next).length > MAX_CRITERIA_LENGTH)) {
      batches.push({ values: current.values, criteria: criteriaOr(current.conds) });
      current = { values: [value], conds: [cond] };
    } else {
      current = { values: [...current.values, value], conds: next };
    }
  }
  if (current.conds.length > 0) batches.push({ values: current.values, criteria: criteriaOr(current.conds) });
  return batches;
}

/** The criteria expressions of criteriaValueBatches. */
export function criteriaBatches(field: string, values: readonly string[]): string[] {
  return criteriaValueBatches(field, values).map((b) => b.criteria);
}
