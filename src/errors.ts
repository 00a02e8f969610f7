/**
 * The one error hierarchy of zbridge. Every error knows which side is at fault, whether retrying can help and
 * WHY it happened (`reason`), nothing about any wire: the v1 code an old client sees is decided in exactly one
 * place, src/mapping/results.ts (`legacyErrorOf`), from the reason.
 */

export type FaultSide = 'client' | 'upstream' | 'bridge';

/**
 * Why a call (or one v2 request of it) failed, in zbridge's own terms. The v1 answer of each reason is the
 * table `REASON_TO_LEGACY` in src/mapping/results.ts.
 *
 * - `bad-path`           not a v1 API path (v1: 4600, the "method name,parameter" text)
 * - `unknown-module`     a module the org does not have (v1: 4600, same text)
 * - `bad-parameter`      a v1 parameter is missing or wrong; `ZbridgeError.parameter` names it (v1: 4600)
 * - `unsupported-method` a v1 method the bridge does not translate (v1: 4600)
 * - `unsupported-auth`   the pre-2012 ticket/apikey pair (v1 answered 4500 in practice)
 * - `invalid-authtoken`  missing or unknown legacy authtoken (v1: 4834)
 * - `oauth-refused`      the OAuth server refused the refresh token, or v2 kept refusing a fresh token: the bridge's
 *                        own credentials, not the client's authtoken (v1: 4500, not 4834)
 * - `rate-limited`       429 after the retry budget, local credit budget or queue full, accounts throttling (v1: 4820)
 * - `upstream-failed`    5xx, network failure, timeout, unparseable answer (v1: 4500)
 * - `invalid-config`     start-up configuration is wrong (v1: 4500 if it ever reached a client)
 * - `internal`           a bug or anything unexpected (v1: 4500)
 */
export type FailureReason =
  | 'bad-path'
  | 'unknown-module'
  | 'bad-parameter'
  | 'unsupported-method'
  | 'unsupported-auth'
  | 'invalid-authtoken'
  | 'oauth-refused'
  | 'rate-limited'
  | 'upstream-failed'
  | 'invalid-config'
  | 'internal';

export interface ZbridgeErrorOptions {
  side: FaultSide;
  /** Why it failed. @default 'internal' */
  reason?: FailureReason;
  /** True when the same request may succeed if sent again (429, connection refused before sending …). @default false */
  retryable?: boolean;
  /** For `bad-parameter`: the v1 parameter name ("xmlData", "id", "scope" …). */
  parameter?: string;
  /** A write may have been applied although it failed (5xx or reset after sending). @default false */
  inDoubt?: boolean;
  cause?: unknown;
}

export class ZbridgeError extends Error {
  readonly side: FaultSide;
  readonly retryable: boolean;
  readonly reason: FailureReason;
  readonly parameter?: string;
  readonly inDoubt: boolean;

  constructor(message: string, options: ZbridgeErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.side = options.side;
    this.retryable = options.retryable ?? false;
    this.reason = options.reason ?? 'internal';
    if (options.parameter !== undefined) this.parameter = options.parameter;
    this.inDoubt = options.inDoubt ?? false;
  }
}

/** The legacy request itself is wrong: bad path, parameter, xmlData, module, authtoken. Never retryable. */
export class LegacyRequestError extends ZbridgeError {
  constructor(message: string, reason: FailureReason, options: { parameter?: string; cause?: unknown } = {}) {
    super(message, { side: 'client', retryable: false, reason, ...options });
  }
}

/** v2 (or the OAuth server) failed or refused. `inDoubt` = the write may have been applied anyway. */
export class UpstreamError extends ZbridgeError {
  /** HTTP status of the answer, when there was one. */
  readonly status?: number;
  /** v2 `code` (or OAuth `error`) of the answer, when it had one. */
  readonly v2Code?: string;

  constructor(
    message: string,
    options: Omit<ZbridgeErrorOptions, 'side'> & { status?: number; v2Code?: string },
  ) {
    super(message, { ...options, reason: options.reason ?? 'upstream-failed', side: 'upstream' });
    this.status = options.status;
    this.v2Code = options.v2Code;
  }
}

/** Invalid configuration: names the offending option so start-up can stop with a clear message. */
export class ConfigError extends ZbridgeError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`config: ${option}: ${message}`, { side: 'bridge', retryable: false, reason: 'invalid-config' });
    this.option = option;
  }
}

/** The reason of any thrown value (`internal` for anything that is not a ZbridgeError). */
export function reasonOf(error: unknown): FailureReason {
  return error instanceof ZbridgeError ? error.reason : 'internal';
}
