/**
 * The boolean and enumerated parameters of the v1 write methods, checked the way v1 checked them (issue 16
 * item 1; PROTOCOL.md §2 "Parameters"). Booleans take `true`/`false` in any case; enumerations take only their
 * documented values. Anything else answers 4600 naming the parameter ("…appropriate for the "wfTrigger"
 * parameter."), before anything is sent: PHP's `true` becomes `wfTrigger=1` through http_build_query, and v1
 * refused exactly that. Pure: the planner (mapping/) calls it, so the proxy and the converter agree.
 */
import { legacyErrors, type LegacyError } from './errors.js';

/** The write methods' parameters as planning needs them. */
export interface WriteParams {
  /** `wfTrigger` (insert, update). @default false */
  wfTrigger: boolean;
  /** `isApproval` (insert; honoured on update too, as before). @default false */
  isApproval: boolean;
  /** `duplicateCheck` 1|2 (insert only; ignored on update [obs]). 0 = absent. @default 0 */
  duplicateCheck: 0 | 1 | 2;
  /** `newFormat` 1|2: 1 (and absent) leaves out fields whose value is the text `null`, 2 sends them as JSON null. @default 1 */
  newFormat: 1 | 2;
  /** `version` 1|2|4: 4 answers per row; 1 and 2 give the same shapes. @default 1 */
  version: 1 | 2 | 4;
}

export interface WriteParamOptions {
  /**
   * A parameter given with an empty value (`wfTrigger=`): true = as if absent (default; form builders send
   * empty fields for unset options), false = a wrong value (4600). v1's answer is not recorded.
   * @default true
   */
  emptyIsAbsent?: boolean;
}

export interface ParamSpec {
  /** Documented spelling: used in the 4600 message. */
  name: string;
  /** Methods that take the parameter; on other methods it is ignored, as v1 ignored unknown parameters. */
  methods: ReadonlySet<string>;
  /** Accepted values (lower case for booleans), or 'boolean'. */
  values: 'boolean' | readonly string[];
}

const BOTH = new Set(['insertRecords', 'updateRecords']);
const INSERT = new Set(['insertRecords']);

/** Every boolean and enumerated parameter of insertRecords / updateRecords (seeds 001, 003, 004). */
export const WRITE_PARAMS: readonly ParamSpec[] = [
  { name: 'wfTrigger', methods: BOTH, values: 'boolean' },
  { name: 'isApproval', methods: BOTH, values: 'boolean' },
  { name: 'duplicateCheck', methods: INSERT, values: ['1', '2'] },
  { name: 'newFormat', methods: BOTH, values: ['1', '2'] },
  { name: 'version', methods: BOTH, values: ['1', '2', '4'] },
];

/**
 * The boolean and enumerated parameters of the v1 record actions (PROTOCOL-READS §12): convertLead's `newFormat`
 * (how the potential row's `null` texts are sent) and `version`. The other actions (deleteRecords,
 * updateRelatedRecords, delink, the file and photo methods) document none: other parameters are ignored there, as
 * v1 ignored unknown parameters. convertLead's options inside xmlData are checked by `readV1Boolean`.
 */
export const ACTION_PARAMS: readonly ParamSpec[] = [
  { name: 'newFormat', methods: new Set(['convertLead']), values: ['1', '2'] },
  { name: 'version', methods: new Set(['convertLead']), values: ['1', '2', '4'] },
];

/** A parameter that has none of its documented values: the v1 4600 naming it. */
export interface ParamRefusal {
  ok: false;
  error: LegacyError;
  /** Documented spelling of the parameter (or xmlData option). */
  parameter: string;
  value: string;
}

export type ParamsResult = { ok: true; values: ReadonlyMap<string, string> } | ParamRefusal;

/**
 * The one check of v1's boolean and enumerated parameters: each spec of `specs` that `method` takes, read from
 * `params` (keys lower-cased, as LegacyCall.params), trimmed; booleans `true`/`false` in any case, enumerations
 * only their values. The first wrong one, in the order of `specs`, answers 4600 naming it. `values` holds the
 * parameters given (booleans lower-cased), by documented name.
 */
export function checkParams(specs: readonly ParamSpec[], method: string, params: Readonly<Record<string, string>>, options: WriteParamOptions = {}): ParamsResult {
  const emptyIsAbsent = options.emptyIsAbsent ?? true;
  const seen = new Map<string, string>();
  for (const spec of specs) {
    if (!spec.methods.has(method)) continue;
    const raw = params[spec.name.toLowerCase()];
    if (raw === undefined) continue;
    const value = raw.trim();
    if (value === '' && emptyIsAbsent) continue;
    const ok = spec.values === 'boolean' ? readV1Boolean(value) !== undefined : spec.values.includes(value);
    if (!ok) return { ok: false, error: legacyErrors.badParameter(spec.name), parameter: spec.name, value: raw };
    seen.set(spec.name, spec.values === 'boolean' ? value.toLowerCase() : value);
  }
  return { ok: true, values: seen };
}

/** v1's boolean text: `true` / `false` in any case, surrounding whitespace ignored; anything else undefined. */
export function readV1Boolean(text: string): boolean | undefined {
  const v = text.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export type WriteParamsResult = { ok: true; params: WriteParams } | ParamRefusal;

/**
 * Reads and checks the write parameters of `params` (keys lower-cased, as LegacyCall.params). Values are
 * trimmed first. The first wrong parameter, in the order of WRITE_PARAMS, answers.
 */
export function readWriteParams(method: string, params: Readonly<Record<string, string>>, options: WriteParamOptions = {}): WriteParamsResult {
  const checked = checkParams(WRITE_PARAMS, method, params, options);
  if (!checked.ok) return checked;
  const seen = checked.values;
  return {
    ok: true,
    params: {
      wfTrigger: seen.get('wfTrigger') === 'true',
      isApproval: seen.get('isApproval') === 'true',
      duplicateCheck: seen.get('duplicateCheck') === '1' ? 1 : seen.get('duplicateCheck') === '2' ? 2 : 0,
      newFormat: seen.get('newFormat') === '2' ? 2 : 1,
      version: seen.get('version') === '4' ? 4 : seen.get('version') === '2' ? 2 : 1,
    },
  };
}
