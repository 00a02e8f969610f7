/**
 * The one pipeline every /crm/v2 request goes through: count → token → scope and permission → concurrency →
 * fault decision (+ latency) → credits → handler → data file → after-processing fault → answer.
 */
import type { Request, Response } from 'express';
import { missingPermissions, scopesAllow, type Need, type Operation } from './access.js';
import { attachmentDisposition } from '../v2/disposition.js';
import { topLevel, type Reply } from '../v2/envelopes.js';
import type { FileReply } from './files.js';
import { creditCost } from './limits.js';
import type { SandboxUser } from './metadata.js';
import type { AccessTokenInfo } from './oauth.js';
import type { SandboxState } from './state.js';
import type { FailKind } from './types.js';

/** What a /crm/v2 handler gets: the request, the sandbox, the caller's token and user, the parsed JSON body. */
export interface CallContext {
  req: Request;
  state: SandboxState;
  token: AccessTokenInfo;
  accessToken: string;
  user: SandboxUser;
  /** Parsed JSON body of a POST/PUT (undefined when empty, INVALID_JSON when unreadable). */
  body: unknown;
}

export type Handler = (ctx: CallContext) => Reply | FileReply | Promise<Reply | FileReply>;

/** The body of a write that is not JSON (answered `BODY_NOT_JSON` by the handlers that need one). */
export const INVALID_JSON = Symbol('invalid-json');

/** Run one /crm/v2 request through the pipeline and answer it. */
export async function runPipeline(state: SandboxState, req: Request, res: Response, isWrite: boolean, handler: Handler, upload = false): Promise<void> {
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
  if (!takeConcurrencySlot(state, res, token, headers)) return;

  const decision = state.faults.decide(isWrite);
  if (!(await state.sleep(decision.delayMs))) return abort(req);
  if (decision.fail && !decision.afterProcessing && !(await injectFault(state, req, res, decision.fail, accessToken, need))) return;

  const body = isWrite && !upload ? parseBody(req) : undefined;
  if (!spendCredits(state, res, isWrite, body, headers)) return;

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

  if (decision.fail && decision.afterProcessing && !(await injectFault(state, req, res, decision.fail, accessToken, need))) return;
  send(res, reply);
}

/** Write an answer (JSON, empty, or a file download) unless the response is already gone. */
export function send(res: Response, reply: Reply | FileReply): void {
  if (res.headersSent || res.destroyed) return;
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if ('file' in reply) {
    const { bytes, contentType, fileName } = reply.file;
    res.status(reply.status);
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Disposition', attachmentDisposition(fileName));
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

/**
 * With a concurrency limit: hold a slot per (user, client) until the response ends and add the X-RATELIMIT
 * headers; false (answered 429) when none is free.
 */
function takeConcurrencySlot(state: SandboxState, res: Response, token: AccessTokenInfo, headers: Record<string, string>): boolean {
  if (!state.concurrency) return true;
  const key = `${token.userId}:${token.clientId}`;
  const release = state.concurrency.acquire(key);
  const limit = state.concurrency.limit;
  if (!release) {
    send(res, topLevel.tooManyRequests(concurrencyHeaders(state, limit)));
    return false;
  }
  res.on('close', release);
  res.on('finish', release);
  headers['X-RATELIMIT-LIMIT'] = String(limit);
  headers['X-RATELIMIT-REMAINING'] = String(Math.max(0, limit - state.concurrency.current(key)));
  return true;
}

/** With a credit budget: charge the call (by its record count) and add the day headers; false (answered 429) when spent. */
function spendCredits(state: SandboxState, res: Response, isWrite: boolean, body: unknown, headers: Record<string, string>): boolean {
  if (!state.credits) return true;
  const records = Array.isArray((body as { data?: unknown } | undefined)?.data) ? (body as { data: unknown[] }).data.length : 1;
  const cost = creditCost(isWrite, records);
  const allowed = state.credits.trySpend(cost);
  headers['X-RATELIMIT-DAY-LIMIT'] = String(state.credits.perDay);
  headers['X-RATELIMIT-DAY-REMAINING'] = String(state.credits.remaining());
  headers['X-API-CREDITS-REMAINING'] = String(state.credits.remaining());
  if (allowed) return true;
  send(res, topLevel.creditsExhausted({ ...headers, ...resetHeaders(state, state.credits.resetAt(cost)) }));
  return false;
}

/** An injected fault: `slow` waits and lets the call go on (true); every other kind answers or cuts it (false). */
async function injectFault(state: SandboxState, req: Request, res: Response, kind: FailKind, accessToken: string, need: Need | undefined): Promise<boolean> {
  if (kind === 'slow') {
    if (await state.sleep(state.faults.slowMs)) return true;
    abort(req);
    return false;
  }
  fail(state, req, res, kind, accessToken, need);
  return false;
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
  const operations = operationsOf(req.method, parts[3]);
  return operations && { kind: 'module', module: m.api_name, custom, operations };
}

/** The CRUD operations an HTTP method needs on a module (an upsert needs both CREATE and UPDATE). */
function operationsOf(method: string, second: string | undefined): Operation[] | undefined {
  switch (method) {
    case 'GET':
      return ['READ'];
    case 'POST':
      return second === 'upsert' ? ['CREATE', 'UPDATE'] : ['CREATE'];
    case 'PUT':
      return ['UPDATE'];
    case 'DELETE':
      return ['DELETE'];
    default:
      return undefined;
  }
}

function abort(req: Request): void {
  req.socket.destroy();
}

function fail(state: SandboxState, req: Request, res: Response, kind: Exclude<FailKind, 'slow'>, accessToken: string, need: Need | undefined): void {
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
  }
}
