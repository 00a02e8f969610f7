/**
 * Load generator, run as its own process (so it never shares an event loop with the servers it measures):
 * `connections` keep-alive connections, each sending the same request back to back for warm-up + duration.
 * Latency is timed per request with hrtime in µs (autocannon's histogram only resolves whole milliseconds,
 * too coarse for a sub-millisecond proxy overhead). Argument: JSON LoadSpec; prints one JSON LoadResult line.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { percentile } from './lib/measure.js';

export interface LoadSpec {
  url: string;
  /** Several targets (replicas of one proxy): connection i sends to urls[i % urls.length]. Default [url]. */
  urls?: string[];
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Request body file (read once). */
  bodyFile?: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** What a good answer is: a v2 2xx, or a legacy HTTP-200 body without `<error>` (error codes are counted). */
  expect: 'v2' | 'legacy';
}

export interface LoadResult {
  /** Answers completed inside the measured window. */
  requests: number;
  /** Every answer or transport error, warm-up and tail included (per-request CPU of the server divides by this). */
  sent: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** HTTP statuses of measured answers. */
  statuses: Record<string, number>;
  /** Legacy `<error><code>` values seen in measured answers (legacy mode). */
  legacyErrors: Record<string, number>;
  /** Answers that did not meet `expect`. */
  bad: number;
  transportErrors: number;
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;
const ERROR_CODE = /<error><code>([^<]*)<\/code>/;

export async function generateLoad(spec: LoadSpec): Promise<LoadResult> {
  const body = spec.bodyFile ? readFileSync(spec.bodyFile) : undefined;
  const targets = (spec.urls?.length ? spec.urls : [spec.url]).map((u) => new URL(u));
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const headers = { ...spec.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  const start = nowUs();
  const measureFrom = start + spec.warmupMs * 1000;
  const end = measureFrom + spec.durationMs * 1000;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const legacyErrors: Record<string, number> = {};
  let bad = 0;
  let transportErrors = 0;
  let sent = 0;

  const once = (target: URL): Promise<void> =>
    new Promise((resolve) => {
      const t0 = nowUs();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: spec.method, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const t1 = nowUs();
            sent++;
            // Completions inside the window count, whenever they started: with deep queues (200 clients, 10
            // upstream slots) a request can wait seconds, and counting by start time would under-report.
            if (t1 >= measureFrom && t1 <= end) {
              latencies.push(t1 - t0);
              const status = res.statusCode ?? 0;
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (spec.expect === 'v2') {
                if (status < 200 || status > 299) bad++;
              } else {
                const code = ERROR_CODE.exec(Buffer.concat(chunks).toString('utf8'))?.[1];
                if (code !== undefined) legacyErrors[code] = (legacyErrors[code] ?? 0) + 1;
                if (status !== 200 || code !== undefined) bad++;
              }
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        const t1 = nowUs();
        sent++;
        if (t1 >= measureFrom && t1 <= end) transportErrors++;
        resolve();
      });
      req.end(body);
    });

  const loop = async (_: unknown, i: number): Promise<void> => {
    const target = targets[i % targets.length];
    while (nowUs() < end) await once(target);
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = spec.durationMs / 1000;
  return {
    requests: latencies.length,
    sent,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50) / 1000,
    p90Ms: percentile(latencies, 90) / 1000,
    p99Ms: percentile(latencies, 99) / 1000,
    maxMs: (latencies[latencies.length - 1] ?? NaN) / 1000,
    statuses,
    legacyErrors,
    bad,
    transportErrors,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await generateLoad(JSON.parse(process.argv[2] ?? '{}') as LoadSpec);
  console.log(JSON.stringify(result));
}
