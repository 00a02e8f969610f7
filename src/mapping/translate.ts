/**
 * The one way a legacy write call becomes a v2 plan, used by the proxy (bridge/pipeline.ts), the converter,
 * the report, replay and the benchmarks: checks (scope, method, module) → xmlData parse → plan.
 *
 * Two stages because the proxy resolves names over the network between them (owners by e-mail, Notes parents,
 * lookups by name): `prepareCall` (checks + parse) → the caller's resolutions → `planPrepared`. `translateCall`
 * chains both without resolutions, as the offline tools do. Never throws for bad input: a whole-call failure is a
 * `CallRejection` with its reason, the journal category and a non-secret detail.
 */
import { ZbridgeError, type FailureReason } from '../errors.js';
import type { LegacyError } from '../legacy/errors.js';
import type { LegacyCall, ParsedXmlData } from '../legacy/types.js';
import { parseXmlData, type XmlDataLimits } from '../legacy/xmldata.js';
import type { MappingOptions } from './fields.js';
import { planCall, type Resolutions } from './plan.js';
import { legacyErrorFor } from './results.js';
import type { Schema } from './schema.js';
import type { MappingWarning, ModuleMeta, V2Plan } from './types.js';
import { READ_METHODS } from './query.js';
import { planReadCall, type ReadPlan } from './read-plan.js';
import { ACTION_METHODS, isRefusal } from './actions.js';
import { planActionOffline, type ActionPlan } from './action-plan.js';
import { relatedListsOf, type RelatedListDef } from '../v2/related-lists.js';
import { bundledSnapshot } from '../v2/snapshot.js';

/**
 * v1 write methods the bridge translates through a plan (docs/PROTOCOL.md §1). Reads (READ_METHODS) and record
 * actions (ACTION_METHODS) have their own sets; isTranslatedMethod asks all three.
 */
export const TRANSLATED_METHODS: ReadonlySet<string> = new Set(['insertRecords', 'updateRecords']);

/**
 * Whether the proxy answers v1 `method` (case as sent): a write (TRANSLATED_METHODS), a read (READ_METHODS) or a
 * record action (ACTION_METHODS). Every other method answers 4600; reports count it as unsupported.
 */
export function isTranslatedMethod(method: string): boolean {
  return TRANSLATED_METHODS.has(method) || READ_METHODS.has(method) || ACTION_METHODS.has(method);
}

/**
 * What kind of whole-call failure a call met, as journals and reports label it:
 * `auth` (authtoken), `bad-request` (scope …), `unsupported-method`, `unknown-module`, `bad-xmldata`,
 * `plan` (the mapping refused the rows), `upstream`, `client`, `bridge` (a bug).
 */
export type CallCategory =
  | 'auth'
  | 'bad-request'
  | 'unsupported-method'
  | 'unknown-module'
  | 'bad-xmldata'
  | 'plan'
  | 'upstream'
  | 'client'
  | 'bridge'
  | 'oversize-body'
  /** The journal cannot take the call's lines: refused before anything is written (issue 13). */
  | 'journal'
  /** Offline only: the proxy translates the call live, its archived form cannot be converted (ActionRefusal.offline). */
  | 'offline';

/** A whole-call failure decided before any v2 request. */
export interface CallRejection {
  reason: FailureReason;
  /** For `bad-parameter`: the v1 parameter. */
  parameter?: string;
  category: CallCategory;
  /** Non-secret explanation (parser message …) for journals, logs and converter output. */
  detail: string;
}

/** A CallRejection as a thrown error (for callers that unwind, like the proxy pipeline). */
export class CallRejected extends ZbridgeError {
  readonly category: CallCategory;
  constructor(rejection: CallRejection) {
    super(rejection.detail, {
      side: rejection.category === 'bridge' || rejection.category === 'journal' ? 'bridge' : 'client',
      reason: rejection.reason,
      parameter: rejection.parameter,
    });
    this.category = rejection.category;
  }
}

export interface PrepareOptions {
  /** Refuse calls whose `scope` is not `crmapi` (the proxy does; archived payloads often omit it). @default false */
  requireScope?: boolean;
  /** xmlData parser limits (legacy/xmldata.ts DEFAULT_XMLDATA_LIMITS when absent). */
  xmlLimits?: XmlDataLimits;
}

export interface PreparedCall {
  call: LegacyCall;
  module: ModuleMeta;
  parsed: ParsedXmlData;
}

/** The checks that need no schema (scope, method): the proxy makes them before fetching metadata. */
export function checkCall(call: LegacyCall, options: Pick<PrepareOptions, 'requireScope'> = {}): CallRejection | undefined {
  const scope = options.requireScope ? checkScope(call) : undefined;
  if (scope) return scope;
  if (!TRANSLATED_METHODS.has(call.method)) {
    return { reason: 'unsupported-method', category: 'unsupported-method', detail: `v1 method ${call.method} is not translated` };
  }
  return undefined;
}

/** Every v1 API call carries `scope=crmapi` (docs/PROTOCOL.md §2); anything else answers 4600 "scope". */
export function checkScope(call: LegacyCall): CallRejection | undefined {
  if ((call.params.scope ?? '').toLowerCase() === 'crmapi') return undefined;
  return { reason: 'bad-parameter', parameter: 'scope', category: 'bad-request', detail: 'scope is not crmapi' };
}

/** Scope, method, module and xmlData checked, xmlData parsed; or why the call stops here. */
export function prepareCall(
  call: LegacyCall,
  schema: Schema | undefined,
  options: PrepareOptions = {},
): { ok: true; prepared: PreparedCall } | { ok: false; rejection: CallRejection } {
  const reject = (rejection: CallRejection) => ({ ok: false as const, rejection });
  const checked = checkCall(call, options);
  if (checked) return reject(checked);
  const module = schema?.resolveModule(call.module);
  if (!module) return reject({ reason: 'unknown-module', category: 'unknown-module', detail: `unknown module ${call.module}` });
  try {
    return { ok: true, prepared: { call, module, parsed: parseXmlData(call.xmlData, options.xmlLimits) } };
  } catch (error) {
    const e = error instanceof ZbridgeError ? error : undefined;
    return reject({
      reason: e?.reason ?? 'internal',
      parameter: e?.parameter,
      category: e ? 'bad-xmldata' : 'bridge',
      detail: (error as Error)?.message ?? String(error),
    });
  }
}

export interface TranslateContext {
  schema: Schema;
  /** The API user's IANA zone for v1 date-times. */
  timeZone: string;
  options?: MappingOptions;
  /** Names resolved by the caller (proxy); offline tools pass none and get `unresolved-*` warnings. */
  resolutions?: Resolutions;
  /**
   * The related lists of a parent module (v2 api_name), for the action calls (updateRelatedRecords, delink).
   * @default the lists derived from the bundled snapshot
   */
  relatedLists?: (parent: string) => RelatedListDef[];
}

/** Stage 2: the plan of a prepared call. Never throws: a bug in planning becomes a `bridge` rejection. */
export function planPrepared(prepared: PreparedCall, ctx: TranslateContext): { plan: V2Plan } | { rejection: CallRejection } {
  try {
    return { plan: planCall(prepared.call, prepared.parsed, ctx) };
  } catch (error) {
    return { rejection: { reason: 'internal', category: 'bridge', detail: (error as Error)?.message ?? String(error) } };
  }
}

export interface Translation {
  parsed?: ParsedXmlData;
  plan?: V2Plan;
  /** Whole-call failure before or during planning (also copied from plan.error). */
  error?: LegacyError;
  /** Extra, non-secret explanation of `error` (parser message …). */
  errorDetail?: string;
  /** What kind of whole-call failure this is. */
  category?: CallCategory;
  /** Read methods (getRecords & co): the v2 GET requests the call means, instead of a plan (PROTOCOL-READS). */
  read?: ReadPlan;
  /** Record actions (deleteRecords, updateRelatedRecords, delink, convertLead, files): their v2 requests. */
  action?: ActionPlan;
}

/**
 * One legacy call → its v2 plan, both stages, no name resolutions unless given: owners by e-mail, note parents
 * and lookups by name then come back as the mapping's `unresolved-*` warnings. Never throws for bad input.
 */
export function translateCall(call: LegacyCall, ctx: TranslateContext & PrepareOptions): Translation {
  if (READ_METHODS.has(call.method)) {
    const read = planReadCall(call, { schema: ctx.schema, timeZone: ctx.timeZone, options: ctx.options, relatedLists: ctx.relatedLists ?? bundledRelatedLists });
    return read.error ? { read, error: read.error, category: 'bad-request', ...(read.notes.length ? { errorDetail: read.notes.join('; ') } : {}) } : { read };
  }
  if (ACTION_METHODS.has(call.method)) {
    const scope = ctx.requireScope ? checkScope(call) : undefined;
    if (scope) return rejected(scope);
    const planned = planActionOffline(call, { schema: ctx.schema, timeZone: ctx.timeZone, options: ctx.options, xmlLimits: ctx.xmlLimits, relatedLists: ctx.relatedLists ?? bundledRelatedLists });
    if (!isRefusal(planned)) return { action: planned };
    const r = planned.refusal;
    const category: CallCategory = r.offline
      ? 'offline'
      : r.reason === 'unsupported-method'
        ? 'unsupported-method'
        : r.reason === 'unknown-module'
          ? 'unknown-module'
          : 'bad-request';
    return { error: r.legacy ?? legacyErrorFor(r.reason, r.parameter), errorDetail: r.detail, category };
  }
  const first = prepareCall(call, ctx.schema, ctx);
  if (!first.ok) {
    const r = first.rejection;
    // Offline, an unknown module is most often a custom module named by its label: say how to name it.
    return r.category === 'unknown-module'
      ? rejected({
          ...r,
          detail:
            `v1 module "${call.module}" is not a module of the metadata (module_name in modules.json); a custom module is ` +
            `named by its module_name (CustomModule1 …): give it with --module or the folder's index.json`,
        })
      : rejected(r);
  }
  const { parsed } = first.prepared;
  const second = planPrepared(first.prepared, ctx);
  if ('rejection' in second) return { parsed, ...rejected(second.rejection) };
  const { plan } = second;
  return plan.error ? { parsed, plan, error: plan.error, category: 'plan', ...(plan.reason ? { errorDetail: plan.reason } : {}) } : { parsed, plan };
}

/** The related lists of the bundled snapshot's modules. */
function bundledRelatedLists(parent: string): RelatedListDef[] {
  const snap = bundledSnapshot();
  return relatedListsOf(parent, snap.modules, snap.fields);
}

function rejected(r: CallRejection): Translation {
  return { error: legacyErrorFor(r.reason, r.parameter), errorDetail: r.detail, category: r.category };
}

/** Plan warnings plus row warnings, each once (the mapping may copy row warnings into the plan's). */
export function allWarnings(t: Translation): MappingWarning[] {
  const out: MappingWarning[] = [];
  const seen = new Set<string>();
  const add = (w: MappingWarning): void => {
    const key = `${w.kind}\u0000${w.row ?? ''}\u0000${w.label ?? ''}\u0000${w.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(w);
  };
  t.plan?.warnings.forEach(add);
  t.plan?.rows.forEach((r) => r.warnings.forEach(add));
  return out;
}
