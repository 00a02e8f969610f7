/**
 * The AttachmentIndex contract (attachment id → parent record, for v1 downloadFile/deleteFile; issue 18), run
 * against every implementation: in-process, the file beside the journal, Redis (shared by replicas).
 */
import { expect, it } from 'vitest';
import type { AttachmentIndex } from '../../../src/state/attachments.js';
import type { Views } from './util.js';

/**
 * @param reopen for a persistent implementation: a fresh instance on the same storage (a restarted process),
 *   created after the writes it must see.
 */
export function attachmentIndexContract(views: Views<AttachmentIndex>, reopen?: (index: AttachmentIndex) => AttachmentIndex): void {
  const deal = { module: 'Deals', recordId: '3652397000000300001' };
  const lead = { module: 'Leads', recordId: '3652397000000300002' };

  it('a parent remembered on one view is found on the other; unknown ids read undefined', async () => {
    const [a, b] = await views();
    expect(await b.lookup('p', '3652397000000400001')).toBeUndefined();
    await a.remember('p', '3652397000000400001', deal);
    expect(await b.lookup('p', '3652397000000400001')).toEqual(deal);
  });

  it('ids are per profile (unique per org only)', async () => {
    const [a, b] = await views();
    await a.remember('p', '3652397000000400002', deal);
    await a.remember('q', '3652397000000400002', lead);
    expect(await b.lookup('p', '3652397000000400002')).toEqual(deal);
    expect(await b.lookup('q', '3652397000000400002')).toEqual(lead);
    expect(await b.lookup('r', '3652397000000400002')).toBeUndefined();
  });

  it('a later parent replaces the earlier one; forget on one view is seen by the other; forgetting twice is harmless', async () => {
    const [a, b] = await views();
    await a.remember('p', '3652397000000400003', deal);
    await b.remember('p', '3652397000000400003', lead);
    expect(await a.lookup('p', '3652397000000400003')).toEqual(lead);
    await b.forget('p', '3652397000000400003');
    await b.forget('p', '3652397000000400003');
    expect(await a.lookup('p', '3652397000000400003')).toBeUndefined();
  });

  it('survives a restart where the implementation is persistent', async () => {
    const [a] = await views();
    await a.remember('p', '3652397000000400004', deal);
    await a.remember('p', '3652397000000400005', lead);
    await a.forget('p', '3652397000000400005');
    if (!reopen) return;
    const again = reopen(a);
    expect(await again.lookup('p', '3652397000000400004')).toEqual(deal);
    expect(await again.lookup('p', '3652397000000400005')).toBeUndefined();
  });
}
