import type { ProfilePermissions } from './access.js';
import type { LooseEquals } from './search.js';

/**
 * Public option types of the v2 sandbox (the local Zoho CRM v2 emulator). Defaults follow docs/PROTOCOL.md §12;
 * every alternative there is an option here.
 */

export interface SandboxOAuthClient {
  clientId: string;
  clientSecret: string;
  /** `scopes`: what access tokens minted from it may do (see access.ts). Default: every scope (DEFAULT_SCOPES). */
  refreshTokens: { token: string; userId: string; scopes?: string[] }[];
  /** Authorization codes accepted (once each) by grant_type=authorization_code. */
  grantCodes?: { code: string; userId: string; redirectUri?: string; scopes?: string[] }[];
}

/** What a deterministic "fail the next N write requests" does. */
export type FailKind =
  | '500'
  /** Concurrency 429 with its headers. */
  | '429'
  /** Credits-exhausted 429 with its headers (reset `creditsResetMs` from now). */
  | '429-credits'
  | 'reset'
  | 'slow'
  | 'invalid-token'
  /** 401 AUTHENTICATION_FAILURE. */
  | 'authentication-failure'
  /** 401 OAUTH_SCOPE_MISMATCH. */
  | 'scope-mismatch'
  /** 403 NO_PERMISSION naming the permission the call needed. */
  | 'no-permission';

export interface FailNext {
  count: number;
  kind: FailKind;
  /** true: the write is applied first and THEN the failure is answered ("in doubt" for the client). */
  applyAfterProcessing?: boolean;
  /** Which requests count: 'writes' (POST/PUT/DELETE under /crm/v2, default) or 'all' (GETs too). */
  requests?: 'writes' | 'all';
}

export interface SandboxFaults {
  /** Added to every affected request, in ms. */
  latencyMs?: number;
  /** 0..1 → 500 INTERNAL_ERROR. */
  errorRate?: number;
  /** 0..1 → the socket is destroyed without an answer. */
  resetRate?: number;
  /** 0..1 → answered only after `slowMs` (meant to exceed the client's timeout). */
  slowRate?: number;
  /** Delay of slow answers, ms. Default 30000. */
  slowMs?: number;
  /** 0..1 → 429 TOO_MANY_REQUESTS (the concurrency kind, with its headers). */
  rateLimitRate?: number;
  /** Reset time of an injected credits-exhausted 429, ms from now. Default 3600000. */
  creditsResetMs?: number;
  /** One-shot: invalidate every live access token now. */
  revokeAllTokens?: boolean;
  /** Apply latency and random faults only to write calls (POST/PUT under /crm/v2). Default false. */
  onlyWrites?: boolean;
  /** Seed of the PRNG behind the rates, so a run is reproducible. Default 1. */
  faultSeed?: number;
  /** Fail the next `count` write requests with `kind` (checked before the random rates). */
  failNext?: FailNext;
  /**
   * v2 search index lag (PROTOCOL-READS §6.3): a record becomes visible to `GET /crm/v2/{M}/search` only this
   * many ms after it was created (GET by id and list reads see it at once). Updated values are searchable at
   * once (the index lag of updates is not emulated). Default 0: no lag.
   */
  searchLagMs?: number;
}

export interface SandboxOptions {
  /** v2 metadata directory (modules.json, fields/{api}.json, users.json). Default: the bundled snapshot. */
  metadataDir?: string;
  /** Records are loaded from this JSON file at start and saved after every change (debounced) and on close. */
  dataFile?: string;
  /** OAuth clients. Default: one demo client (see DEMO_CLIENT) owned by the first user of users.json. */
  clients?: SandboxOAuthClient[];
  /** Access-token lifetime. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Live access tokens per refresh token; minting one more invalidates the oldest. Default 30. */
  maxTokensPerRefreshToken?: number;
  /** Token answer form: 'modern' `expires_in` seconds (default) or 'legacy' `expires_in_sec` + `expires_in` in ms. */
  tokenResponseForm?: 'modern' | 'legacy';
  /** Base URL given as `api_domain`. Default: derived from the token request (`http://host:port`). */
  apiDomain?: string;
  /**
   * Status of an insert whose records all succeeded. 'v2-doc' (default): 201 for one record, 202 for more than
   * one, as v2's status-code page documents ("201 CREATED: request fulfilled for single record insertion",
   * "202 ACCEPTED: … multiple records insertion") and seed 000 shows; 'seed' is the older name of the same rule;
   * 'always-201': 201 whatever the count (what some 2021+ orgs answer).
   */
  insertStatus?: 'v2-doc' | 'seed' | 'always-201';
  /** HTTP status of a batch where some records failed and some succeeded. Default 207. */
  mixedStatus?: 207 | 202 | 200;
  /** Status of an upsert whose records were all inserted. Default 200. */
  upsertInsertedStatus?: 200 | 201;
  /** Every record failed: 'data' = 400 `{"data":[…]}` (default); 'top-level' = 400 with the first error object. */
  allFailedShape?: 'data' | 'top-level';
  /** Insert also rejects duplicates of the module's system duplicate-check field (§9.7). Default false. */
  enforceSystemDuplicates?: boolean;
  /** Add `"module"` to DUPLICATE_DATA details. Default false (`{"api_name","id"}`). */
  duplicateDetailsWithModule?: boolean;
  /** Unknown id on update: details `{"api_name":"id"}` (default 'api_name') or `{}` ('empty'). */
  invalidIdDetails?: 'api_name' | 'empty';
  /** 2016/17 style lower-case detail keys (`created_time` …). Default false. */
  lowerCaseDetailKeys?: boolean;
  /** Module names in paths match case-insensitively (default) or exactly ('strict'). */
  moduleNames?: 'case-insensitive' | 'strict';
  /** Reject picklist values that are not in the metadata. Default false (v2 accepts them). */
  rejectUnknownPicklistValues?: boolean;
  /**
   * Per-org layout-mandatory fields added to the §9.7 set, by module api_name.
   * Default `{ Leads: ['Company'] }` (§12). Pass `{}` for the bare §9.7 set.
   */
  layoutMandatory?: Record<string, string[]>;
  /**
   * What each CRM profile (by name, as in users.json) may do per module api_name; a call outside it answers
   * 403 NO_PERMISSION. Default: every profile may do everything.
   */
  profilePermissions?: ProfilePermissions;
  /**
   * How `equals` matches in a criteria search of several conditions (v2 documents it as looser than in a
   * single-condition search: "ABC" also finds "ABC Inc"). Default 'word-prefix'; 'prefix'; 'exact' (older sandbox).
   */
  looseEquals?: LooseEquals;
  /** Concurrent requests per (user, OAuth client); the next one gets 429. Default off. */
  concurrencyLimit?: number;
  /** Rolling-24h credit budget: ceil(n/10) (max 10) per write, 1 per other call. Default off. */
  creditsPerDay?: number;
  faults?: SandboxFaults;
  /** Leading digits of generated record ids (ids are 19-digit strings). Default "3652397000". */
  idSeed?: string;
  /** Clock, ms since the epoch. Default Date.now. Token expiry, record times and credits use it. */
  now?: () => number;
  /** Maximum request body size (express notation). Default "10mb". */
  bodyLimit?: string;
}

/** The demo OAuth client used when `clients` is not given (local use only; documented in README). */
export const DEMO_CLIENT = {
  clientId: '1000.SANDBOXDEMOCLIENT',
  clientSecret: 'sandbox-demo-secret',
  refreshToken: '1000.sandboxdemo.refreshtoken',
  grantCode: '1000.sandboxdemo.grantcode',
} as const;
