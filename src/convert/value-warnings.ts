/**
 * Offline warnings about values v2 will refuse although the conversion itself succeeded: an `Owner` id that is no
 * user of the metadata (the bundled snapshot or `--metadata`). Without them convert reports such rows `ok`, and
 * only a replay finds them refused with INVALID_DATA. Record ids (updates, lookups) cannot be checked offline and
 * are not. E-mails v2 does not take are no warning: the planner refuses them (4832, src/v2/value-rules.ts), as
 * the proxy does before sending.
 */
import type { Schema } from '../mapping/index.js';
import type { MappingWarning, V2Plan } from '../mapping/types.js';

/**
 * Adds a `v2-will-reject` warning to each row of `plan` holding such a value. `userIds`: the metadata's user ids
 * (empty = no users known: owners are not checked). The value itself is not quoted (warnings reach summaries).
 */
export function addValueWarnings(plan: V2Plan, schema: Schema, userIds: ReadonlySet<string>): void {
  const module = schema.module(plan.module);
  if (!module) return;
  for (const row of plan.rows) {
    if (!row.record) continue;
    const add = (w: Omit<MappingWarning, 'kind' | 'row'>) => row.warnings.push({ kind: 'v2-will-reject', row: row.no, ...w });
    for (const [api, value] of Object.entries(row.record)) {
      const label = row.trace.find((t) => t.apiName === api)?.label ?? module.fieldsByApiName.get(api)?.label ?? api;
      const ownerId = api === 'Owner' && value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
      if (typeof ownerId === 'string' && userIds.size > 0 && !userIds.has(ownerId)) {
        add({ label, message: `${label}: user id ${ownerId} is not a user of the metadata; v2 will answer INVALID_DATA unless the org has this user` });
      }
    }
  }
}
