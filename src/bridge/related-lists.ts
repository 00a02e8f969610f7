/**
 * Which v2 related list of a parent module holds a child module's records (docs/PROTOCOL-READS.md §11): the live
 * `GET /crm/v2/settings/related_lists?module={Parent}`, cached per profile and parent, else the lists derived from
 * the bundled snapshot (v2/related-lists.ts). Shared by getRelatedRecords, updateRelatedRecords and delink.
 */
import { CallRejected } from '../mapping/translate.js';
import { relatedListFor } from '../mapping/actions.js';
import type { ModuleMeta } from '../mapping/types.js';
import type { ProfileRuntime } from '../upstream.js';
import { asObject, asText } from '../v2/answers.js';
import { relatedListsOf, type RelatedListDef } from '../v2/related-lists.js';
import { bundledSnapshot } from '../v2/snapshot.js';

/** How long a parent's related-list metadata is reused (ms). @default 600000 (10 min, like field metadata) */
export const RELATED_LISTS_TTL_MS = 10 * 60_000;

export class RelatedListCache {
  private readonly entries = new Map<string, { at: number; lists: RelatedListDef[] }>();

  constructor(private readonly ttlMs = RELATED_LISTS_TTL_MS) {}

  /**
   * The related list of `parent` holding `child` records. Throws a 4600 "parentModule"/"relatedModule" rejection
   * (`parameter`) when the parent has none.
   */
  async find(profile: ProfileRuntime, parent: ModuleMeta, child: ModuleMeta, parameter = 'relatedModule'): Promise<RelatedListDef> {
    const list = relatedListFor(await this.listsOf(profile, parent), child);
    if (!list) {
      throw new CallRejected({ reason: 'bad-parameter', parameter, category: 'bad-request', detail: `${parent.apiName} has no related list of ${child.apiName}` });
    }
    return list;
  }

  /** Every related list of `parent` (live metadata, else the snapshot's). */
  async listsOf(profile: ProfileRuntime, parent: ModuleMeta): Promise<RelatedListDef[]> {
    const key = `${profile.name}\u0000${parent.apiName}`;
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.at <= this.ttlMs) return cached.lists;
    let lists: RelatedListDef[] | undefined;
    try {
      const res = await profile.client.get('/crm/v2/settings/related_lists', { module: parent.apiName });
      const raw = asObject(res.body)?.related_lists;
      if (res.status === 200 && Array.isArray(raw)) {
        lists = raw
          .map((r) => asObject(r))
          .filter((r): r is Record<string, unknown> => r !== undefined && typeof r.api_name === 'string')
          .map((r) => ({ api_name: r.api_name as string, display_label: asText(r.display_label), module: asText(r.module), kind: 'lookup' as const }));
      }
    } catch {
      lists = undefined; // offline or refused: the snapshot's lists below
    }
    if (!lists) {
      const snap = bundledSnapshot();
      lists = relatedListsOf(parent.apiName, snap.modules, snap.fields);
    }
    this.entries.set(key, { at: Date.now(), lists });
    return lists;
  }
}
