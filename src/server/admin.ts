/**
 * The operations endpoints: /healthz (the process runs), /readyz (every profile can get a token and read
 * /settings/modules, the journal takes lines and the configuration has no problem the proxy must not serve under;
 * 503 with the reason per profile / the journal / `config` otherwise) and /metrics (Prometheus). Served on the proxy
 * port, or only on the separate admin listener when `admin.port` is set.
 */
import type { Router } from 'express';
import express from 'express';
import type { Journal } from '../journal/types.js';
import type { Upstream } from '../upstream.js';
import type { ProxyMetrics } from './metrics.js';

export interface AdminRoutesOptions {
  upstream: Upstream;
  metrics: ProxyMetrics;
  /** The proxy's journal: /readyz fails while it refuses lines (the proxy then refuses writes). */
  journal?: Journal;
}

/** /readyz answers within a second: each profile's check gets this long. */
const READY_CHECK_MS = 800;

/** Paths the admin routes answer (the access log writes them at debug level: probes would flood it). */
export const ADMIN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export function adminRoutes(options: AdminRoutesOptions): Router {
  const { upstream, metrics } = options;
  const router = express.Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      upstream.profiles().map(async (p) => {
        // Stopped after a credits-exhausted 429: say so without spending a call. The proxy stays ready: it still
        // answers (4820 at once), and every replica shares the same exhausted budget anyway.
        const stoppedUntil = p.client.credits.stoppedUntil();
        if (stoppedUntil !== undefined) {
          return { profile: p.name, ok: true, creditsExhaustedUntil: new Date(stoppedUntil).toISOString() };
        }
        // A refused or failing token refresh (the breaker is open): not ready, with its reason, at once.
        const health = p.client.tokens.health();
        if (!health.ok) {
          return { profile: p.name, ok: false, error: health.reason, ...(health.retryAt ? { retryAt: new Date(health.retryAt).toISOString() } : {}) };
        }
        // Answer within a second whatever the upstream does: a hanging accounts server or API is "not ready".
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<{ profile: string; ok: false; error: string }>((resolve) => {
          timer = setTimeout(() => resolve({ profile: p.name, ok: false, error: `no answer within ${READY_CHECK_MS} ms` }), READY_CHECK_MS);
        });
        const check = p.client.get('/crm/v2/settings/modules').then(
          () => ({ profile: p.name, ok: true }),
          (error: unknown) => ({ profile: p.name, ok: false, error: (error as Error).message }),
        );
        try {
          return await Promise.race([check, timeout]);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const journal = options.journal?.check?.() ?? { ok: true };
    // A configuration the proxy runs with but must not take traffic under (profiles next to the emulator).
    const problems = upstream.problems ?? [];
    const config = problems.length > 0 ? { ok: false, error: problems.join('; ') } : { ok: true };
    // Shared state is checked too: with Redis down every call answers 4500, so the balancer should look elsewhere.
    const state = upstream.state.status();
    const ok = checks.every((c) => c.ok) && journal.ok && config.ok && state.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', profiles: checks, journal, state, config });
  });

  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });

  return router;
}
