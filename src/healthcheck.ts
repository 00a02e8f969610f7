/**
 * `zbridge healthcheck`: asks a running `zbridge serve` whether it is ready, at the address its configuration
 * gives — loaded as `serve` loads it (`--config`, else env ZBRIDGE_CONFIG, then the environment overrides) — so a
 * container HEALTHCHECK or a supervisor probes the right listener whether the ports come from the file or the
 * environment. `/readyz` is asked on the admin listener when `admin.port` is set (where it then lives alone: on
 * the proxy port it is a plain legacy call answered 4600), else on the proxy port; a listener bound to every
 * address (`0.0.0.0`, `::`) is asked on loopback.
 *
 * Exit codes: 0 when /readyz answers HTTP 200 with the readiness JSON (`"status": "ready"`); 1 otherwise — not
 * ready (503, the failing parts named), no answer, an answer that is not the readiness JSON, or a configuration
 * that cannot be loaded. Never 2: Docker reserves exit code 2 of a health check.
 */
import { get as httpGet } from 'node:http';
import { loadConfig, type ZbridgeConfig } from './config.js';
import { ConfigError } from './errors.js';
import type { CommandIO } from './inputs/io.js';

export interface HealthcheckOptions {
  /** Configuration file; else env ZBRIDGE_CONFIG (as `serve`). */
  config?: string;
  /** The proxy port when `serve` was started with `--port` (overrides the configuration, as there). */
  port?: number;
  /** How long to wait for the whole answer, ms. @default 4000 (Docker's default HEALTHCHECK timeout is 30 s; the Dockerfile's is 5 s) */
  timeoutMs?: number;
  /** Environment to read ZBRIDGE_CONFIG and the overrides from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** @default 4000 ms: /readyz answers within about a second (server/admin.ts), the Dockerfile gives the check 5 s. */
export const DEFAULT_HEALTHCHECK_TIMEOUT_MS = 4000;

/** Where `serve` with this configuration answers /readyz, or why that cannot be known. */
export function readinessUrl(config: ZbridgeConfig): { url: string } | { problem: string } {
  const admin = config.admin.port !== undefined;
  const port = admin ? config.admin.port! : config.port;
  const option = admin ? 'admin.port' : 'port';
  if (port === 0) return { problem: `${option} is 0 (a port the system picks at start): the healthcheck cannot know it; set a fixed port` };
  const host = loopbackFor(admin ? config.admin.host : config.host);
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/readyz` };
}

/** The address to dial for a listener bound to `host`: loopback for the wildcard addresses. */
function loopbackFor(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.replace(/^\[(.*)\]$/, '$1');
}

export async function runHealthcheck(options: HealthcheckOptions, io: CommandIO): Promise<{ exitCode: 0 | 1; reason: string }> {
  const env = options.env ?? process.env;
  const fail = (reason: string): { exitCode: 1; reason: string } => {
    io.stderr.write(`zbridge healthcheck: ${reason}\n`);
    return { exitCode: 1, reason };
  };
  let config: ZbridgeConfig;
  try {
    config = loadConfig(options.config ?? env.ZBRIDGE_CONFIG, env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(`cannot load the configuration: ${error.message}`);
    throw error;
  }
  if (options.port !== undefined) config.port = options.port;
  const target = readinessUrl(config);
  if ('problem' in target) return fail(target.problem);
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTHCHECK_TIMEOUT_MS;

  let answer: { status: number; type: string; text: string };
  try {
    answer = await getText(target.url, timeoutMs);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return fail(`${target.url}: ${e.name === 'AbortError' || e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.code ?? e.message)}`);
  }
  const { status, type, text } = answer;
  const body = /\bjson\b/i.test(type) ? parseJson(text) : undefined;
  if (!isReadiness(body)) {
    return fail(`${target.url}: HTTP ${status}${type ? ` ${type.split(';')[0]}` : ''} is not a readiness answer (is a zbridge serve with this configuration listening there?)`);
  }
  if (status !== 200 || body.status !== 'ready') return fail(`${target.url}: HTTP ${status} ${body.status}: ${notReadyParts(body) || 'no reason given'}`);
  io.stdout.write(`ready (${target.url})\n`);
  return { exitCode: 0, reason: 'ready' };
}

/** Longest readiness answer read (a few hundred bytes per profile): more is not a readiness answer. */
const MAX_ANSWER_BYTES = 1 << 20;

/**
 * GET `url` with node:http (not fetch, whose "bad port" list refuses ports such as 6000 or 6667 that an admin
 * listener may use); the whole exchange within `timeoutMs`.
 */
function getText(url: string, timeoutMs: number): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) res.destroy();
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: '' }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The shape /readyz answers (server/admin.ts): `status` and the parts checked, each `{ ok, error? }`. */
interface Readiness {
  status: string;
  profiles?: { profile?: unknown; ok?: unknown; error?: unknown }[];
  [part: string]: unknown;
}

function isReadiness(body: unknown): body is Readiness {
  return typeof body === 'object' && body !== null && typeof (body as { status?: unknown }).status === 'string' && ['ready', 'not ready'].includes((body as Readiness).status);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `profile erp: invalid_client; journal: …`: every part of the answer that is not ok, with its error. */
function notReadyParts(body: Readiness): string {
  const parts: string[] = [];
  for (const p of Array.isArray(body.profiles) ? body.profiles : []) {
    if (p && p.ok === false) parts.push(`profile ${String(p.profile)}: ${String(p.error ?? 'not ok')}`);
  }
  for (const [name, part] of Object.entries(body)) {
    if (name === 'profiles' || typeof part !== 'object' || part === null) continue;
    const { ok, error, reason } = part as { ok?: unknown; error?: unknown; reason?: unknown };
    if (ok === false) parts.push(`${name}: ${String(error ?? reason ?? 'not ok')}`);
  }
  return parts.join('; ');
}
