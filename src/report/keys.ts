/**
 * Values an owner needs to find a record by hand (in-doubt calls), and value-free templates of v2 bodies
 * (porting kits made with `--no-examples`).
 */
import { NAME_FIELDS } from '../v2/modules.js';
import { duplicateCheckField } from '../mapping/index.js';

/** Name-like fields tried after the module's duplicate-check field and its name field (first present wins). */
const NAME_LIKE = ['First_Name', 'Last_Name', 'Subject', 'Event_Title', 'Note_Title', 'Name'];
const MAX_KEYS = 4;
const MAX_ROWS = 20;

/**
 * Per record (row order), the duplicate-check field and the record's name fields that have a value:
 * `[{no:"1", values:{Email:"a@b.example", Last_Name:"Smith"}}]`, plus the record `id` of updates (from the
 * record, or `pathId` from `PUT /crm/v2/{M}/{id}`). Values are shown as the client sent them.
 */
export function keyValues(
  module: string,
  records: readonly Record<string, unknown>[] | undefined,
  pathId?: string,
): { no: string; values: Record<string, string> }[] | undefined {
  if (!records?.length) return undefined;
  const wanted = ['id', duplicateCheckField(module), NAME_FIELDS[module], ...NAME_LIKE].filter((f): f is string => !!f && f !== 'Full_Name');
  const out: { no: string; values: Record<string, string> }[] = [];
  records.slice(0, MAX_ROWS).forEach((record, i) => {
    const values: Record<string, string> = {};
    if (pathId && records.length === 1) values.id = pathId;
    for (const field of wanted) {
      if (Object.keys(values).length >= MAX_KEYS) break;
      const v = record[field];
      if (typeof v === 'string' && v !== '' && !(field in values)) values[field] = v;
      else if (typeof v === 'number') values[field] = String(v);
    }
    if (Object.keys(values).length) out.push({ no: String(i + 1), values });
  });
  return out.length ? out : undefined;
}

/**
 * A v2 body with every value replaced by a `{{path}}` placeholder (`{{Last_Name}}`, `{{Owner.id}}`,
 * `{{Product_Details[].quantity}}`), keeping keys, nesting and booleans' and arrays' shape. `trigger` and
 * `duplicate_check_fields` are protocol, not data, and stay.
 */
export function placeholders(body: unknown): unknown {
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.slice(0, 1).map((e) => walk(e, `${path}[]`));
    if (v !== null && typeof v === 'object' && !('text' in v && Object.keys(v).length === 1)) {
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) out[k] = walk(e, path ? `${path}.${k}` : k);
      return out;
    }
    return `{{${path}}}`;
  };
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === 'data' && Array.isArray(v)) out.data = v.slice(0, 1).map((r) => walk(r, ''));
    else out[k] = v;
  }
  return out;
}
