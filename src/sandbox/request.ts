/**
 * Reading one /crm/v2 request for the route handlers: path and query parameters, the module named in the path,
 * `If-Modified-Since`, uploads, and the contexts the endpoint modules (reads, writes, lifecycle, files) take.
 */
import { topLevel, type Reply } from '../v2/envelopes.js';
import { parseUpload } from './files.js';
import type { PageOf } from './lifecycle.js';
import type { CallContext } from './pipeline.js';
import { fullRecord, pageOf as pagePlain, type ReadRequest } from './reads.js';
import type { StoredRecord } from './store.js';
import type { WriteContext } from './writes.js';

/** A non-empty string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A path parameter (`:id`, `:list` …) as text. */
export function param(ctx: CallContext, name: string): string {
  return String(ctx.req.params[name]);
}

/** A non-empty query parameter, else undefined. */
export function queryParam(ctx: CallContext, name: string): string | undefined {
  return str(ctx.req.query[name]);
}

/** `ids=a,b,c` (also repeated `ids`). */
export function idsParam(ctx: CallContext): string[] {
  return commaList(ctx.req.query.ids);
}

/** A comma-separated query parameter, also repeated, trimmed, without empty items. */
export function commaList(q: unknown): string[] {
  const raw = Array.isArray(q) ? q.join(',') : typeof q === 'string' ? q : '';
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `If-Modified-Since` as epoch ms (ISO 8601 or an HTTP date), undefined when absent or unreadable. */
export function modifiedSince(ctx: CallContext): number | undefined {
  const h = ctx.req.get('if-modified-since');
  if (!h) return undefined;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : t;
}

/** Module names in the path: exact api names only with `moduleNames: "strict"`. */
export function strictNames(ctx: CallContext): boolean {
  return ctx.state.options.moduleNames === 'strict';
}

/** Run `fn` with the api name of the module in the path; INVALID_MODULE / API_NOT_SUPPORTED otherwise. */
export function withModule(ctx: CallContext, fn: (moduleApi: string) => Reply): Reply {
  const m = ctx.state.metadata.module(param(ctx, 'module'), strictNames(ctx));
  if (!m) return topLevel.invalidModule();
  if (m.api_supported === false) return topLevel.moduleNotSupported();
  return fn(m.api_name);
}

/** withModule for an asynchronous handler (uploads). */
export async function withModuleAsync(ctx: CallContext, fn: (moduleApi: string) => Promise<Reply>): Promise<Reply> {
  let chosen: string | undefined;
  const reply = withModule(ctx, (m) => {
    chosen = m;
    return { status: 0 };
  });
  return chosen === undefined ? reply : fn(chosen);
}

/** The context of the write and lifecycle endpoints, at this request's time. */
export function writeContext(ctx: CallContext): WriteContext {
  const { state } = ctx;
  return { metadata: state.metadata, store: state.store, settings: state.settings, user: ctx.user, now: state.now() };
}

/** The context of the read endpoints. */
export function readRequest(ctx: CallContext): ReadRequest {
  const { state } = ctx;
  return { metadata: state.metadata, store: state.store, query: ctx.req.query as Record<string, unknown>, header: (n) => ctx.req.get(n), user: ctx.user };
}

/** A stored record as a v2 GET shows it, in the caller's time zone. */
export function render(ctx: CallContext, r: StoredRecord): Record<string, unknown> {
  return fullRecord(ctx.state.metadata, ctx.state.store, r, ctx.user.timeZone);
}

/** The one pager of the sandbox (reads.ts `pageOf`) over this request's page/per_page. */
export function pageOf(ctx: CallContext): PageOf {
  return (items, renderItem) => pagePlain(ctx.req, items, renderItem);
}

/** The file (and `attachmentUrl`, from the body or the query) of a multipart upload. */
export async function upload(ctx: CallContext): Promise<Awaited<ReturnType<typeof parseUpload>>> {
  const body = Buffer.isBuffer(ctx.req.body) ? ctx.req.body : Buffer.alloc(0);
  const parsed = await parseUpload(ctx.req.get('content-type'), body);
  const url = queryParam(ctx, 'attachmentUrl');
  return parsed.attachmentUrl === undefined && url !== undefined ? { ...parsed, attachmentUrl: url } : parsed;
}
