/**
 * The client address behind load balancers (`trustProxy`): resolved from X-Forwarded-For as express's
 * `trust proxy` does, only through hops the configuration trusts; never from a header an untrusted peer sent.
 * Checked on the resolver (every hop shape) and end to end through real sockets: access line `remote`, journal
 * `client.address` and the report's integration grouping.
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configProblems, parseConfig } from '../../src/config.js';
import { clientAddressResolver } from '../../src/server/client-address.js';
import { runReport } from '../../src/report/run.js';
import { memoryIO, tempDir } from '../convert/helpers.js';
import { form, startTestProxy, TOKEN } from './helpers.js';

const fakeRequest = (remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddressResolver: X-Forwarded-For believed only through trusted hops', () => {
  const cases: [string, string[], string, string | undefined, string][] = [
    ['default: nothing trusted, the header ignored', [], '127.0.0.1', '10.9.8.7', '127.0.0.1'],
    ['the balancer trusted: the address it appended', ['127.0.0.1'], '127.0.0.1', '10.9.8.7', '10.9.8.7'],
    ['a trusted balancer without the header: the balancer itself', ['127.0.0.1'], '127.0.0.1', undefined, '127.0.0.1'],
    ['a spoofed header from an untrusted peer: the peer', ['10.0.0.1'], '203.0.113.50', '10.9.8.7', '203.0.113.50'],
    ['a spoofed entry left of the one the balancer appended: never reached', ['10.0.0.1'], '10.0.0.1', '6.6.6.6, 198.51.100.7', '198.51.100.7'],
    ['two trusted hops: the client before them', ['10.0.0.1', '10.0.0.2'], '10.0.0.2', '198.51.100.7, 10.0.0.1', '198.51.100.7'],
    ['an untrusted middle hop: it is the client as far as is known', ['10.0.0.2'], '10.0.0.2', '198.51.100.7, 10.0.0.1', '10.0.0.1'],
    ['a CIDR range of balancers', ['10.0.0.0/8'], '10.1.1.1', '6.6.6.6, 198.51.100.4, 10.2.2.2', '198.51.100.4'],
    ['a netmask range', ['10.0.0.0/255.0.0.0'], '10.1.1.1', '198.51.100.4', '198.51.100.4'],
    ['the name "loopback"', ['loopback'], '::1', '2001:db8::5', '2001:db8::5'],
    ['an IPv4-mapped socket address matches the IPv4 entry', ['127.0.0.1'], '::ffff:127.0.0.1', '10.9.8.7', '10.9.8.7'],
    ['IPv6 balancer and client', ['fd00::/8'], 'fd00::10', '2001:db8::77', '2001:db8::77'],
    ['a trusted hop forwarding something that is not an address: that hop', ['10.0.0.1'], '10.0.0.1', 'unknown', '10.0.0.1'],
    ['garbage behind two trusted hops: the last address known', ['10.0.0.0/8'], '10.0.0.1', '<script>, 10.0.0.2', '10.0.0.2'],
    ['spaces and empty entries', ['10.0.0.1'], '10.0.0.1', ' 198.51.100.7 ,  ', '198.51.100.7'],
  ];
  it.each(cases)('%s', (_name, trust, socket, header, want) => {
    expect(clientAddressResolver(trust)(fakeRequest(socket, header))).toBe(want);
  });

  it('a closed socket has no address, trusted or not', () => {
    expect(clientAddressResolver(['127.0.0.1'])(fakeRequest(undefined, '10.9.8.7'))).toBeUndefined();
    expect(clientAddressResolver([])(fakeRequest(undefined, '10.9.8.7'))).toBeUndefined();
  });
});

describe('trustProxy in the configuration', () => {
  it('defaults to none; takes addresses, ranges and names; ZBRIDGE_TRUST_PROXY is a comma list ("" = none)', () => {
    expect(parseConfig({}).trustProxy).toEqual([]);
    expect(parseConfig({ trustProxy: ['10.0.0.1', '172.30.80.0/24', 'fd00::/8', 'loopback'] }).trustProxy).toHaveLength(4);
    expect(parseConfig({ trustProxy: ['10.0.0.1'] }, { ZBRIDGE_TRUST_PROXY: ' 10.0.0.2 , 10.0.0.3,' }).trustProxy).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(parseConfig({ trustProxy: ['10.0.0.1'] }, { ZBRIDGE_TRUST_PROXY: '' }).trustProxy).toEqual([]);
  });

  it('config check shows the trusted balancers on its listen line', async () => {
    const { runConfigCheck } = await import('../../src/config-check.js');
    const io = memoryIO();
    expect((await runConfigCheck({ env: { ZBRIDGE_TRUST_PROXY: '172.30.80.10', ZBRIDGE_JOURNAL_DIR: '' } }, io)).exitCode).toBe(0);
    expect(io.out()).toMatch(/listen: 0\.0\.0\.0:8080; X-Forwarded-For trusted from 172\.30\.80\.10\n/);
  });

  const bad: [string, Record<string, unknown>, Record<string, string>, string][] = [
    ['a host name', { trustProxy: ['lb.internal'] }, {}, 'trustProxy[0]'],
    ['a bad range', { trustProxy: ['10.0.0.1', '10.0.0.0/33'] }, {}, 'trustProxy[1]'],
    ['an address with a port', { trustProxy: ['10.0.0.1:8080'] }, {}, 'trustProxy[0]'],
    ['not a list', { trustProxy: '10.0.0.1' }, {}, 'trustProxy'],
    ['from the environment', {}, { ZBRIDGE_TRUST_PROXY: '10.0.0.1,everything' }, 'ZBRIDGE_TRUST_PROXY'],
  ];
  it.each(bad)('%s is a problem naming %s', (_name, doc, env, option) => {
    const { problems } = configProblems(doc, env);
    expect(problems.map((p) => p.option)).toEqual([option]);
  });
});

/** One legacy write (journaled) over a real socket from 127.0.0.1, with the given X-Forwarded-For header lines. */
function call(port: number, forwardedFor: string[], method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: '/crm/private/xml/Leads/insertRecords',
        headers: { 'User-Agent': 'erp-sync/1', 'X-Forwarded-For': forwardedFor, 'Content-Type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(form({ authtoken: TOKEN, scope: 'crmapi', xmlData: '<Leads><row no="1"><FL val="Last Name">Lee</FL><FL val="Company">Acme</FL></row></Leads>' }));
  });
}

describe('end to end: access line, journal and report', () => {
  const scenarios: [string, string[], string[], string][] = [
    ['default: the header of the client is ignored', [], ['10.9.8.7'], '127.0.0.1'],
    ['the balancer (127.0.0.1) trusted', ['127.0.0.1'], ['10.9.8.7'], '10.9.8.7'],
    ['the balancer trusted, a client-written entry before its own', ['127.0.0.1'], ['6.6.6.6', '10.9.8.7'], '10.9.8.7'],
    ['two hops, both trusted (two header lines joined)', ['127.0.0.1', '10.0.0.2'], ['198.51.100.7, 10.0.0.2'], '198.51.100.7'],
    ['only some other balancer trusted: the peer, header ignored', ['10.0.0.0/8'], ['10.9.8.7'], '127.0.0.1'],
  ];

  it.each(scenarios)('%s', async (_name, trustProxy, header, want) => {
    const lines = new PassThrough();
    let log = '';
    lines.on('data', (c) => (log += c));
    const t = await startTestProxy({ trustProxy }, { logDestination: lines, logLevel: 'info' });
    try {
      expect(await call(t.proxy.port, header)).toBe(200);
      // A request refused at the HTTP layer (405) is journaled with the same address.
      expect(await call(t.proxy.port, header, 'PUT')).toBe(405);
      await t.journal.flush?.();
      const access = log
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; remote?: string; method?: string })
        .filter((l) => l.msg === 'access' && l.method === 'insertRecords');
      expect(access.map((l) => l.remote)).toEqual([want, want]);
      expect(t.outcomes().map((e) => e.category ?? 'ok')).toEqual(['ok', 'method-not-allowed']);
      // Every journal line (the write's request and outcome, the refusal's lines) carries the resolved address.
      expect(new Set(t.journal.entries.map((e) => (e as { client: { address?: string } }).client.address))).toEqual(new Set([want]));

      // The report groups the journal by (fingerprint, user agent, client address).
      const dir = mkdtempSync(join(tmpdir(), 'zbridge-trust-journal-'));
      writeFileSync(join(dir, 'journal.jsonl'), t.journal.entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const { data } = await runReport({ inputs: [dir], out: tempDir('trust-report') }, memoryIO());
      // (the write with its authtoken, the refused PUT without one: two integrations, one address)
      expect(data!.integrations.map((i) => i.address)).toEqual([want, want]);
    } finally {
      await t.close();
    }
  }, 60_000);
});
