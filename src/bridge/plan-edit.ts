/** Small pure edits of a V2Plan that the bridge makes after upstream lookups (duplicate pre-check). */
import type { V2Plan, V2Request } from '../mapping/types.js';
import { writeCredits } from '../v2/modules.js';

/** The plan with the given row indexes taken out of every request (requests left empty are dropped). */
export function withoutRows(plan: V2Plan, skip: ReadonlySet<number>): V2Plan {
  if (skip.size === 0) return plan;
  const requests: V2Request[] = [];
  for (const req of plan.requests) {
    const rows: number[] = [];
    const data: V2Request['body']['data'] = [];
    req.rows.forEach((rowIndex, i) => {
      if (skip.has(rowIndex)) return;
      rows.push(rowIndex);
      data.push(req.body.data[i]);
    });
    if (rows.length > 0) requests.push({ ...req, rows, body: { ...req.body, data } });
  }
  return { ...plan, requests };
}

/** Credits the requests cost (src/v2/modules.ts `writeCredits` per request). */
export function creditsFor(requests: readonly V2Request[]): number {
  return requests.reduce((sum, r) => sum + writeCredits(r.body.data.length), 0);
}
