/**
 * "What to fix first": problems counted per kind and per integration, ranked by damage — silent data loss, then
 * failed calls and rows, then warnings; within a class by the share of traffic affected (rows or calls), then
 * by count. A field dropped on 60,000 of 60,006 rows ranks above a failure on one row.
 */
import type { FixItem, ProblemClass, ProblemKind, ProblemSource } from './types.js';

const CODE_ACTIONS: Record<string, string> = {
  '4832': "Send values in the field's format (see the porting kit's conversion rules).",
  '4401': 'Send every mandatory field (see the v2 mandatory set of the module).',
  '4891': 'Send every mandatory field (see the v2 mandatory set of the module).',
  '4600': 'Fix the request: method and module names are case-sensitive; xmlData must be well-formed with at least one row; updates need a numeric id.',
  '4425': 'version=4 update rows need <FL val="Id"> (exact case) with an existing record id.',
  '4834': "The integration's authtoken is unknown to the bridge: add it (or its SHA-256) to a credential profile.",
  '4819': 'A unique field clashes with an existing record: deduplicate or use duplicateCheck=2 (upsert).',
  '4820': "Rate limit reached: spread the calls or raise the org's API credits.",
  '4500': 'Upstream or bridge failure: check the journal errors and the v2 org status, then replay.',
  '4502': 'The module is not available through the v2 API of this edition.',
  // Requests refused at the HTTP layer (journal `httpStatus`, no legacy code).
  'HTTP 405': 'Send the call with GET or POST: v1 took no other HTTP method.',
  'HTTP 408': 'The client sends its request line and headers too slowly (limits.headersTimeoutMs): check its network.',
  'no answer': 'The body did not arrive whole (limits.requestTimeoutMs, or the client went away): nothing was processed; check the network and send it again.',
};

export function codeAction(code: string): string {
  return CODE_ACTIONS[code] ?? 'See the journal for the affected calls.';
}

const CLASS_RANK: Record<ProblemClass, number> = { 'data-loss': 0, failed: 1, warning: 2 };
const MAX_LOCATIONS = 5;
const MAX_SOURCES = 20;

interface Problem {
  class: ProblemClass;
  kind: ProblemKind;
  module?: string;
  unit: 'rows' | 'calls' | 'inputs';
  /** Builds the title from the final count. */
  title: (count: number) => string;
  action: string;
  count: number;
  bySource: Map<string, { count: number; locations: string[] }>;
}

export interface ProblemSpec {
  key: string;
  class: ProblemClass;
  kind: ProblemKind;
  module?: string;
  unit: 'rows' | 'calls' | 'inputs';
  title: (count: number) => string;
  action: string;
}

/** Problems keyed by what they are (kind + module + label/code …); bounded by the distinct problems seen. */
export class ProblemRegistry {
  private readonly problems = new Map<string, Problem>();
  /** At most this many distinct problems are tracked; later new ones are pooled per kind. */
  constructor(private readonly maxProblems = 5000) {}

  add(spec: ProblemSpec, integration: string, location: string | undefined, n = 1): string {
    let key = spec.key;
    if (!this.problems.has(key) && this.problems.size >= this.maxProblems) key = `(more)\u0000${spec.kind}`;
    let p = this.problems.get(key);
    if (!p) {
      p = { ...spec, count: 0, bySource: new Map() };
      if (key !== spec.key) {
        p.module = undefined;
        p.title = (c) => `${c} more ${spec.unit} affected by further problems of kind ${spec.kind}`;
      }
      this.problems.set(key, p);
    }
    p.count += n;
    const s = p.bySource.get(integration) ?? { count: 0, locations: [] };
    s.count += n;
    if (location && s.locations.length < MAX_LOCATIONS && !s.locations.includes(location)) s.locations.push(location);
    p.bySource.set(integration, s);
    return key;
  }

  /** Ranked items (at most `limit`) and, per problem key, its index in the list. */
  rank(totals: { rows: number; calls: number }, limit = 50): { items: FixItem[]; index: Map<string, number> } {
    const scored = [...this.problems].map(([key, p]) => {
      const of = p.unit === 'rows' ? totals.rows : p.unit === 'calls' ? totals.calls : 0;
      const share = of > 0 ? Math.min(1, p.count / of) : undefined;
      return { key, p, share };
    });
    scored.sort(
      (a, b) =>
        CLASS_RANK[a.p.class] - CLASS_RANK[b.p.class] ||
        (b.share ?? 0) - (a.share ?? 0) ||
        b.p.count - a.p.count ||
        a.key.localeCompare(b.key),
    );
    const index = new Map<string, number>();
    const items = scored.slice(0, limit).map(({ key, p, share }, i) => {
      index.set(key, i);
      const sources: ProblemSource[] = [...p.bySource]
        .map(([integration, s]) => ({ integration, count: s.count, locations: s.locations }))
        .sort((a, b) => b.count - a.count || a.integration.localeCompare(b.integration))
        .slice(0, MAX_SOURCES);
      return {
        class: p.class,
        kind: p.kind,
        ...(p.module !== undefined ? { module: p.module } : {}),
        title: p.title(p.count),
        action: p.action,
        count: p.count,
        unit: p.unit,
        ...(share !== undefined ? { share } : {}),
        sources,
      } satisfies FixItem;
    });
    return { items, index };
  }
}
