/**
 * The one error hierarchy of zbridge. Every error knows which side is at fault, whether retrying can help,
 * and the legacy (v1) error it becomes when it reaches an old client. Map to v1 codes here, once.
 */
import { legacyErrors, type LegacyError } from './legacy/errors.js';

export type FaultSide = 'client' | 'upstream' | 'bridge';

export interface ZbridgeErrorOptions {
  side: FaultSide;
  /** True when the same request may succeed if sent again (429, connection refused before sending …). */
  retryable?: boolean;
  /** The v1 answer; defaults to 4500 "Problem occured while processing the request". */
  legacy?: LegacyError;
  cause?: unknown;
}

export class ZbridgeError extends Error {
  readonly side: FaultSide;
  readonly retryable: boolean;
  readonly legacy: LegacyError;

  constructor(message: string, options: ZbridgeErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.side = options.side;
    this.retryable = options.retryable ?? false;
    this.legacy = options.legacy ?? legacyErrors.internal();
  }
}

/** The legacy request itself is wrong: bad path, parameter, xmlData, module, authtoken. Never retryable. */
export class LegacyRequestError extends ZbridgeError {
  constructor(message: string, legacy: LegacyError, cause?: unknown) {
    super(message, { side: 'client', retryable: false, legacy, cause });
  }
}

/** v2 (or the OAuth server) failed or refused. `inDoubt` = the write may have been applied anyway. */
export class UpstreamError extends ZbridgeError {
  readonly status?: number;
  readonly v2Code?: string;
  readonly inDoubt: boolean;

  constructor(
    message: string,
    options: Omit<ZbridgeErrorOptions, 'side'> & { status?: number; v2Code?: string; inDoubt?: boolean },
  ) {
    super(message, { ...options, side: 'upstream' });
    this.status = options.status;
    this.v2Code = options.v2Code;
    this.inDoubt = options.inDoubt ?? false;
  }
}

/** Invalid configuration: names the offending option so start-up can stop with a clear message. */
export class ConfigError extends ZbridgeError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`config: ${option}: ${message}`, { side: 'bridge', retryable: false });
    this.option = option;
  }
}

/** Any thrown value → the legacy error an old client understands (4500 for anything unexpected). */
export function toLegacyError(error: unknown): LegacyError {
  return error instanceof ZbridgeError ? error.legacy : legacyErrors.internal();
}
