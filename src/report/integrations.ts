/**
 * Integrations as the report tells them apart, and what it keeps per integration for its section and porting
 * kit: a journal integration is one (authtoken fingerprint, user agent, client address); a URL log's calls are
 * grouped by their authtoken's fingerprint (the token itself is never kept); payload files by their folder.
 */
import { READ_METHODS } from '../mapping/query.js';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Schema } from '../mapping/index.js';
import { placeholders } from './keys.js';
import { conversionRule, requiredScopes, v2Equivalent } from './porting.js';
import type { ConversionFailure, FieldStatus, IntegrationKind, IntegrationRow, MethodUse, RepresentativeRequest } from './types.js';

export interface CallSource {
  kind: 'xml' | 'urls' | 'journal';
  file: string;
  /** 1-based line (URL logs). */
  line?: number;
}

export interface IntegrationIdentity {
  key: string;
  id: string;
  kind: IntegrationKind;
  label: string;
  tokenFingerprint?: string;
  userAgent?: string;
  address?: string;
}

const hash6 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 6);
const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'x';

/** The identity of the integration a call belongs to. Ids are `[a-z0-9-]` only (folder names, anchors). */
export function integrationIdentity(
  source:
    | { kind: 'journal'; tokenFingerprint?: string; userAgent?: string; address?: string }
    | { kind: 'url-log'; tokenFingerprint?: string; file: string }
    | { kind: 'payload-folder'; folder: string },
): IntegrationIdentity {
  if (source.kind === 'payload-folder') {
    return { key: `dir\u0000${source.folder}`, id: `files-${slug(basename(source.folder))}-${hash6(source.folder)}`, kind: 'payload-folder', label: `payload folder ${source.folder}` };
  }
  const fp = source.tokenFingerprint;
  const fpId = fp ? `fp-${fp.replace(/^fp:/, '').replace(/[^0-9a-f]/gi, '').toLowerCase()}` : undefined;
  if (source.kind === 'url-log') {
    return fp
      ? { key: `fp\u0000${fp}\u0000\u0000`, id: fpId!, kind: 'url-log', label: `authtoken ${fp}`, tokenFingerprint: fp }
      : { key: `log\u0000${source.file}`, id: `log-${slug(basename(source.file))}-${hash6(source.file)}`, kind: 'url-log', label: `URL log ${source.file} (no authtoken)` };
  }
  const ua = source.userAgent ?? '';
  const address = source.address ?? '';
  const key = `fp\u0000${fp ?? ''}\u0000${ua}\u0000${address}`;
  const id = fpId ? (ua || address ? `${fpId}-${hash6(`${ua}\u0000${address}`)}` : fpId) : `anon-${hash6(key)}`;
  const label = [fp ? `authtoken ${fp}` : 'no authtoken', ua || undefined, address || undefined].filter(Boolean).join(' · ');
  return {
    key,
    id,
    kind: 'journal',
    label,
    ...(fp ? { tokenFingerprint: fp } : {}),
    ...(ua ? { userAgent: ua } : {}),
    ...(address ? { address } : {}),
  };
}

const MAX_FILES = 20;
const MAX_MODULES = 50;
const MAX_METHODS = 200;
const MAX_LABELS = 2000;
const MAX_REQUESTS = 50;
const MAX_CONVERSIONS = 200;

export interface CallFact {
  module: string;
  v2Module?: string;
  method: string;
  failed: boolean;
  rows: number;
  failedRows: number;
  supported: boolean;
  duplicateCheck?: string;
  file: string;
  ts?: string;
}

/** Everything kept for one integration (bounded). */
export class IntegrationState {
  calls = 0;
  /** Of `calls`, the v1 read methods (getRecords, getRecordById, searchRecords, getFields …). */
  readCalls = 0;
  failed = 0;
  rows = 0;
  failedRows = 0;
  firstSeen?: string;
  lastSeen?: string;
  readonly files = new Set<string>();
  readonly modules = new Set<string>();
  readonly methods = new Map<string, MethodUse & { duplicateChecks: Set<string> }>();
  /** v2 module → label → api_name (mapped) or null (unmapped). */
  readonly labels = new Map<string, Map<string, string | null>>();
  private labelCount = 0;
  readonly requests = new Map<string, RepresentativeRequest>();
  readonly conversions = new Map<string, ConversionFailure>();
  readonly reads = new Set<string>();
  users = false;
  readonly problemKeys = new Set<string>();

  constructor(
    readonly identity: IntegrationIdentity,
    private readonly examples: boolean,
  ) {}

  get id(): string {
    return this.identity.id;
  }

  addCall(c: CallFact): void {
    this.calls++;
    if (READ_METHODS.has(c.method)) this.readCalls++;
    if (c.failed) this.failed++;
    this.rows += c.rows;
    this.failedRows += c.failedRows;
    if (this.files.size < MAX_FILES) this.files.add(c.file);
    if (c.ts && (!this.firstSeen || c.ts < this.firstSeen)) this.firstSeen = c.ts;
    if (c.ts && (!this.lastSeen || c.ts > this.lastSeen)) this.lastSeen = c.ts;
    if (this.modules.size < MAX_MODULES) this.modules.add(c.module || '(no module)');
    const key = `${c.module}\u0000${c.method}`;
    let m = this.methods.get(key);
    if (!m && this.methods.size >= MAX_METHODS) return;
    m ??= { module: c.module, ...(c.v2Module ? { v2Module: c.v2Module } : {}), method: c.method, calls: 0, failed: 0, rows: 0, supported: c.supported, duplicateChecks: new Set() };
    if (!m.v2Module && c.v2Module) m.v2Module = c.v2Module;
    m.calls++;
    if (c.failed) m.failed++;
    m.rows += c.rows;
    if (c.duplicateCheck) m.duplicateChecks.add(c.duplicateCheck);
    this.methods.set(key, m);
  }

  addField(module: string, label: string, apiName: string | undefined, status: FieldStatus): void {
    const mapped = status === 'mapped' || status === 'pseudo-field' || status === 'overridden' || status === 'conversion-failed';
    if (!mapped && status !== 'unmapped') return;
    let labels = this.labels.get(module);
    if (!labels) {
      if (this.labelCount >= MAX_LABELS) return;
      labels = new Map();
      this.labels.set(module, labels);
    }
    const known = labels.get(label);
    if (known) return;
    if (known === undefined) {
      if (this.labelCount >= MAX_LABELS) return;
      this.labelCount++;
    }
    labels.set(label, mapped && apiName ? apiName : null);
  }

  addRequest(module: string, operation: string, method: string, path: string, body: unknown, location: string): void {
    const name = `${module}-${operation}`;
    if (this.requests.has(name) || this.requests.size >= MAX_REQUESTS) return;
    this.requests.set(name, { name, module, operation, method, path, body: this.examples ? body : placeholders(body), location });
  }

  addConversion(module: string, label: string, apiName: string | undefined, dataType: string | undefined, rows: number, example: string | undefined): void {
    const key = `${module}\u0000${label}`;
    let c = this.conversions.get(key);
    if (!c) {
      if (this.conversions.size >= MAX_CONVERSIONS) return;
      c = { module, label, ...(apiName ? { apiName } : {}), ...(dataType ? { dataType } : {}), count: 0, rule: conversionRule(dataType) };
      this.conversions.set(key, c);
    }
    c.count += rows;
    if (c.example === undefined && example !== undefined) c.example = example;
  }

  addProblem(key: string): void {
    this.problemKeys.add(key);
  }

  needsUsers(): void {
    this.users = true;
  }

  needsRead(module: string): void {
    this.reads.add(module);
  }

  toRow(totalCalls: number, problemIndex: ReadonlyMap<string, number>, schema?: Schema): IntegrationRow {
    const methods = [...this.methods.values()].sort((a, b) => b.calls - a.calls || a.module.localeCompare(b.module));
    const fieldMap: Record<string, Record<string, string>> = {};
    const unmappedLabels: Record<string, string[]> = {};
    for (const [module, labels] of [...this.labels].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [label, api] of [...labels].sort(([a], [b]) => a.localeCompare(b))) {
        if (api) (fieldMap[module] ??= {})[label] = api;
        else (unmappedLabels[module] ??= []).push(label);
      }
    }
    const v2Of = (m: MethodUse): string => m.v2Module ?? schema?.resolveModule(m.module)?.apiName ?? m.module;
    const kitMethods = methods.map((m) => {
      const eq = v2Equivalent(m.method, v2Of(m));
      return { module: m.module, method: m.method, v2: eq?.v2 ?? '(no v2 equivalent known: see the Zoho CRM v2 API reference)', notes: eq?.notes ?? '' };
    });
    const scopes = requiredScopes(
      methods.flatMap((m) => {
        const dc = [...m.duplicateChecks];
        return (dc.length ? dc : [undefined]).map((d) => ({ module: v2Of(m), method: m.method, duplicateCheck: d }));
      }),
      { reads: [...this.reads], users: this.users },
    );
    const problems = [...this.problemKeys].map((k) => problemIndex.get(k)).filter((i): i is number => i !== undefined).sort((a, b) => a - b);
    const { key: _key, id, kind, label, ...who } = this.identity;
    return {
      id,
      kind,
      label,
      ...who,
      files: [...this.files],
      calls: this.calls,
      reads: this.readCalls,
      failed: this.failed,
      rows: this.rows,
      failedRows: this.failedRows,
      share: totalCalls > 0 ? this.calls / totalCalls : 0,
      ...(this.firstSeen ? { firstSeen: this.firstSeen } : {}),
      ...(this.lastSeen ? { lastSeen: this.lastSeen } : {}),
      modules: [...this.modules],
      methods: methods.map(({ duplicateChecks: _d, ...m }) => m),
      problems,
      kit: {
        methods: kitMethods,
        fieldMap,
        unmappedLabels,
        requests: [...this.requests.values()],
        conversionFailures: [...this.conversions.values()].sort((a, b) => b.count - a.count),
        scopes,
      },
    };
  }
}

/** Integrations by key, at most `max` of them; the rest share one "other integrations" entry. */
export class IntegrationTracker {
  private readonly byKey = new Map<string, IntegrationState>();
  private readonly ids = new Map<string, IntegrationState>();

  constructor(
    private readonly max: number,
    private readonly examples: boolean,
  ) {}

  get(identity: IntegrationIdentity): IntegrationState {
    let state = this.byKey.get(identity.key);
    if (state) return state;
    if (this.byKey.size >= this.max) identity = { key: '(other)', id: 'other', kind: identity.kind, label: '(other integrations)' };
    state = this.byKey.get(identity.key);
    if (state) return state;
    // Two keys never share an id: the hash part differs; a clash of the 6-hex suffix gets a counter.
    let id = identity.id;
    for (let n = 2; this.ids.has(id); n++) id = `${identity.id}-${n}`;
    state = new IntegrationState({ ...identity, id }, this.examples);
    this.byKey.set(identity.key, state);
    this.ids.set(id, state);
    return state;
  }

  byId(id: string): IntegrationState | undefined {
    return this.ids.get(id);
  }

  finish(totalCalls: number, problemIndex: ReadonlyMap<string, number>, schema?: Schema): IntegrationRow[] {
    return [...this.byKey.values()]
      .filter((s) => s.calls > 0 || s.problemKeys.size > 0)
      .map((s) => s.toRow(totalCalls, problemIndex, schema))
      .sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id));
  }
}
