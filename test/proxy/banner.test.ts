import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startupBanner } from '../../src/server/banner.js';
import type { RunningProxy } from '../../src/server/index.js';

const proxyAt = (bind: string): RunningProxy =>
  ({ url: 'http://127.0.0.1:8080', bind, port: 8080, upstream: { authtokens: [], profiles: () => [] } }) as unknown as RunningProxy;

describe('start-up banner: where the proxy really listens', () => {
  const config = parseConfig({});

  it('a wildcard bind says it is reachable from every interface', () => {
    const first = startupBanner(proxyAt('0.0.0.0:8080'), config).split('\n')[0];
    expect(first).toBe('zbridge proxy listening on http://127.0.0.1:8080 (bound to 0.0.0.0:8080: every network interface; set host: 127.0.0.1 to keep it local)');
    expect(startupBanner(proxyAt('[::]:8080'), config).split('\n')[0]).toContain('every network interface');
  });

  it('a loopback bind is just the URL', () => {
    expect(startupBanner(proxyAt('127.0.0.1:8080'), config).split('\n')[0]).toBe('zbridge proxy listening on http://127.0.0.1:8080');
  });
});
