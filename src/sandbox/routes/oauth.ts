/**
 * `POST /oauth/v2/token`. Zoho's token endpoint reads the parameters from the query, an urlencoded body, a
 * multipart/form-data body (what Zoho's own SDKs send) or a JSON object; body fields win over query fields of the
 * same name. A body none of the parsers can read is answered as Zoho answers an unreadable request: HTTP 200
 * `invalid_client`.
 */
import express, { type Express, type Request, type Response } from 'express';
import { multipartFields } from '../form-body.js';
import type { SandboxState } from '../state.js';

export function registerOAuth(app: Express, state: SandboxState): void {
  const tokenBody = [express.urlencoded({ extended: false, limit: '1mb' }), express.json({ limit: '1mb' }), multipartFields];
  app.post('/oauth/v2/token', ...tokenBody, (req, res) => {
    state.count('POST /oauth/v2/token');
    const fields: Record<string, string | undefined> = {};
    for (const source of [req.query as Record<string, unknown>, (req.body ?? {}) as Record<string, unknown>]) {
      for (const [k, v] of Object.entries(source)) if (typeof v === 'string') fields[k] = v;
    }
    const apiDomain = state.options.apiDomain ?? `${req.protocol}://${req.get('host')}`;
    res.status(200).json(state.oauth.token(fields, apiDomain));
  });
  app.use('/oauth/v2/token', (error: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(error);
    state.oauth.grants.errors++;
    res.status(200).json({ error: 'invalid_client' });
  });
}
