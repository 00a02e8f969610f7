/**
 * Starting and stopping the proxy: upstream (embedded sandbox or Zoho profiles), journal, metrics, logger,
 * the express app on a real socket, and a graceful stop (stop accepting, finish in-flight calls, flush the
 * journal).
 */
import { createServer, type Server } from 'node:http';
import express from 'express';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Bridge } from '../bridge/pipeline.js';
import { RejectSampler } from '../bridge/reject-sampler.js';
import type { ZbridgeConfig } from '../config.js';
import { FileJournal, NullJournal } from '../journal/file-journal.js';
import { PolicyJournal } from '../journal/policy.js';
import { OpenCallsJournal } from '../journal/open-calls.js';
import { ATTACHMENT_INDEX_FILE, FileAttachmentIndex, MemoryAttachmentIndex } from '../state/attachments.js';
import type { Journal } from '../journal/types.js';
import { replicaJournalDir as journalDirOf, type SharedState } from '../state/index.js';
import { createUpstream, type Upstream } from '../upstream.js';
import type { ClientObserver } from '../zoho/observer.js';
import { VERSION } from '../version.js';
import { requestIds } from './access-log.js';
import { clientAddressResolver, type ClientAddressOf } from './client-address.js';
import { ADMIN_PATHS, adminRoutes } from './admin.js';
import { createProxyApp } from './app.js';
import { guardConnections, serverOptions, type ConnectionGuard } from './connections.js';
import { connectionRejectHandler } from './http-rejects.js';
import { AuthtokenIndex } from './auth.js';
import { StateHealthLog } from './state-log.js';
import { createLogger, type Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';

export interface RunningProxy {
  /** Where the proxy is reached from this machine (a wildcard bind address shown as loopback). */
  url: string;
  /** The address the socket is bound to, as `host:port` (`0.0.0.0:8080` = every interface). */
  bind: string;
  port: number;
  /** The admin listener (`admin.port`): /healthz, /readyz, /metrics; absent when they are on the proxy port. */
  admin?: { url: string; port: number };
  upstream: Upstream;
  journal: Journal;
  /** The directory the journal writes to ("" = off); with Redis state, `journal.dir/<replicaId>`. */
  journalDir: string;
  metrics: ProxyMetrics;
  logger: Logger;
  /**
   * Stop taking new requests at once (idle keep-alive sockets closed, `Connection: close` on every later answer),
   * wait for in-flight calls up to the grace period, then close the journal (after their outcome lines) and the
   * upstream. `cut` = calls still running when the grace ran out (named in an error log line).
   */
  close(): Promise<{ cut: number }>;
}

export interface StartProxyOptions {
  logger?: Logger;
  /** Replace the configured journal (tests). */
  journal?: Journal;
  /** Collect Node's default process metrics (default true; tests turn it off). */
  defaultMetrics?: boolean;
}

export async function startProxy(config: ZbridgeConfig, options: StartProxyOptions = {}): Promise<RunningProxy> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new ProxyMetrics({ defaultMetrics: options.defaultMetrics });
  const stateLog = new StateHealthLog(logger);
  const upstream = await createUpstream(config, {
    observer: loggingObserver(metrics.observer, logger),
    stateObserver: {
      ...metrics.stateObserver,
      onHealth: (h) => {
        metrics.stateObserver.onHealth(h);
        // Once per real change (not per reconnect attempt), with a reminder while it lasts: server/state-log.ts.
        stateLog.onHealth(h);
      },
    },
    onWarning: (message) => logger.warn({ warning: message }, 'upstream warning'),
  });
  metrics.watchCreditStops(() => upstream.profiles().map((p) => ({ profile: p.name, until: p.client.credits.stoppedUntil() })));
  if (upstream.state.kind === 'redis') metrics.stateUp.set(upstream.state.status().ok ? 1 : 0);
  const journalDir = replicaJournalDir(config, upstream.state);
  let journal: Journal;
  try {
    journal = openJournal();
  } catch (error) {
    // The embedded sandbox is already listening: close it, or the failed start would hang instead of exiting.
    stateLog.close();
    await upstream.close().catch(() => undefined);
    // Named by its option, as config check names it (a start-up failure: exit 1).
    throw journalDir ? new Error(`journal.dir: cannot open the journal folder ${journalDir}: ${(error as Error).message}`, { cause: error }) : error;
  }
  function openJournal(): Journal {
    return options.journal ??
    (journalDir
      ? new PolicyJournal(new FileJournal({ dir: journalDir, maxFileBytes: config.journal.maxFileBytes }), {
          dir: journalDir,
          values: config.journal.values,
          maxFiles: config.journal.maxFiles,
          maxAgeDays: config.journal.maxAgeDays,
          onPrune: (r) => logger.info({ deleted: r.deleted, failed: r.failed }, 'journal retention'),
        })
      : new NullJournal());
  }

  const auth = new AuthtokenIndex();
  for (const entry of upstream.authtokens) {
    for (const token of entry.tokens) auth.addToken(entry.profile, token);
    for (const digest of entry.sha256) auth.addDigest(entry.profile, digest);
  }

  // Knows which calls a shutdown would leave in doubt (request line, no outcome yet).
  const tracked = new OpenCallsJournal(journal);
  const rejects = new RejectSampler();
  const bridge = new Bridge({
    rejects,
    upstream,
    auth,
    journal: tracked,
    logger,
    metrics,
    xmlLimits: { maxBytes: config.limits.maxBodyBytes, maxDepth: config.limits.maxXmlDepth },
    lookupCacheMs: config.metadata.lookupCacheSeconds * 1000,
    recentRecordsMs: config.metadata.recentRecordsSeconds * 1000,
    // Shared by the replicas (Redis), else beside the journal, so a restart keeps the attachment → record map
    // downloadFile/deleteFile need.
    attachments:
      upstream.state.attachments ??
      (journalDir
        ? new FileAttachmentIndex(join(journalDir, ATTACHMENT_INDEX_FILE), new Map(upstream.profiles().map((p) => [p.name, p.scope])))
        : new MemoryAttachmentIndex()),
    reads: {
      journalRecords: config.journal.readRecords,
      legacyZeros: config.compat.legacyZeros,
      customLookups: config.compat.customLookupIds,
    },
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  let guard: ConnectionGuard | undefined;
  /** Calls in flight, for the log line naming those a shutdown cuts. */
  const running = new Map<string, { requestId: string; method: string; path: string }>();
  const clientAddress = clientAddressResolver(config.trustProxy);
  const app = createProxyApp({
    bridge,
    upstream,
    journal: tracked,
    metrics,
    logger,
    adminSeparate: config.admin.port !== undefined,
    clientAddress,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxDiscardBytes: config.limits.maxDiscardBytes,
    honourDoubleQuestionMark: config.compat.honourDoubleQuestionMark,
    isAcceptedToken: (candidate) => auth.isAccepted(candidate),
    connections: () => guard,
    rejects,
    onCallStart: (call) => {
      inFlight += 1;
      if (call) running.set(call.requestId, call);
    },
    onCallEnd: (call) => {
      inFlight -= 1;
      if (call) running.delete(call.requestId);
      if (inFlight === 0) drained?.();
    },
  });

  const server = createServer(serverOptions(config.limits), app);
  // Refused request heads are journaled, counted and logged on one sample (server/http-rejects.ts).
  guard = guardConnections(
    server,
    connectionRejectHandler({ journal: tracked, logger, metrics, rejects, isAcceptedToken: (candidate) => auth.lookup(candidate) !== undefined }, config.limits),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    // Nothing may keep the process alive after a failed start (the embedded sandbox, the journal).
    await journal.close().catch(() => undefined);
    stateLog.close();
    await upstream.close().catch(() => undefined);
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = listenUrl(config.host, port);
  const bind = `${config.host.includes(':') ? `[${config.host}]` : config.host || '0.0.0.0'}:${port}`;
  let admin: { server: Server; url: string; port: number } | undefined;
  if (config.admin.port !== undefined) {
    try {
      admin = await startAdmin(config.admin.host, config.admin.port, { upstream, metrics, logger, journal, clientAddress });
    } catch (error) {
      server.close();
      await journal.close();
      stateLog.close();
      await upstream.close();
      throw error;
    }
  }
  metrics.initialise(upstream.profiles().map((p) => p.name));
  // Said loudly here, and by /readyz (which fails) until fixed (upstream.ts `problems`).
  for (const problem of upstream.problems) logger.error({ profiles: config.profiles.map((p) => p.name) }, problem);
  const startedAt = Date.now();
  logger.info(
    {
      version: VERSION,
      listen: url,
      bind,
      ...(admin ? { admin: admin.url } : {}),
      upstream: config.upstream,
      ...(upstream.sandbox ? { sandbox: upstream.sandbox.url } : {}),
      profiles: upstream.profiles().map((p) => p.name),
      journal: journalDir || null,
      ...(upstream.state.kind === 'redis' ? { state: 'redis', replica: upstream.state.replicaId } : {}),
    },
    'started',
  );

  let closing: Promise<{ cut: number }> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Stop taking new requests at once: idle keep-alive sockets close now, busy ones after their answer.
      guard?.drain();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref()),
        ]);
      }
      const cut = inFlight;
      if (cut > 0) {
        // Each cut call with its journal state: `in doubt` (request line, no outcome: reconcile or replay) or
        // `nothing written` (a read, or a write that had not started).
        const calls = [...running.values()].slice(0, 50).map((c) => ({ ...c, journal: tracked.state(c.requestId) }));
        logger.error({ cut, calls, graceMs: config.shutdownGraceMs }, 'shutdown grace ran out: cutting calls still in flight');
      }
      server.closeAllConnections();
      await stopped;
      if (admin) {
        admin.server.closeAllConnections();
        await new Promise<void>((resolve) => admin!.server.close(() => resolve()));
      }
      await journal.flush();
      await journal.close();
      stateLog.close();
      await upstream.close();
      logger.info({ version: VERSION, listen: url, uptimeMs: Date.now() - startedAt, ...(cut > 0 ? { inFlightCut: cut } : {}) }, 'stopped');
      return { cut };
    })();
    return closing;
  };

  return { url, bind, port, ...(admin ? { admin: { url: admin.url, port: admin.port } } : {}), upstream, journal, journalDir: options.journal ? '' : journalDir, metrics, logger, close };
}

/**
 * The metrics observer plus the causes in the log: every v2 attempt at debug (method, path without query,
 * status, duration — never a header, a token or a record value), every failed token refresh at warn with its
 * reason.
 */
function loggingObserver(observer: ClientObserver, logger: Logger): ClientObserver {
  return {
    ...observer,
    onUpstreamCall: (e) => {
      observer.onUpstreamCall?.(e);
      if (logger.isLevelEnabled('debug')) {
        logger.debug({ profile: e.profile, v2Method: e.method, v2Path: e.path, status: e.status, ms: e.durationMs, attempt: e.attempt, ...(e.error ? { err: e.error } : {}) }, 'v2 call');
      }
    },
    onTokenRefresh: (e) => {
      observer.onTokenRefresh?.(e);
      if (!e.ok) logger.warn({ profile: e.profile, reason: e.reason }, 'token refresh failed');
    },
  };
}

/**
 * The URL a listen address is reached at: the wildcard addresses as loopback (`0.0.0.0` → 127.0.0.1, `::` →
 * [::1]), IPv6 literals in brackets (`http://[::1]:8080`).
 */
export function listenUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** The admin listener: request ids, access lines (debug) and the admin routes only. */
async function startAdmin(
  host: string,
  port: number,
  deps: { upstream: Upstream; metrics: ProxyMetrics; logger: Logger; journal: Journal; clientAddress: ClientAddressOf },
) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIds(deps.logger, deps.clientAddress));
  app.use(adminRoutes(deps));
  app.use((_req, res) => {
    res.status(404).json({ status: 'not found', paths: [...ADMIN_PATHS] });
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { server, port: bound, url: listenUrl(host, bound) };
}

/**
 * The journal directory of this process: `journal.dir` itself, or with shared (Redis) state, where several
 * replicas may write to one volume, `journal.dir/<replicaId>` — each replica its own files, merged by time
 * when `zbridge report` / `replay` read `journal.dir`.
 */
export function replicaJournalDir(config: ZbridgeConfig, state: SharedState): string {
  return journalDirOf(config.journal.dir, state.kind, state.replicaId);
}
