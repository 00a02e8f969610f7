/**
 * The sandbox's express app: the OAuth token endpoint (routes/oauth.ts), the local admin endpoints
 * (routes/admin.ts) and the /crm/v2 endpoints the bridge uses (routes/settings, files, related, records), each run
 * through the one request pipeline (pipeline.ts); known paths with another method answer 405, anything else 404.
 */
import express, { type Express, type Request, type Response } from 'express';
import { topLevel } from '../v2/envelopes.js';
import { MAX_ATTACHMENT_BYTES } from './files.js';
import { runPipeline, send } from './pipeline.js';
import { registerAdmin } from './routes/admin.js';
import { fileRoutes } from './routes/files.js';
import { registerOAuth } from './routes/oauth.js';
import { recordRoutes } from './routes/records.js';
import { relatedRoutes } from './routes/related.js';
import { settingsRoutes } from './routes/settings.js';
import type { RouteSpec } from './routes/types.js';
import { SandboxState } from './state.js';
import type { SandboxOptions } from './types.js';

/**
 * Registration order matters where a literal segment and a parameter compete at the same depth: settings and
 * users before `:module/:id`, photo and Attachments before `:id/:list`, search/deleted/upsert before `:id`.
 */
const CRM_V2_ROUTES: RouteSpec[] = [...settingsRoutes, ...fileRoutes, ...relatedRoutes, ...recordRoutes];

/** Known paths answered 405 INVALID_REQUEST_METHOD for a method they do not take. */
const METHOD_CHECKED_PATHS = [
  '/crm/v2/settings/modules',
  '/crm/v2/settings/fields',
  '/crm/v2/settings/related_lists',
  '/crm/v2/settings/layouts',
  '/crm/v2/users',
  '/crm/v2/:module/search',
  '/crm/v2/:module/deleted',
  '/crm/v2/:module/upsert',
  '/crm/v2/:module/:id/Notes',
  '/crm/v2/:module',
  '/crm/v2/:module/:id',
  '/crm/v2/:module/:id/actions/convert',
  '/crm/v2/:module/:id/:list',
];

/** The sandbox app and its state (records, tokens, faults, counters). */
export function createSandboxApp(options: SandboxOptions = {}): { app: Express; state: SandboxState } {
  const state = new SandboxState(options);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  registerOAuth(app, state);
  registerAdmin(app, state);
  registerCrmV2(app, state, CRM_V2_ROUTES, options.bodyLimit ?? '10mb');
  for (const pattern of METHOD_CHECKED_PATHS) app.all(pattern, (_req, res) => send(res, topLevel.invalidMethod()));
  app.use((_req, res) => send(res, topLevel.invalidUrl()));
  return { app, state };
}

/** Each route: its body parser (raw for writes, a larger limit for uploads), the call counter, the pipeline. */
function registerCrmV2(app: Express, state: SandboxState, routes: RouteSpec[], bodyLimit: string | number): void {
  const rawBody = express.raw({ type: () => true, limit: bodyLimit });
  // Attachments may be up to 20 MB plus the multipart framing.
  const uploadBody = express.raw({ type: () => true, limit: MAX_ATTACHMENT_BYTES + 1024 * 1024 });
  for (const { method, pattern, handler, upload = false } of routes) {
    const key = `${method.toUpperCase()} ${pattern}`;
    const write = method !== 'get';
    const stack = upload ? [uploadBody] : write ? [rawBody] : [];
    app[method](pattern, ...stack, (req: Request, res: Response) => {
      state.count(key);
      void runPipeline(state, req, res, write, handler, upload).catch(() => {
        if (!res.headersSent) send(res, topLevel.internal());
      });
    });
  }
}
