/**
 * The ports of bridge/ports.ts against their implementations. Each port has one implementation in zbridge, the
 * server's: Logger = the pino logger of server/logger.ts, CallMetrics = server/metrics.ts ProxyMetrics, AuthLookup
 * = server/auth.ts AuthtokenIndex (configured with clear tokens or with SHA-256 digests, both run). No second
 * implementation is invented for the test; the suites are exported for embedders' own.
 */
import { PassThrough } from 'node:stream';
import { describe } from 'vitest';
import { AuthtokenIndex, sha256 } from '../../src/server/auth.js';
import { createLogger } from '../../src/server/logger.js';
import { ProxyMetrics } from '../../src/server/metrics.js';
import { authLookupContract, callMetricsContract, loggerContract } from './ports-contract.js';

const PINO_LEVELS: Record<number, string> = { 30: 'info', 40: 'warn', 50: 'error' };

describe('Logger: server/logger.ts (pino)', () => {
  loggerContract(() => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const logger = createLogger('info', out);
    return {
      logger,
      async lines() {
        await new Promise((resolve) => setImmediate(resolve));
        return text
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const { level, ...rest } = JSON.parse(l) as { level: number } & Record<string, unknown>;
            return { ...rest, level: PINO_LEVELS[level] ?? String(level) };
          });
      },
    };
  });
});

describe('CallMetrics: server/metrics.ts ProxyMetrics', () => {
  callMetricsContract(() => {
    const metrics = new ProxyMetrics({ defaultMetrics: false });
    const valueOf = async (name: string, labels: Record<string, string>): Promise<number> => {
      const data = await metrics.registry.getSingleMetric(name)!.get();
      const match = data.values.find((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value));
      return match?.value ?? 0;
    };
    const names = { rows: 'zbridge_rows_total', unsupported: 'zbridge_unsupported_method_calls_total', inDoubt: 'zbridge_in_doubt_calls_total' } as const;
    return {
      metrics,
      callCount: (labels) => valueOf('zbridge_calls_total', { ...labels }),
      counterValue: (counter, labels) => valueOf(names[counter], labels),
    };
  });
});

describe('AuthLookup: server/auth.ts AuthtokenIndex, clear tokens', () => {
  authLookupContract((accepted) => {
    const index = new AuthtokenIndex();
    for (const { profile, token } of accepted) index.addToken(profile, token);
    return index;
  });
});

describe('AuthLookup: server/auth.ts AuthtokenIndex, SHA-256 digests (authtokenSha256)', () => {
  authLookupContract((accepted) => {
    const index = new AuthtokenIndex();
    for (const { profile, token } of accepted) index.addDigest(profile, `sha256:${sha256(token).toString('hex')}`);
    return index;
  });
});
