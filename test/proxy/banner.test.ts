import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startupBanner } from '../../src/server/banner.js';
import type { RunningProxy } from '../../src/server/index.js';

const proxyAt = (bind: string): RunningProxy =>
  ({ url: 'http://127.0.0.1:8080', bind, port: 8080, upstream: { authtokens: [], profiles: () => [], state: { kind: 'memory' } }, journalDir: '' }) as unknown as RunningProxy;

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

describe('README quick start matches what npm start prints and answers (newcomer finding 8)', () => {
  it('the curl is the printed one, and its answer is the README answer up to the Id and times', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { startProxy } = await import('../../src/server/index.js');
    const { createLogger } = await import('../../src/server/logger.js');
    const { packageRoot } = await import('../../src/paths.js');
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Tests'));
    const [readmeCurl, readmeAnswer] = [/```sh\n(curl[\s\S]*?)\n```/.exec(quick)![1], /```xml\n([\s\S]*?)\n```/.exec(quick)![1]];

    const proxy = await startProxy(parseConfig({ port: 0, host: '127.0.0.1', journal: { dir: '' } }), { defaultMetrics: false, logger: createLogger('silent') });
    try {
      const banner = startupBanner(proxy, parseConfig({ journal: { dir: '' } }));
      const token = proxy.upstream.authtokens[0].tokens[0];
      const printed = banner
        .split('\n')
        .filter((l) => /^\s+(curl |--data-urlencode )/.test(l))
        .map((l) => l.replace(/^ {2}/, ''))
        .join('\n');
      expect(printed.replace(token, '<printed token>').replace(proxy.url, 'http://127.0.0.1:8080')).toBe(readmeCurl);

      const xmlData = /'xmlData=(.*)'$/m.exec(printed)![1];
      const res = await fetch(`${proxy.url}/crm/private/xml/Leads/insertRecords`, { method: 'POST', body: new URLSearchParams({ authtoken: token, scope: 'crmapi', xmlData }) });
      const normalise = (xml: string) => xml.trim().replace(/<FL val="Id">\d+</, '<FL val="Id">ID<').replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'TIME');
      expect(normalise(await res.text())).toBe(normalise(readmeAnswer));
    } finally {
      await proxy.close();
    }
  });
});
