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
import type { ZbridgeConfig } from '../config.js';
import { FileJournal, NullJournal } from '../journal/file-journal.js';
import { PolicyJournal } from '../journal/policy.js';
import { ATTACHMENT_INDEX_FILE, FileAttachmentIndex, MemoryAttachmentIndex } from '../state/attachments.js';
import type { Journal } from '../journal/types.js';
import { createUpstream, type Upstream } from '../upstream.js';
import { VERSION } from '../version.js';
import { requestIds } from './access-log.js';
import { ADMIN_PATHS, adminRoutes } from './admin.js';
import { createProxyApp } from './app.js';
import { AuthtokenIndex } from './auth.js';
import { createLogger, type Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';

export interface RunningProxy {
  url: string;
  port: number;
  /** The admin listener (`admin.port`): /healthz, /readyz, /metrics; absent when they are on the proxy port. */
  admin?: { url: string; port: number };
  upstream: Upstream;
  journal: Journal;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Stop accepting, wait for in-flight calls (up to the grace period), close journal and upstream. */
  close(): Promise<void>;
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
  const upstream = await createUpstream(config, {
    observer: metrics.observer,
    onWarning: (message) => logger.warn({ warning: message }, 'upstream warning'),
  });
  metrics.watchCreditStops(() => upstream.profiles().map((p) => ({ profile: p.name, until: p.client.creditStop.until() })));
  const journal =
    options.journal ??
    (config.journal.dir
      ? new PolicyJournal(new FileJournal({ dir: config.journal.dir, maxFileBytes: config.journal.maxFileBytes }), {
          dir: config.journal.dir,
          values: config.journal.values,
          maxFiles: config.journal.maxFiles,
          maxAgeDays: config.journal.maxAgeDays,
          onPrune: (r) => logger.info({ deleted: r.deleted, failed: r.failed }, 'journal retention'),
        })
      : new NullJournal());

  const auth = new AuthtokenIndex();
  for (const entry of upstream.authtokens) {
    for (const token of entry.tokens) auth.addToken(entry.profile, token);
    for (const digest of entry.sha256) auth.addDigest(entry.profile, digest);
  }

  const bridge = new Bridge({
    upstream,
    auth,
    journal,
    logger,
    metrics,
    xmlLimits: { maxBytes: config.limits.maxBodyBytes, maxDepth: config.limits.maxXmlDepth },
    lookupCacheMs: config.metadata.lookupCacheSeconds * 1000,
    // Beside the journal, so a restart keeps the attachment → record map downloadFile/deleteFile need.
    attachments: config.journal.dir ? new FileAttachmentIndex(join(config.journal.dir, ATTACHMENT_INDEX_FILE)) : new MemoryAttachmentIndex(),
    reads: {
      journalRecords: config.journal.readRecords,
      legacyZeros: config.compat.legacyZeros,
      customLookups: config.compat.customLookupIds,
    },
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const app = createProxyApp({
    bridge,
    upstream,
    journal,
    metrics,
    logger,
    adminSeparate: config.admin.port !== undefined,
    maxBodyBytes: config.limits.maxBodyBytes,
    honourDoubleQuestionMark: config.compat.honourDoubleQuestionMark,
    onCallStart: () => {
      inFlight += 1;
    },
    onCallEnd: () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    },
  });

  const server = createServer(app);
  keepAnsweringAfterTrailingGarbage(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = listenUrl(config.host, port);
  let admin: { server: Server; url: string; port: number } | undefined;
  if (config.admin.port !== undefined) {
    try {
      admin = await startAdmin(config.admin.host, config.admin.port, { upstream, metrics, logger, journal });
    } catch (error) {
      server.close();
      await journal.close();
      await upstream.close();
      throw error;
    }
  }
  metrics.initialise(upstream.profiles().map((p) => p.name));
  const startedAt = Date.now();
  logger.info(
    {
      version: VERSION,
      listen: url,
      ...(admin ? { admin: admin.url } : {}),
      upstream: config.upstream,
      ...(upstream.sandbox ? { sandbox: upstream.sandbox.url } : {}),
      profiles: upstream.profiles().map((p) => p.name),
      journal: config.journal.dir || null,
    },
    'started',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref()),
        ]);
      }
      const cut = inFlight;
      server.closeAllConnections();
      await stopped;
      if (admin) {
        admin.server.closeAllConnections();
        await new Promise<void>((resolve) => admin!.server.close(() => resolve()));
      }
      await journal.flush();
      await journal.close();
      await upstream.close();
      logger.info({ version: VERSION, listen: url, uptimeMs: Date.now() - startedAt, ...(cut > 0 ? { inFlightCut: cut } : {}) }, 'stopped');
    })();
    return closing;
  };

  return { url, port, ...(admin ? { admin: { url: admin.url, port: admin.port } } : {}), upstream, journal, metrics, logger, close };
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
async function startAdmin(host: string, port: number, deps: { upstream: Upstream; metrics: ProxyMetrics; logger: Logger; journal: Journal }) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIds(deps.logger));
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
 * One widely used client sends a JSON body with a Content-Length counted in UTF-16 units, so bytes of its body
 * arrive after the request "ended" and Node's parser sees them as a malformed next request. By default Node
 * then destroys the socket, losing the answer to the real request. Here the answer is written first and the
 * connection closed after it.
 */
function keepAnsweringAfterTrailingGarbage(server: Server): void {
  const busy = new WeakMap<Socket, number>();
  const closeAfter = new WeakSet<Socket>();
  server.on('request', (req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.on('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (left === 0 && closeAfter.has(socket)) socket.end();
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if ((busy.get(socket) ?? 0) > 0) {
      closeAfter.add(socket);
      return;
    }
    if (socket.writable && error.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else {
      socket.destroy();
    }
  });
}
