import type { LegacyCall, LegacyField, LegacyRow, ParsedXmlData } from '../../src/legacy/types.js';
import { Schema } from '../../src/mapping/schema.js';
import type { PlanContext } from '../../src/mapping/plan.js';

export const schema = Schema.bundled();
export const TZ = 'America/Los_Angeles';

export function call(module: string, method: string, params: Record<string, string> = {}): LegacyCall {
  return { format: 'xml', module, method, path: `/crm/private/xml/${module}/${method}`, params };
}

/** A row from [label, value] pairs. */
export function row(no: string, ...pairs: [string, LegacyField['value']][]): LegacyRow {
  return { no, fields: pairs.map(([label, value]) => ({ label, value })) };
}

export function parsed(...rows: LegacyRow[]): ParsedXmlData {
  return { root: 'X', rows, droppedRows: 0 };
}

export function ctx(extra: Partial<PlanContext> = {}): PlanContext {
  return { schema, timeZone: TZ, ...extra };
}
