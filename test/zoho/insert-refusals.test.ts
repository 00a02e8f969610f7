/**
 * Issue 13 item 9: an insert whose body was sent and that was refused with 429 or 401 may have been applied
 * (the sandbox's `applyAfterProcessing` shows the case). By default it is not resent: in doubt, exactly one
 * record. Updates are resent (repeating them converges). `resendInsertsAfter` trusts a refusal explicitly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { FailKind } from '../../src/sandbox/types.js';
import { clientFor, insertLead, insertRecordId, requestsOf, sandbox, updateLead } from './helpers.js';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await sandbox();
});
afterAll(() => sb.close());

const named = (last: string) => sb.state.records('Leads').filter((r) => r.values.Last_Name === last);

// The failure reason (v1 4820 / 4500 in mapping/results.ts).
const REFUSALS: { kind: FailKind; reason: string; trust: '429' | '401' }[] = [
  { kind: '429', reason: 'rate-limited', trust: '429' },
  { kind: 'invalid-token', reason: 'upstream-failed', trust: '401' },
];

describe.each(REFUSALS)('an insert refused with $kind after it was sent', ({ kind, reason, trust }) => {
  it('is not resent by default: in doubt, applied once', async () => {
    const { client } = clientFor(sb.url, { resendInsertsAfter: [] });
    await insertRecordId(client, 'Leads', { Last_Name: 'warm', Company: 'A' }); // token in hand
    const last = `refused-${kind}-default`;
    const before = requestsOf(sb, 'POST /crm/v2/:module');
    sb.state.setFaults({ failNext: { count: 1, kind, applyAfterProcessing: true } });
    const { outcome, calls } = await client.execute(insertLead(last), 'insert');
    expect(outcome).toMatchObject({ kind: 'failure', inDoubt: true, reason });
    expect(calls[0].attempts).toBe(1);
    expect(requestsOf(sb, 'POST /crm/v2/:module')).toBe(before + 1);
    expect(named(last)).toHaveLength(1);
    client.close();
  });

  it('is not resent when the refusal came before processing either (the client cannot tell)', async () => {
    const { client } = clientFor(sb.url, { resendInsertsAfter: [] });
    await insertRecordId(client, 'Leads', { Last_Name: 'warm', Company: 'A' });
    const last = `refused-${kind}-before`;
    sb.state.setFaults({ failNext: { count: 1, kind } });
    const { outcome } = await client.execute(insertLead(last), 'insert');
    expect(outcome).toMatchObject({ kind: 'failure', inDoubt: true });
    expect(named(last)).toHaveLength(0);
    client.close();
  });

  it(`is resent when the profile trusts ${trust} (resendInsertsAfter), which duplicates an applied write`, async () => {
    const { client } = clientFor(sb.url, { resendInsertsAfter: [trust] });
    await insertRecordId(client, 'Leads', { Last_Name: 'warm', Company: 'A' });
    const last = `refused-${kind}-trusted`;
    sb.state.setFaults({ failNext: { count: 1, kind, applyAfterProcessing: true } });
    const { outcome } = await client.execute(insertLead(last), 'insert');
    expect(outcome).toMatchObject({ kind: 'response', status: 201 });
    expect(named(last)).toHaveLength(2);
    client.close();
  });

  it('an update refused the same way is resent and converges', async () => {
    const { client } = clientFor(sb.url, { resendInsertsAfter: [] });
    const id = await insertRecordId(client, 'Leads', { Last_Name: `upd-${kind}`, Company: 'A' });
    sb.state.setFaults({ failNext: { count: 1, kind, applyAfterProcessing: true } });
    const { outcome } = await client.execute(updateLead(id, { Company: 'B' }), 'update');
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(sb.state.records('Leads').find((r) => r.id === id)?.values.Company).toBe('B');
    client.close();
  });
});
