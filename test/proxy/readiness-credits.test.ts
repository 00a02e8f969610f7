/**
 * /readyz must not eat the API credits the old integrations need (breaker finding 23): while v2's last working
 * answer is recent, a probe only checks that the API domain answers, without a token (v2 charges no credit for an
 * unauthenticated 401); a failed attempt since then brings the full `/settings/modules` read back, and concurrent
 * probes share one check. Counted on both sides: the proxy's credit counter and the sandbox's authenticated reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MODULES = 'GET /crm/v2/settings/modules';

async function creditsUsed(p: TestProxy): Promise<number> {
  const text = (await p.http.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith('zbridge_credits_used_total{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const moduleReads = (p: TestProxy): number => p.sandbox.state.stats().requests[MODULES] ?? 0;

async function insertLead(p: TestProxy): Promise<string> {
  const xmlData = '<Leads><row no="1"><FL val="Last Name">Ready</FL><FL val="Company">Probe</FL></row></Leads>';
  const res = await p.http.post('/crm/private/xml/Leads/insertRecords').type('form').send({ authtoken: TOKEN, scope: 'crmapi', xmlData });
  return res.text;
}

describe('/readyz spends no credit while v2 answers', () => {
  it('one paid check, then token-less probes; concurrent probes share one check', async () => {
    t = await startTestProxy();
    const p = t;
    // Authenticated requests are slowed so that five probes arriving together overlap the one paid check.
    p.sandbox.state.setFaults({ latencyMs: 300 });
    const before = await creditsUsed(p);
    const together = await Promise.all(Array.from({ length: 5 }, () => p.http.get('/readyz')));
    expect(together.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect((await creditsUsed(p)) - before).toBeLessThanOrEqual(1);

    const credits = await creditsUsed(p);
    const reads = moduleReads(p);
    const later: number[] = [];
    for (let i = 0; i < 10; i++) later.push((await p.http.get('/readyz')).status);
    expect(later).toEqual(Array(10).fill(200));
    // Ten probes: no credit, one token-less GET each (the sandbox counts every request it receives).
    expect(await creditsUsed(p)).toBe(credits);
    expect(moduleReads(p) - reads).toBe(10);
  });

  it('a failed attempt since the last working answer brings the paid check back', async () => {
    t = await startTestProxy();
    const p = t;
    expect((await p.http.get('/readyz')).status).toBe(200);
    const afterFirst = await creditsUsed(p);
    expect((await p.http.get('/readyz')).status).toBe(200);
    expect(await creditsUsed(p)).toBe(afterFirst);

    // A write whose connection is reset: a failed attempt (answered 4500 in doubt).
    p.sandbox.state.setFaults({ failNext: { count: 1, kind: 'reset' } });
    expect(await insertLead(p)).toContain('<code>4500</code>');
    const beforeProbe = await creditsUsed(p);
    expect((await p.http.get('/readyz')).status).toBe(200);
    expect(await creditsUsed(p)).toBe(beforeProbe + 1);
  });

  it('with evidence, an API domain that stopped answering is still "not ready"', async () => {
    t = await startTestProxy();
    const p = t;
    expect((await p.http.get('/readyz')).status).toBe(200);
    await p.sandbox.close();
    const ready = await p.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.profiles[0]).toMatchObject({ ok: false });
  });
});
