/**
 * The small interfaces the bridge needs from whoever runs it (the proxy's server/ implements them; tests and
 * embedders may pass their own). bridge/ imports nothing from server/: these are the seams.
 */

/** Structured log sink (a pino Logger satisfies it): `fields` first, then the message. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A labelled counter (a prom-client Counter satisfies it). */
export interface CounterPort {
  inc(labels: Record<string, string | number>, value?: number): void;
}

/** The label values of one call's counters: module, method and legacy code, as the metrics owner bounds them. */
export interface CallLabels {
  module: string;
  method: string;
  code: string;
}

/**
 * The call metrics the bridge records (server/metrics.ts ProxyMetrics implements them): `countCall` counts one
 * answered call and returns the label values it used (the access line logs the same), `callLabels` gives them
 * without counting; `rows` {module, code}, `unsupported` {method}, `inDoubt` {profile}.
 */
export interface CallMetrics {
  countCall(module: string, method: string, code: string): CallLabels;
  callLabels(module: string, method: string, code: string): CallLabels;
  rows: CounterPort;
  unsupported: CounterPort;
  /** Requests refused before authentication, by reason (`zbridge_rejected_requests_total`). */
  rejected?: CounterPort;
  inDoubt: CounterPort;
  /** A module an authenticated call resolved in the org's metadata: named in labels from now on (else `other`). */
  knowModule?(name: string): void;
}

/** Legacy authtoken → credential profile name (server/auth.ts AuthtokenIndex implements it). */
export interface AuthLookup {
  /** The profile this token selects, or undefined (unknown or missing token). */
  lookup(token: string | undefined): string | undefined;
  /** Whether a path segment is an accepted token (to scrub it); may skip hashing what cannot be one. @default lookup(candidate) !== undefined */
  isAccepted?(candidate: string): boolean;
}
