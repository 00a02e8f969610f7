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

interface ParamSpec {
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

export type WriteParamsResult = { ok: true; params: WriteParams } | { ok: false; error: LegacyError; parameter: string; value: string };

/**
 * Reads and checks the write parameters of `params` (keys lower-cased, as LegacyCall.params). Values are
 * trimmed first. The first wrong parameter, in the order of WRITE_PARAMS, answers.
 */
export function readWriteParams(method: string, params: Readonly<Record<string, string>>, options: WriteParamOptions = {}): WriteParamsResult {
  const emptyIsAbsent = options.emptyIsAbsent ?? true;
  const seen = new Map<string, string>();
  for (const spec of WRITE_PARAMS) {
    if (!spec.methods.has(method)) continue;
    const raw = params[spec.name.toLowerCase()];
    if (raw === undefined) continue;
    const value = raw.trim();
    if (value === '' && emptyIsAbsent) continue;
    const ok = spec.values === 'boolean' ? /^(true|false)$/i.test(value) : spec.values.includes(value);
    if (!ok) return { ok: false, error: legacyErrors.badParameter(spec.name), parameter: spec.name, value: raw };
    seen.set(spec.name, spec.values === 'boolean' ? value.toLowerCase() : value);
  }
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
