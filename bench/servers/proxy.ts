/**
 * The zbridge proxy as its own process, upstream = a sandbox process reached like a Zoho data centre (explicit
 * accountsUrl/apiDomain), journal in a temporary directory (as in production; `"journalDir": ""` = in memory),
 * log level silent. Argument: JSON `{ sandboxUrl, clientId, clientSecret, refreshToken, authtoken,
 * concurrency?, journalDir? }`. Prints `{"url"}` when listening; closes gracefully on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.js';
import { startProxy } from '../../src/server/index.js';

interface Options {
  sandboxUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  authtoken: string;
  concurrency?: number;
  journalDir?: string;
}
const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const tmp = o.journalDir === undefined ? mkdtempSync(join(tmpdir(), 'zbridge-bench-journal-')) : undefined;
const config = parseConfig({
  port: 0,
  host: '127.0.0.1',
  upstream: 'zoho',
  logLevel: 'silent',
  journal: { dir: tmp ?? o.journalDir ?? '' },
  profiles: [
    {
      name: 'bench',
      authtokens: [o.authtoken],
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      refreshToken: o.refreshToken,
      accountsUrl: o.sandboxUrl,
      apiDomain: o.sandboxUrl,
      timeZone: 'America/Toronto',
      concurrency: o.concurrency ?? 10,
    },
  ],
});
const proxy = await startProxy(config, { defaultMetrics: false });
console.log(JSON.stringify({ url: proxy.url, journal: tmp ? 'tmp dir' : o.journalDir ? 'dir' : 'memory' }));
process.once('SIGTERM', () => {
  void proxy.close().finally(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
  });
});
