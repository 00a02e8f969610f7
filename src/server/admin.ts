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
import type { ZohoClient } from '../zoho/client.js';
import type { ProxyMetrics } from './metrics.js';

export interface AdminRoutesOptions {
  upstream: Upstream;
  metrics: ProxyMetrics;
  /** The proxy's journal: /readyz fails while it refuses lines (the proxy then refuses writes). */
  journal?: Journal;
}

/** /readyz answers within a second: each profile's check gets this long. */
const READY_CHECK_MS = 800;

/**
 * How long v2's last working answer counts as proof that a profile's API access works (10 min). Within it /readyz
 * only checks that the API domain answers, without a token and so without an API credit; after it, or after any
 * failed attempt, it reads `/settings/modules` again (1 credit). A balancer probing every 10 s thus costs at most
 * 144 credits a day per profile and replica, instead of 8,640.
 */
const READY_EVIDENCE_MS = 10 * 60_000;

/** Paths the admin routes answer (the access log writes them at debug level: probes would flood it). */
export const ADMIN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export function adminRoutes(options: AdminRoutesOptions): Router {
  const { upstream, metrics } = options;
  const router = express.Router();
  // One check per profile at a time: probes arriving together share it.
  const checking = new Map<string, Promise<ProfileCheck>>();

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
        let check = checking.get(p.name);
        if (!check) {
          check = checkProfile(p.name, p.client).finally(() => checking.delete(p.name));
          checking.set(p.name, check);
        }
        return check;
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

type ProfileCheck = { profile: string; ok: true } | { profile: string; ok: false; error: string };

/**
 * One profile's API check, answered within READY_CHECK_MS whatever the upstream does (a hanging accounts server or
 * API is "not ready"): a token-less reachability check while v2's last working answer is recent, else a read of
 * `/settings/modules` with the profile's token.
 */
async function checkProfile(profile: string, client: ZohoClient): Promise<ProfileCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProfileCheck>((resolve) => {
    timer = setTimeout(() => resolve({ profile, ok: false, error: `no answer within ${READY_CHECK_MS} ms` }), READY_CHECK_MS);
  });
  const probe = client.answeredWithin(READY_EVIDENCE_MS) ? client.reach(READY_CHECK_MS) : client.get('/crm/v2/settings/modules');
  const check = probe.then(
    (): ProfileCheck => ({ profile, ok: true }),
    (error: unknown): ProfileCheck => ({ profile, ok: false, error: (error as Error).message }),
  );
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
