/**
 * The journal: one JSONL line per event, redacted. Every call that goes upstream writes a `request` line BEFORE
 * the first v2 call and an `outcome` line after; a `request` with no `outcome` (after a crash) is "in doubt".
 * Calls answered without going upstream (bad authtoken, unsupported method, malformed xmlData …) write only an
 * `outcome` line. Outcome lines repeat the call summary so readers (report, replay) never need to join for it.
 */
import type { LegacyResult } from '../legacy/types.js';
import type { ActionOperation } from '../mapping/action-plan.js';
import type { V2Operation } from '../mapping/types.js';
import type { JournalWrite } from './writes.js';

export interface JournalClient {
  /** Remote address as the proxy saw it. */
  address?: string;
  userAgent?: string;
  /** `fp:` + 12 hex of SHA-256(authtoken): identifies an integration without revealing its token. */
  tokenFingerprint?: string;
}

export interface JournalCallSummary {
  /**
   * Unique id of this call (a UUID the proxy draws per call; the log field `reqId`). Never the client's
   * X-Request-Id: clients reuse theirs ("nightly-sync"), and readers pair request and outcome lines by this id.
   */
  id: string;
  /** The client's X-Request-Id header, when it sent a sane one (also echoed in the answer's X-Request-Id). */
  clientRequestId?: string;
  /** ISO time the line was written. */
  ts: string;
  client: JournalClient;
  /** Credential profile name (not a secret). */
  profile?: string;
  format: 'xml' | 'json';
  /** v1 module and method as the client sent them. */
  module: string;
  method: string;
  /** Request path (the response uri). */
  path: string;
  /** Parameters without secrets and without xmlData (lower-cased names). */
  params: Record<string, string>;
}

export interface JournalV2Call {
  method: string;
  path: string;
  status?: number;
  durationMs: number;
  attempts: number;
  error?: string;
}

export interface JournalRowOutcome {
  no: string;
  /** Legacy row code: 2000/2001/2002 or the legacy error code. */
  code: string;
  /** v2 record id created/updated/found. */
  id?: string;
  message?: string;
}

export interface JournalDuplicate {
  no: string;
  field: string;
  existingId: string;
  /**
   * 'search' = found by the pre-check's search, 'recent' = a record this deployment wrote or found lately (read
   * by id: v2 search may not show it yet), 'unique' = v2 DUPLICATE_DATA, 'batch' = an earlier row of the same call.
   */
  via: 'search' | 'recent' | 'unique' | 'batch';
}

export interface JournalResolution {
  kind: 'owner' | 'lookup' | 'note-parent';
  field?: string;
  module?: string;
  value: string;
  id?: string;
  /** Why it did not resolve: 'no-match', 'several-matches', 'create-failed'; or 'created' (with `id`). */
  reason?: string;
  /** Lookups only: answered from the lookup cache, no search made. */
  cached?: boolean;
  /** Unresolved lookups only: what the row did, sent without the lookup (`skip`) or failed with 4832 (`error`). */
  policy?: 'skip' | 'error';
}

/** v2 actions journaled like writes (deleteRecords, updateRelatedRecords, delink, convertLead, files, photos). */
export type JournalActionOperation = ActionOperation;

/** Every JournalActionOperation, to tell an action's journal line from a record write's. */
export const JOURNAL_ACTION_OPERATIONS: ReadonlySet<string> = new Set<JournalActionOperation>([
  'delete', 'relate', 'delink', 'convert', 'upload-file', 'delete-file', 'upload-photo', 'delete-photo',
]);

/** True when a journaled `plan.operation` is an action (not a record insert/update/upsert). */
export const isActionOperation = (operation: string): operation is JournalActionOperation => JOURNAL_ACTION_OPERATIONS.has(operation);

export interface JournalRequestEntry extends JournalCallSummary {
  type: 'request';
  /** Set when `journal.values` kept no values in clear (journal/values.ts): replay cannot resend this entry. */
  values?: 'hashed' | 'none';
  /**
   * Set on the lines of a v2 write made on behalf of another call (its `id`): a record created by
   * `lookupPolicy: create` before the call's own writes. Such lines are not calls of their own.
   */
  parentId?: string;
  /** Why a `parentId` write was made: `lookup-create`. */
  purpose?: 'lookup-create';
  xmlData?: string;
  plan?: {
    /** A record write, or one of the actions of docs/PROTOCOL-READS.md §7, §11–§13. */
    operation: V2Operation | JournalActionOperation;
    module: string;
    /** `path` includes the query string of actions (`/crm/v2/Leads?ids=…&wf_trigger=false`). */
    requests: { method: string; path: string; records: number }[];
    /**
     * The v2 bodies (null for requests without one), so replay can resend exactly what was meant. An
     * `upload-file` by link journals `{"attachmentUrl": "…"}` (sent as that multipart field); a file upload null.
     */
    bodies?: unknown[];
    /** Uploads: the files sent. Their bytes are not journaled, so an upload cannot be replayed. */
    files?: { fileName: string; contentType: string; size: number }[];
  };
  warnings?: { kind: string; row?: string; label?: string; message: string }[];
  /**
   * Label → api_name trace (for migration reports). The proxy writes one entry with `no: "*"` for all rows of
   * the call: each distinct (label, apiName, outcome) once, with `count` = how many rows had it and the first
   * example. Entries without `count` count once (per-row traces, as older journals and the converter write).
   */
  trace?: { no: string; fields: { label: string; apiName?: string; outcome: string; example?: string; count?: number }[] }[];
}

export interface JournalOutcomeEntry extends JournalCallSummary {
  /**
   * A write refused locally before anything was sent (a value v2 refuses for certain, a missing mandatory field):
   * there is no `request` line, so the outcome carries the call's xmlData and its folded field trace (as a request
   * line would), for reports to show which label failed and why. Masked by `journal.values` like a request's.
   */
  xmlData?: string;
  trace?: JournalRequestEntry['trace'];
  type: 'outcome';
  /** Set when `journal.values` kept no values in clear (journal/values.ts). */
  values?: 'hashed' | 'none';
  /** As on the request line: the call this write was made for. */
  parentId?: string;
  purpose?: 'lookup-create';
  durationMs: number;
  /** Did this call reach the upstream at all? */
  upstream: boolean;
  v2Calls: JournalV2Call[];
  /** The legacy answer: kind and top-level code/message for errors. */
  legacy: { kind: LegacyResult['kind']; code?: string; message?: string };
  rows: JournalRowOutcome[];
  /**
   * Read methods (getRecords, getRecordById, searchRecords, getFields …): rows (or users, modules, fields) answered,
   * decisions worth knowing (ignored labels, clamped windows, sort downgrades, scan ceilings) and — only with
   * `journal.readRecords` — the v1 rows themselves.
   */
  read?: { rows: number; notes?: string[]; records?: unknown[] };
  /** The write may have been applied although the client got an error: reconcile by hand. */
  inDoubt?: boolean;
  /** Decisions of action calls (per-id delete failures, dropped labels, unknown assignTo …). */
  notes?: string[];
  /** Ids created by a call that answered with an error (default-version multi-row partial failure). */
  createdIds?: string[];
  /**
   * The rows behind `createdIds`: applied in v2 although the client got an error. A client that retries the
   * whole call duplicates them; replay skips them.
   */
  createdRows?: { no: string; id: string }[];
  /**
   * What each v2 write request of the plan did, by index into the request line's `plan.requests` (requests
   * not listed were not sent). Replay reads this to skip what is done and hold what is in doubt.
   */
  writes?: JournalWrite[];
  duplicates?: JournalDuplicate[];
  resolutions?: JournalResolution[];
  /** Credits this call spent upstream (ceil(records/10) per write, 1 per metadata/search call). */
  credits?: number;
  /** Non-secret error text for bridge/upstream failures. */
  error?: string;
  /**
   * When not a translated write: 'unsupported-method', 'bad-request', 'auth' …; refusals at the HTTP layer:
   * 'method-not-allowed', 'header-overflow', 'unparseable-request', 'header-timeout', 'body-incomplete',
   * 'shutting-down' (the reason of zbridge_rejected_requests_total).
   */
  category?: string;
  /** Refusals at the HTTP layer: the request's HTTP method (capped at 20 characters). */
  httpMethod?: string;
  /**
   * Refusals at the HTTP layer: the HTTP status answered (200 with a legacy error, 405, 408, 503 with the legacy
   * 4500); 0 = no answer, the connection was dropped (a body cut short).
   */
  httpStatus?: number;
  /** Unauthenticated rejects left out of the journal (sampled) since the previous one written. */
  suppressedRejects?: number;
}

export type JournalEntry = JournalRequestEntry | JournalOutcomeEntry;

/** Whether the journal can take lines now (/readyz). */
export interface JournalHealth {
  ok: boolean;
  /** Why not (non-secret), when not ok. */
  error?: string;
}

export interface Journal {
  /** Writes one line; throws when it cannot (the caller must then not write upstream). */
  append(entry: JournalEntry): void;
  /** Writable now? Absent = always. */
  check?(): JournalHealth;
  /** Resolves when everything appended so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
