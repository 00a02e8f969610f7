/**
 * The sandbox's express app: OAuth token endpoint, the /crm/v2 endpoints the bridge uses, and the local
 * admin endpoint /__sandbox/. Every /crm/v2 request goes through one pipeline: count → token → concurrency →
 * fault decision (+ latency) → credits → handler → after-processing fault → answer.
 */
import express, { type Express, type Request, type Response } from 'express';
import { missingPermissions, scopesAllow, type Need, type Operation } from './access.js';
import { multipartFields } from './form-body.js';
import { topLevel, v2Error, type Reply } from '../v2/envelopes.js';
import { creditCost } from './limits.js';
import type { SandboxUser } from './metadata.js';
import type { AccessTokenInfo } from './oauth.js';
import { displayName } from './render.js';
import { fullRecord, getRecord, layouts, listRecords, pageOf as pagePlain, users as listUsers, type ReadRequest } from './reads.js';
import {
  CriteriaError,
  conditionCount,
  criteriaFields,
  matches,
  matchesEmail,
  matchesPhone,
  matchesWord,
  parseCriteria,
  type Criteria,
} from './search.js';
import { SandboxState } from './state.js';
import type { StoredRecord } from './store.js';
import type { FailKind, SandboxFaults, SandboxOptions } from './types.js';
import {
  MAX_ATTACHMENT_BYTES,
  deleteAttachment,
  deletePhoto,
  downloadAttachment,
  downloadPhoto,
  listAttachments,
  parseUpload,
  uploadAttachment,
  uploadPhoto,
  type FileReply,
} from './files.js';
import { convertLead, delinkRelated, deleteRecords, deletedList, relatedLists, relatedRecords, updateRelated, type PageOf } from './lifecycle.js';
import { relatedListsJson } from '../v2/related-lists.js';
import { extractData, insertNotes, insertRecords, updateRecords, upsertRecords, type WriteContext } from './writes.js';

interface CallContext {
  req: Request;
  state: SandboxState;
  token: AccessTokenInfo;
  accessToken: string;
  user: SandboxUser;
  /** Parsed JSON body of a POST/PUT (undefined when empty). */
  body: unknown;
}

type Handler = (ctx: CallContext) => Reply | FileReply | Promise<Reply | FileReply>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function createSandboxApp(options: SandboxOptions = {}): { app: Express; state: SandboxState } {
  const state = new SandboxState(options);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const bodyLimit = options.bodyLimit ?? '10mb';
  const rawBody = express.raw({ type: () => true, limit: bodyLimit });
  // Attachments may be up to 20 MB plus the multipart framing.
  const uploadBody = express.raw({ type: () => true, limit: MAX_ATTACHMENT_BYTES + 1024 * 1024 });

  /* ---------------------------------------------------------------- OAuth */
  // Zoho's token endpoint reads the parameters from the query, an urlencoded body, a multipart/form-data body
  // (what Zoho's own SDKs send) or a JSON object; body fields win over query fields of the same name.
  const tokenBody = [
    express.urlencoded({ extended: false, limit: '1mb' }),
    express.json({ limit: '1mb' }),
    multipartFields,
  ];
  app.post('/oauth/v2/token', ...tokenBody, (req, res) => {
    state.count('POST /oauth/v2/token');
    const fields: Record<string, string | undefined> = {};
    for (const source of [req.query as Record<string, unknown>, (req.body ?? {}) as Record<string, unknown>]) {
      for (const [k, v] of Object.entries(source)) if (typeof v === 'string') fields[k] = v;
    }
    const apiDomain = options.apiDomain ?? `${req.protocol}://${req.get('host')}`;
    res.status(200).json(state.oauth.token(fields, apiDomain));
  });
  // A body none of the parsers can read is answered as Zoho answers an unreadable request: HTTP 200 invalid_client.
  app.use('/oauth/v2/token', (error: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(error);
    state.oauth.grants.errors++;
    res.status(200).json({ error: 'invalid_client' });
  });

  /* ---------------------------------------------------------------- admin (local use only, no auth) */
  const admin = express.Router();
  admin.use(express.json({ limit: '1mb' }));
  admin.get('/stats', (_req, res) => {
    res.json(state.stats());
  });
  admin.post('/faults', (req, res) => {
    state.setFaults((req.body ?? {}) as SandboxFaults);
    res.json(state.faults.current());
  });
  admin.post('/reset', (_req, res) => {
    state.reset();
    res.json({ ok: true });
  });
  admin.post('/revoke-tokens', (_req, res) => {
    state.revokeAllTokens();
    res.json({ ok: true });
  });
  app.use('/__sandbox', admin);

  /* ---------------------------------------------------------------- /crm/v2 */
  const route = (method: 'get' | 'post' | 'put' | 'delete', pattern: string, handler: Handler, upload = false): void => {
    const key = `${method.toUpperCase()} ${pattern}`;
    const write = method !== 'get';
    const stack = upload ? [uploadBody] : write ? [rawBody] : [];
    app[method](pattern, ...stack, (req: Request, res: Response) => {
      state.count(key);
      void pipeline(state, req, res, write, handler, upload).catch(() => {
        if (!res.headersSent) send(res, topLevel.internal());
      });
    });
  };

  route('get', '/crm/v2/settings/modules', () => ({ status: 200, body: { modules: state.metadata.snapshot.modules } }));
  // The org's taxes (taxes.json of the metadata); 204 when it has none.
  route('get', '/crm/v2/org/taxes', () =>
    state.metadata.snapshot.taxes.length === 0
      ? { status: 204 }
      : { status: 200, body: { taxes: state.metadata.snapshot.taxes, preference: { auto_populate_tax: false, modify_tax_rates: true } } },
  );
  route('get', '/crm/v2/settings/fields', (ctx) => settingsFields(ctx));
  route('get', '/crm/v2/settings/related_lists', (ctx) => settingsRelatedLists(ctx));
  route('get', '/crm/v2/settings/layouts', (ctx) => layouts(state.metadata, str(ctx.req.query.module), options.moduleNames === 'strict'));
  route('get', '/crm/v2/users', (ctx) => listUsers(readRequest(ctx)));
  route('get', '/crm/v2/:module/search', (ctx) => withModule(ctx, (m) => search(ctx, m)));
  route('get', '/crm/v2/:module/deleted', (ctx) =>
    withModule(ctx, (m) => deletedList(writeContext(ctx), m, queryString(ctx, 'type'), modifiedSince(ctx), pageOf(ctx))),
  );
  route('delete', '/crm/v2/:module', (ctx) => withModule(ctx, (m) => deleteRecords(writeContext(ctx), m, idsParam(ctx))));
  route('delete', '/crm/v2/:module/:id', (ctx) => withModule(ctx, (m) => deleteRecords(writeContext(ctx), m, [String(ctx.req.params.id)])));
  route('post', '/crm/v2/:module/:id/actions/convert', (ctx) =>
    withModule(ctx, (m) => (m !== 'Leads' ? topLevel.invalidUrl() : ctx.body === INVALID_JSON ? topLevel.bodyNotJson() : convertLead(writeContext(ctx), String(ctx.req.params.id), ctx.body))),
  );
  route('post', '/crm/v2/:module/:id/photo', (ctx) => withModuleAsync(ctx, async (m) => uploadPhoto(writeContext(ctx), m, String(ctx.req.params.id), (await upload(ctx)).file)), true);
  route('get', '/crm/v2/:module/:id/photo', (ctx) => withModule(ctx, (m) => downloadPhoto(writeContext(ctx), m, String(ctx.req.params.id))));
  route('delete', '/crm/v2/:module/:id/photo', (ctx) => withModule(ctx, (m) => deletePhoto(writeContext(ctx), m, String(ctx.req.params.id))));
  route('post', '/crm/v2/:module/:id/Attachments', (ctx) =>
    withModuleAsync(ctx, async (m) => uploadAttachment(writeContext(ctx), m, String(ctx.req.params.id), await upload(ctx))), true);
  route('get', '/crm/v2/:module/:id/Attachments/:attachmentId', (ctx) =>
    withModule(ctx, () => downloadAttachment(writeContext(ctx), String(ctx.req.params.id), String(ctx.req.params.attachmentId))));
  route('delete', '/crm/v2/:module/:id/Attachments/:attachmentId', (ctx) =>
    withModule(ctx, () => deleteAttachment(writeContext(ctx), String(ctx.req.params.id), String(ctx.req.params.attachmentId))));
  route('get', '/crm/v2/:module/:id/:list', (ctx) => withModule(ctx, (m) => related(ctx, m)));
  route('put', '/crm/v2/:module/:id/:list', (ctx) =>
    withModule(ctx, (m) => (ctx.body === INVALID_JSON ? topLevel.bodyNotJson() : updateRelated(writeContext(ctx), m, String(ctx.req.params.id), String(ctx.req.params.list), ctx.body))));
  route('put', '/crm/v2/:module/:id/:list/:childId', (ctx) =>
    withModule(ctx, (m) => (ctx.body === INVALID_JSON ? topLevel.bodyNotJson() : updateRelated(writeContext(ctx), m, String(ctx.req.params.id), String(ctx.req.params.list), ctx.body ?? { data: [{}] }, String(ctx.req.params.childId)))));
  route('delete', '/crm/v2/:module/:id/:list/:childId', (ctx) =>
    withModule(ctx, (m) => delinkRelated(writeContext(ctx), m, String(ctx.req.params.id), String(ctx.req.params.list), [String(ctx.req.params.childId)])));
  route('delete', '/crm/v2/:module/:id/:list', (ctx) =>
    withModule(ctx, (m) => delinkRelated(writeContext(ctx), m, String(ctx.req.params.id), String(ctx.req.params.list), idsParam(ctx))));
  route('post', '/crm/v2/:module/upsert', (ctx) => withModule(ctx, (m) => write(ctx, m, 'upsert')));
  route('post', '/crm/v2/:module/:id/Notes', (ctx) => withModule(ctx, (m) => write(ctx, m, 'related-notes')));
  route('post', '/crm/v2/:module', (ctx) => withModule(ctx, (m) => write(ctx, m, 'insert')));
  route('put', '/crm/v2/:module', (ctx) => withModule(ctx, (m) => write(ctx, m, 'update')));
  route('get', '/crm/v2/:module', (ctx) => withModule(ctx, (m) => list(ctx, m)));
  route('put', '/crm/v2/:module/:id', (ctx) => withModule(ctx, (m) => write(ctx, m, 'update-one')));
  route('get', '/crm/v2/:module/:id', (ctx) => withModule(ctx, (m) => getOne(ctx, m)));

  // Known paths with another method → 405; anything else under /crm → 404 (v2 envelopes).
  for (const pattern of ['/crm/v2/settings/modules', '/crm/v2/settings/fields', '/crm/v2/settings/related_lists', '/crm/v2/settings/layouts',
    '/crm/v2/users', '/crm/v2/:module/search', '/crm/v2/:module/deleted', '/crm/v2/:module/upsert', '/crm/v2/:module/:id/Notes', '/crm/v2/:module',
    '/crm/v2/:module/:id', '/crm/v2/:module/:id/actions/convert', '/crm/v2/:module/:id/:list']) {
    app.all(pattern, (_req, res) => send(res, topLevel.invalidMethod()));
  }
  app.use((_req, res) => send(res, topLevel.invalidUrl()));

  return { app, state };

  /* ---------------------------------------------------------------- handlers */

  function withModule(ctx: CallContext, fn: (moduleApi: string) => Reply): Reply {
    const m = state.metadata.module(String(ctx.req.params.module), options.moduleNames === 'strict');
    if (!m) return topLevel.invalidModule();
    if (m.api_supported === false) return topLevel.moduleNotSupported();
    return fn(m.api_name);
  }

  async function withModuleAsync(ctx: CallContext, fn: (moduleApi: string) => Promise<Reply>): Promise<Reply> {
    let chosen: string | undefined;
    const reply = withModule(ctx, (m) => {
      chosen = m;
      return { status: 0 };
    });
    return chosen === undefined ? reply : fn(chosen);
  }

  function queryString(ctx: CallContext, name: string): string | undefined {
    const v = ctx.req.query[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  /** `ids=a,b,c` (also repeated `ids`). */
  function idsParam(ctx: CallContext): string[] {
    const q = ctx.req.query.ids;
    const raw = Array.isArray(q) ? q.join(',') : typeof q === 'string' ? q : '';
    return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** `If-Modified-Since` as epoch ms (ISO 8601 or an HTTP date), undefined when absent or unreadable. */
  function modifiedSince(ctx: CallContext): number | undefined {
    const h = ctx.req.get('if-modified-since');
    if (!h) return undefined;
    const t = Date.parse(h);
    return Number.isNaN(t) ? undefined : t;
  }

  function pageOf(ctx: CallContext): PageOf {
    return (items, renderItem) => pageItems(ctx, items, renderItem);
  }

  async function upload(ctx: CallContext): Promise<Awaited<ReturnType<typeof parseUpload>>> {
    const body = Buffer.isBuffer(ctx.req.body) ? ctx.req.body : Buffer.alloc(0);
    const parsed = await parseUpload(ctx.req.get('content-type'), body);
    const url = queryString(ctx, 'attachmentUrl');
    return parsed.attachmentUrl === undefined && url !== undefined ? { ...parsed, attachmentUrl: url } : parsed;
  }

  function related(ctx: CallContext, parent: string): Reply {
    const parentId = String(ctx.req.params.id);
    const out = relatedRecords(writeContext(ctx), parent, parentId, String(ctx.req.params.list), (r) => render(ctx, r), pageOf(ctx));
    if (!('attachments' in out)) return out;
    const parentRecord = state.store.get(parent, parentId)!;
    return listAttachments(writeContext(ctx), parent, parentId, displayName(state.metadata, parentRecord), pageOf(ctx));
  }

  function settingsRelatedLists(ctx: CallContext): Reply {
    const name = ctx.req.query.module;
    if (typeof name !== 'string' || name === '') return topLevel.paramMissing('module');
    const m = state.metadata.module(name, options.moduleNames === 'strict');
    if (!m) return topLevel.invalidModule();
    return { status: 200, body: { related_lists: relatedListsJson(m.api_name, relatedLists(state.metadata, m.api_name), '3652397000000') } };
  }

  function writeContext(ctx: CallContext): WriteContext {
    return { metadata: state.metadata, store: state.store, settings: state.settings, user: ctx.user, now: state.now() };
  }

  function write(ctx: CallContext, moduleApi: string, kind: 'insert' | 'update' | 'update-one' | 'upsert' | 'related-notes'): Reply {
    if (ctx.body === INVALID_JSON) return topLevel.bodyNotJson();
    const data = extractData(ctx.body);
    if (!Array.isArray(data)) return data;
    const wctx = writeContext(ctx);
    switch (kind) {
      case 'insert':
        return moduleApi === 'Notes' ? insertNotes(wctx, data) : insertRecords(wctx, moduleApi, data);
      case 'update':
        return updateRecords(wctx, moduleApi, data);
      case 'update-one':
        return updateRecords(wctx, moduleApi, data, String(ctx.req.params.id));
      case 'upsert':
        return upsertRecords(wctx, moduleApi, data, duplicateCheckFields(ctx));
      case 'related-notes':
        return insertNotes(wctx, data, { module: moduleApi, id: String(ctx.req.params.id) });
    }
  }

  function readRequest(ctx: CallContext): ReadRequest {
    return { metadata: state.metadata, store: state.store, query: ctx.req.query as Record<string, unknown>, header: (n) => ctx.req.get(n), user: ctx.user };
  }

  function render(ctx: CallContext, r: StoredRecord): Record<string, unknown> {
    return fullRecord(state.metadata, state.store, r, ctx.user.timeZone);
  }

  function getOne(ctx: CallContext, moduleApi: string): Reply {
    return getRecord(readRequest(ctx), moduleApi, String(ctx.req.params.id));
  }

  function list(ctx: CallContext, moduleApi: string): Reply {
    return listRecords(readRequest(ctx), moduleApi);
  }

  /** The one pager of the sandbox (reads.ts `pageOf`) over this request's page/per_page. */
  function pageItems<T>(ctx: CallContext, records: T[], renderItem: (item: T) => Record<string, unknown>): Reply {
    return pagePlain(ctx.req, records, renderItem);
  }

  function search(ctx: CallContext, moduleApi: string): Reply {
    const q = ctx.req.query;
    const records = state.store.list(moduleApi);
    const fields = state.metadata.fieldList(moduleApi);
    let found: StoredRecord[];
    const criteria = str(q.criteria);
    if (criteria !== undefined) {
      let tree: Criteria;
      try {
        tree = parseCriteria(criteria);
      } catch (error) {
        if (error instanceof CriteriaError) return topLevel.invalidQuery(error.details);
        throw error;
      }
      const known = state.metadata.fields(moduleApi);
      const unknown = known && criteriaFields(tree).find((f) => f !== 'id' && !known.has(f));
      if (unknown) return topLevel.invalidQuery({ reason: 'the field is not available for search', api_name: unknown });
      const ownerName = (id: string): string | undefined => state.metadata.user(id)?.fullName;
      // v2: `equals` is exact alone, looser among several conditions ("ABC" also finds "ABC Inc").
      const loose = conditionCount(tree) > 1 ? (options.looseEquals ?? 'word-prefix') : 'exact';
      found = records.filter((r) => matches(r, tree, ownerName, loose));
    } else if (str(q.email) !== undefined) {
      found = records.filter((r) => matchesEmail(r, fields, str(q.email)!));
    } else if (str(q.phone) !== undefined) {
      found = records.filter((r) => matchesPhone(r, fields, str(q.phone)!));
    } else if (str(q.word) !== undefined) {
      found = records.filter((r) => matchesWord(r, str(q.word)!));
    } else {
      return topLevel.paramMissing('criteria');
    }
    return pageItems(ctx, found, (r) => render(ctx, r));
  }

  function settingsFields(ctx: CallContext): Reply {
    const name = ctx.req.query.module;
    if (typeof name !== 'string' || name === '') return topLevel.paramMissing('module');
    const m = state.metadata.module(name, options.moduleNames === 'strict');
    if (!m) return topLevel.invalidModule();
    return { status: 200, body: { fields: state.metadata.fieldList(m.api_name) } };
  }

  /** Body array, or the comma-separated query parameter (seed 000, old SDKs). */
  function duplicateCheckFields(ctx: CallContext): string[] | undefined {
    const body = ctx.body as { duplicate_check_fields?: unknown } | undefined;
    if (body && Array.isArray(body.duplicate_check_fields)) {
      const list = body.duplicate_check_fields.filter((f): f is string => typeof f === 'string' && f !== '');
      if (list.length > 0) return list;
    }
    const q = ctx.req.query.duplicate_check_fields;
    const raw = Array.isArray(q) ? q.join(',') : typeof q === 'string' ? q : '';
    const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
    return list.length > 0 ? list : undefined;
  }
}

/* ------------------------------------------------------------------ pipeline */

const INVALID_JSON = Symbol('invalid-json');

function parseBody(req: Request): unknown {
  const raw = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return INVALID_JSON;
  }
}

function accessTokenOf(req: Request): string | undefined {
  const m = /^Zoho-oauthtoken\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

async function pipeline(state: SandboxState, req: Request, res: Response, isWrite: boolean, handler: Handler, upload = false): Promise<void> {
  const header = req.get('authorization');
  if (header === undefined || header.trim() === '') return send(res, topLevel.authenticationFailure());
  const accessToken = accessTokenOf(req);
  if (accessToken === undefined) return send(res, topLevel.authenticationFailure()); // not `Zoho-oauthtoken …`
  const token = state.oauth.check(accessToken);
  const user = token && state.metadata.user(token.userId);
  if (!token || !user) return send(res, topLevel.invalidToken());
  const need = requestNeed(state, req);
  if (need && !scopesAllow(token.scopes, need)) return send(res, topLevel.scopeMismatch());
  const missing = need ? missingPermissions(state.options.profilePermissions ?? {}, user, need) : [];
  if (missing.length > 0) return send(res, topLevel.noPermission(missing));

  const headers: Record<string, string> = {};
  if (state.concurrency) {
    const key = `${token.userId}:${token.clientId}`;
    const release = state.concurrency.acquire(key);
    const limit = state.concurrency.limit;
    if (!release) return send(res, topLevel.tooManyRequests(concurrencyHeaders(state, limit)));
    res.on('close', release);
    res.on('finish', release);
    headers['X-RATELIMIT-LIMIT'] = String(limit);
    headers['X-RATELIMIT-REMAINING'] = String(Math.max(0, limit - state.concurrency.current(key)));
  }

  const decision = state.faults.decide(isWrite);
  if (!(await state.sleep(decision.delayMs))) return abort(req);
  if (decision.fail && !decision.afterProcessing) {
    if (decision.fail === 'slow') {
      if (!(await state.sleep(state.faults.slowMs))) return abort(req);
    } else return fail(state, req, res, decision.fail, accessToken, need);
  }

  const body = isWrite && !upload ? parseBody(req) : undefined;
  if (state.credits) {
    const records = Array.isArray((body as { data?: unknown } | undefined)?.data) ? (body as { data: unknown[] }).data.length : 1;
    const cost = creditCost(isWrite, records);
    const allowed = state.credits.trySpend(cost);
    headers['X-RATELIMIT-DAY-LIMIT'] = String(state.credits.perDay);
    headers['X-RATELIMIT-DAY-REMAINING'] = String(state.credits.remaining());
    headers['X-API-CREDITS-REMAINING'] = String(state.credits.remaining());
    if (!allowed) {
      const resetAt = state.credits.resetAt(cost);
      return send(res, topLevel.creditsExhausted({ ...headers, ...resetHeaders(state, resetAt) }));
    }
  }

  const reply = await handler({ req, state, token, accessToken, user, body });
  reply.headers = { ...headers, ...reply.headers };

  // A write is answered only once it is in the data file; one that cannot be saved fails (the process stays up).
  if (isWrite) {
    try {
      await state.store.persist();
    } catch (error) {
      state.dataFileError = (error as Error).message;
      return send(res, topLevel.internal());
    }
  }

  if (decision.fail && decision.afterProcessing) {
    if (decision.fail === 'slow') {
      if (!(await state.sleep(state.faults.slowMs))) return abort(req);
    } else return fail(state, req, res, decision.fail, accessToken, need);
  }
  send(res, reply);
}

/** `X-RATELIMIT-RESET` (epoch ms, as the 2018 docs print it) and `Retry-After` (whole seconds, at least 1). */
function resetHeaders(state: SandboxState, resetAt: number): Record<string, string> {
  return {
    'X-RATELIMIT-RESET': String(resetAt),
    'Retry-After': String(Math.max(1, Math.ceil((resetAt - state.now()) / 1000))),
  };
}

/** A concurrency 429 clears as soon as a call in flight ends: reset one second from now. */
function concurrencyHeaders(state: SandboxState, limit: number): Record<string, string> {
  return { 'X-RATELIMIT-LIMIT': String(limit), 'X-RATELIMIT-REMAINING': '0', ...resetHeaders(state, state.now() + 1000) };
}

/** The scope and permission one /crm/v2 request needs (undefined: an unknown module, left to the handler). */
function requestNeed(state: SandboxState, req: Request): Need | undefined {
  const parts = req.path.split('/').filter(Boolean); // ['crm','v2',…]
  const first = parts[2];
  if (first === undefined) return undefined;
  if (first === 'settings') return { kind: 'settings', resource: (parts[3] ?? '').toLowerCase() };
  if (first === 'users') return { kind: 'users' };
  const m = state.metadata.module(decodeURIComponent(first), state.options.moduleNames === 'strict');
  if (!m) return undefined;
  const custom = (m as { generated_type?: string }).generated_type === 'custom';
  let operations: Operation[];
  switch (req.method) {
    case 'GET':
      operations = ['READ'];
      break;
    case 'POST':
      operations = parts[3] === 'upsert' ? ['CREATE', 'UPDATE'] : ['CREATE'];
      break;
    case 'PUT':
      operations = ['UPDATE'];
      break;
    case 'DELETE':
      operations = ['DELETE'];
      break;
    default:
      return undefined;
  }
  return { kind: 'module', module: m.api_name, custom, operations };
}

function abort(req: Request): void {
  req.socket.destroy();
}

function fail(state: SandboxState, req: Request, res: Response, kind: FailKind, accessToken: string, need: Need | undefined): void {
  switch (kind) {
    case 'reset':
      return abort(req);
    case '500':
      return send(res, topLevel.internal());
    case '429':
      return send(res, topLevel.tooManyRequests(concurrencyHeaders(state, state.concurrency?.limit ?? 10)));
    case '429-credits': {
      const limit = String(state.credits?.perDay ?? 0);
      return send(
        res,
        topLevel.creditsExhausted({
          'X-RATELIMIT-DAY-LIMIT': limit,
          'X-RATELIMIT-DAY-REMAINING': '0',
          'X-API-CREDITS-REMAINING': '0',
          ...resetHeaders(state, state.now() + state.faults.creditsResetMs),
        }),
      );
    }
    case 'invalid-token':
      state.oauth.revoke(accessToken); // the token really is gone, as after a mid-run revocation
      return send(res, topLevel.invalidToken());
    case 'authentication-failure':
      return send(res, topLevel.authenticationFailure());
    case 'scope-mismatch':
      return send(res, topLevel.scopeMismatch());
    case 'no-permission': {
      const word = { READ: 'View', CREATE: 'Create', UPDATE: 'Edit', DELETE: 'Delete' } as const;
      const permissions = need?.kind === 'module' ? need.operations.map((op) => `Crm_Implied_${word[op]}_${need.module}`) : ['Crm_Implied_Api_Access'];
      return send(res, topLevel.noPermission(permissions));
    }
    case 'slow':
      return; // handled by the caller
  }
}

function send(res: Response, reply: Reply | FileReply): void {
  if (res.headersSent || res.destroyed) return;
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if ('file' in reply) {
    const { bytes, contentType, fileName } = reply.file;
    res.status(reply.status);
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Disposition', `attachment;filename="${fileName.replace(/["\\\r\n]/g, '_')}"`);
    res.setHeader('Content-Length', String(bytes.length));
    res.end(bytes);
    return;
  }
  if (reply.body === undefined) {
    res.status(reply.status).end();
    return;
  }
  res.status(reply.status).type('application/json;charset=UTF-8').send(JSON.stringify(reply.body));
}
