/**
 * duplicateCheck=1 as v1 kept it (issue 8): before inserting, look each row's duplicate-check value up in v2
 * (v2 insert alone only rejects user-defined unique fields, so a second Lead with the same Email would simply be
 * created). Rows found answer "already exists" / 2002 with the existing record; rows of the same call that
 * repeat an earlier row's value follow that row, as v1 processing rows in order would have.
 *
 * v2 search is read page by page until `more_records` is false (within v2's search ceiling), and its answers
 * are filtered exactly: in a multi-condition criteria v2's `equals` also matches longer values (issue 16 item 12).
 */
import type { JournalDuplicate } from '../journal/types.js';
import { UpstreamError } from '../errors.js';
import type { ExistingRecord, V2Plan, V2Record } from '../mapping/types.js';
import type { ZohoClient } from '../zoho/client.js';
import { criteriaEquals, criteriaValueBatches, type CriteriaBatch } from '../v2/criteria.js';
import { fetchRecord, searchAllPages } from '../zoho/records.js';
import { normaliseSearchValue } from './resolve.js';

export { criteriaBatches } from '../v2/criteria.js';

export interface DuplicatePrecheck {
  /** Row index → the record that already exists upstream. */
  existing: Map<number, ExistingRecord>;
  /** Row index → index of the earlier row of this call with the same value. */
  followers: Map<number, number>;
  found: JournalDuplicate[];
  /** v2 search/GET calls made (credits: 1 each). */
  searches: number;
}

/** Values compare as v2 search does: trimmed, case-insensitive. */
export const normaliseDuplicateValue = normaliseSearchValue;

/**
 * The distinct duplicate-check values of a plan's rows, normalised as v2 search compares them: the keys a
 * duplicate-checked insert holds (KeyedLock) from its pre-check until its writes are answered.
 */
export function duplicateCheckValues(plan: V2Plan): string[] {
  const values = new Set<string>();
  for (const row of plan.rows) {
    if (row.record && row.duplicateCheckValue !== undefined && row.duplicateCheckValue.trim() !== '') {
      values.add(normaliseDuplicateValue(row.duplicateCheckValue));
    }
  }
  return [...values];
}

/**
 * The records one batch of values may match, every page of them. A batch whose loose matches overflow the
 * search ceiling is searched again one value at a time. A single value that still overflows without an exact
 * match within reach cannot be checked: the call fails (4500) rather than risk inserting a duplicate.
 */
async function searchBatch(
  client: ZohoClient,
  module: string,
  field: string,
  batch: CriteriaBatch,
  count: (calls: number) => void,
): Promise<V2Record[]> {
  const single = batch.values.length === 1;
  // `email=` is the documented way to find an e-mail; a criteria is used for everything else.
  const query = single && field === 'Email' ? { email: batch.values[0] } : { criteria: batch.criteria };
  const found = await searchAllPages(client, module, query);
  count(found.calls);
  if (found.complete) return found.records;
  if (!single) {
    const perValue = await Promise.all(
      batch.values.map((value) => searchBatch(client, module, field, { values: [value], criteria: criteriaEquals(field, value) }, count)),
    );
    return perValue.flat();
  }
  const wanted = normaliseDuplicateValue(batch.values[0]);
  const exact = found.records.filter((r) => typeof r[field] === 'string' && normaliseDuplicateValue(r[field] as string) === wanted);
  if (exact.length > 0) return exact;
  throw new UpstreamError(`duplicate check of ${module}.${field}: more than ${found.records.length} search results and no exact match within reach`, {
    status: 200,
  });
}

/**
 * The records a duplicate-checked insert's rows already have upstream.
 * @param recent the id of a record this deployment wrote or found lately with that value (LookupCache
 *   .recentRecord), asked before the search: v2 search trails writes by a minute or two (PROTOCOL-READS §6.3).
 *   A remembered record is read by id (1 credit) and used only when it still holds the value; otherwise the
 *   value is searched as usual. @default none (search only)
 */
export async function precheckDuplicates(
  plan: V2Plan,
  client: ZohoClient,
  recent: (value: string) => Promise<string | undefined> = async () => undefined,
): Promise<DuplicatePrecheck> {
  const result: DuplicatePrecheck = { existing: new Map(), followers: new Map(), found: [], searches: 0 };
  const field = plan.duplicateCheckField;
  if (!field) return result;

  // First row per distinct value leads; later rows with the same value follow it.
  const leaders = new Map<string, number>();
  const valueByKey = new Map<string, string>();
  for (const row of plan.rows) {
    if (!row.record || row.duplicateCheckValue === undefined || row.duplicateCheckValue.trim() === '') continue;
    const key = normaliseDuplicateValue(row.duplicateCheckValue);
    const leader = leaders.get(key);
    if (leader === undefined) {
      leaders.set(key, row.index);
      valueByKey.set(key, row.duplicateCheckValue.trim());
    } else {
      result.followers.set(row.index, leader);
    }
  }
  if (leaders.size === 0) return result;

  const matches = new Map<string, ExistingRecord>();
  const remembered = new Set<string>();
  await Promise.all(
    [...valueByKey].map(async ([key, value]) => {
      const id = await recent(value);
      if (id === undefined) return;
      result.searches += 1;
      const record = (await fetchRecord(client, plan.module, id)) as ExistingRecord | undefined;
      // Deleted or changed elsewhere since: the search decides.
      if (!record || typeof record[field] !== 'string' || normaliseDuplicateValue(record[field] as string) !== key) return;
      matches.set(key, { ...record, id: String(record.id ?? id) });
      remembered.add(key);
    }),
  );
  const values = [...valueByKey].filter(([key]) => !remembered.has(key)).map(([, value]) => value);
  const answers = await Promise.all(
    criteriaValueBatches(field, values).map((batch) => searchBatch(client, plan.module, field, batch, (n) => (result.searches += n))),
  );
  for (const records of answers) {
    // Exact post-filter: a multi-condition `equals` also finds longer values ("ABC" finds "ABC Inc").
    for (const record of records as ExistingRecord[]) {
      const v = record[field];
      if (typeof v !== 'string') continue;
      const key = normaliseDuplicateValue(v);
      if (!leaders.has(key) || remembered.has(key)) continue;
      // Several existing matches: v1 reported one; take the oldest, as v2 upsert does.
      const seen = matches.get(key);
      if (!seen || String(record.Created_Time ?? '') < String(seen.Created_Time ?? '')) matches.set(key, record);
    }
  }

  // v2 search answers carry times and user names; fetch the record only where they are missing.
  const found = [...leaders].filter(([key]) => matches.has(key));
  const completed = await Promise.all(
    found.map(async ([key]) => {
      const match = matches.get(key)!;
      if (match.Created_Time && match.Created_By) return match;
      result.searches += 1;
      return ((await fetchRecord(client, plan.module, String(match.id))) as ExistingRecord | undefined) ?? match;
    }),
  );
  found.forEach(([key, leaderIndex], i) => {
    const complete = completed[i];
    const rows = [leaderIndex, ...[...result.followers].filter(([, leader]) => leader === leaderIndex).map(([row]) => row)];
    for (const row of rows.sort((a, b) => a - b)) {
      result.existing.set(row, complete);
      result.followers.delete(row);
      result.found.push({ no: plan.rows[row].no, field, existingId: String(complete.id), via: remembered.has(key) ? 'recent' : 'search' });
    }
  });
  result.found.sort((a, b) => rowOrder(plan, a.no) - rowOrder(plan, b.no));
  return result;
}

const rowOrder = (plan: V2Plan, no: string): number => plan.rows.findIndex((r) => r.no === no);
