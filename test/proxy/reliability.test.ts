/** Upstream failures as old clients must see them: token expiry, 429s, 5xx on insert (in doubt), shutdown. */
import { afterEach, describe, expect, it } from 'vitest';
import { code, form, ids, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const insert = (proxy: TestProxy, last: string) =>
  proxy.http
    .post('/crm/private/xml/Leads/insertRecords')
    .type('form')
    .send(form({ authtoken: TOKEN, scope: 'crmapi', xmlData: `<Leads><row no="1"><FL val="Last Name">${last}</FL><FL val="Company">A</FL></row></Leads>` }))
    .then((r) => r.text);

const writes = (proxy: TestProxy, key = 'POST /crm/v2/:module') => proxy.sandbox.state.stats().requests[key] ?? 0;

describe('upstream reliability', () => {
  const update = (proxy: TestProxy, id: string, company: string) =>
    proxy.http
      .post('/crm/private/xml/Leads/updateRecords')
      .type('form')
      .send(form({ authtoken: TOKEN, scope: 'crmapi', id, xmlData: `<Leads><row no="1"><FL val="Company">${company}</FL></row></Leads>` }))
      .then((r) => r.text);

  it('a token revoked mid-run is refreshed once and an update retried', async () => {
    t = await startTestProxy();
    const [id] = ids(await insert(t, 'Before revoke'));
    const grants = t.sandbox.state.stats().tokenGrants.refresh_token;
    t.sandbox.state.revokeAllTokens();
    expect(await update(t, id, 'After revoke')).toContain('Record(s) updated successfully');
    expect(t.sandbox.state.stats().tokenGrants.refresh_token).toBe(grants + 1);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/zbridge_upstream_retries_total\{profile="sandbox",reason="invalid-token"\} 1/);
  });

  it('a 429 on an update is retried and never reaches the legacy client', async () => {
    t = await startTestProxy();
    const [id] = ids(await insert(t, 'Warm up'));
    t.sandbox.state.setFaults({ failNext: { count: 2, kind: '429' } });
    expect(await update(t, id, 'After 429')).toContain('Record(s) updated successfully');
    const outcome = t.outcomes().at(-1)!;
    expect(outcome.v2Calls[0]).toMatchObject({ status: 200, attempts: 3 });
  });

  // Item 9 of issue 13: an insert refused after its body was sent may have been applied; resending duplicates it.
  it.each([
    { kind: '429' as const, code: '4820' },
    { kind: 'invalid-token' as const, code: '4500' },
  ])('an insert refused with $kind after processing is in doubt and not resent: one record, journaled', async ({ kind, code: legacy }) => {
    t = await startTestProxy();
    await insert(t, 'Warm up');
    const before = writes(t);
    t.sandbox.state.setFaults({ failNext: { count: 1, kind, applyAfterProcessing: true } });
    const xml = await insert(t, `Refused ${kind}`);
    expect(code(xml)).toBe(legacy);
    expect(writes(t)).toBe(before + 1);
    expect(t.sandbox.state.records('Leads').filter((r) => r.values.Last_Name === `Refused ${kind}`)).toHaveLength(1);
    const outcome = t.outcomes().at(-1)!;
    expect(outcome).toMatchObject({ inDoubt: true, writes: [{ request: 0, status: 'in-doubt' }] });
    expect(t.requests().some((r) => r.id === outcome.id)).toBe(true);
  });

  it('a profile that trusts 429 (resendInsertsAfter) resends an insert refused before processing', async () => {
    t = await startTestProxy({ sandbox: { resendInsertsAfter: ['429'] } });
    await insert(t, 'Warm up');
    t.sandbox.state.setFaults({ failNext: { count: 2, kind: '429' } });
    expect(await insert(t, 'Trusted 429')).toContain('Record(s) added successfully');
    expect(t.sandbox.state.records('Leads').filter((r) => r.values.Last_Name === 'Trusted 429')).toHaveLength(1);
    expect(t.outcomes().at(-1)!.v2Calls[0]).toMatchObject({ status: 201, attempts: 3 });
  });

  it('a 500 on an insert is not retried: 4500 to the client, journaled in doubt', async () => {
    t = await startTestProxy();
    await insert(t, 'Warm up');
    const before = writes(t);
    t.sandbox.state.setFaults({ failNext: { count: 1, kind: '500', applyAfterProcessing: true } });
    const xml = await insert(t, 'Maybe created');
    expect(xml).toContain('<error><code>4500</code><message>Problem occured while processing the request</message></error>');
    expect(writes(t)).toBe(before + 1);
    // The write was applied before the 500: exactly what "in doubt" means.
    expect(t.sandbox.state.records('Leads').filter((r) => r.values.Last_Name === 'Maybe created')).toHaveLength(1);
    const outcome = t.outcomes().at(-1)!;
    expect(outcome.inDoubt).toBe(true);
    expect(t.requests().some((r) => r.id === outcome.id && r.xmlData?.includes('Maybe created'))).toBe(true);
    expect((await t.http.get('/metrics')).text).toMatch(/zbridge_in_doubt_calls_total\{profile="sandbox"\} 1/);
  });

  it('a 500 on an update is retried', async () => {
    t = await startTestProxy();
    const [id] = ids(await insert(t, 'To update'));
    t.sandbox.state.setFaults({ failNext: { count: 1, kind: '500' } });
    const res = await t.http
      .post('/crm/private/xml/Leads/updateRecords')
      .type('form')
      .send(form({ authtoken: TOKEN, scope: 'crmapi', id, xmlData: '<Leads><row no="1"><FL val="Company">Retried</FL></row></Leads>' }));
    expect(res.text).toContain('Record(s) updated successfully');
    expect(t.sandbox.state.records('Leads').find((r) => r.id === id)?.values.Company).toBe('Retried');
  });

  it('a connection reset on a fresh insert is in doubt, never silently resent', async () => {
    t = await startTestProxy({ profiles: [] });
    await insert(t, 'Warm up');
    await t.proxy.upstream.profile().client.close();
    t.sandbox.state.setFaults({ failNext: { count: 1, kind: 'reset' } });
    const before = writes(t);
    const xml = await insert(t, 'Reset');
    expect(xml).toContain('<code>4500</code>');
    expect(writes(t)).toBe(before + 1);
    expect(t.outcomes().at(-1)!.inDoubt).toBe(true);
  });

  it('healthz, readyz and metrics', async () => {
    t = await startTestProxy();
    expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.profiles).toEqual([{ profile: 'sandbox', ok: true }]);
    await insert(t, 'Metrics');
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/zbridge_calls_total\{module="Leads",method="insertRecords",code="2000"\} 1/);
    expect(metrics).toContain('zbridge_upstream_request_duration_seconds_bucket');
    expect(metrics).toMatch(/zbridge_token_refreshes_total\{profile="sandbox",ok="true"\} 1/);
    expect(metrics).toMatch(/zbridge_credits_used_total\{profile="sandbox"\} \d/);
  });

  it('readyz is 503 when the upstream cannot be reached', async () => {
    t = await startTestProxy();
    await t.sandbox.close();
    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.profiles[0].ok).toBe(false);
  });

  it('close() lets in-flight calls finish before stopping', async () => {
    t = await startTestProxy();
    await insert(t, 'Warm up');
    t.sandbox.state.setFaults({ latencyMs: 300 });
    const before = writes(t);
    const pending = insert(t, 'In flight at shutdown');
    // Close only once the call is provably in flight: the sandbox has received its write.
    while (writes(t) === before) await new Promise((r) => setTimeout(r, 5));
    const closing = t.close();
    expect(await pending).toContain('Record(s) added successfully');
    await closing;
    t = undefined;
  });
});
