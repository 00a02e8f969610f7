/** LiveMetadata against the sandbox: TTL cache, single flight per key, snapshot / expired-cache fallback with a warning. */
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { ZohoClient } from '../../src/zoho/client.js';
import { LiveMetadata, SnapshotMetadata } from '../../src/zoho/metadata.js';
import { clientFor, freePort, requestsOf, sandbox } from './helpers.js';

let sb: RunningSandbox | undefined;
let client: ZohoClient | undefined;
afterEach(async () => {
  client?.close();
  await sb?.close();
  sb = client = undefined;
});

const MODULES = 'GET /crm/v2/settings/modules';
const FIELDS = 'GET /crm/v2/settings/fields';
const USERS = 'GET /crm/v2/users';

/** A sandbox, a client (no retries: a failure is a failure) and a manual clock shared by both. */
async function setup(options: ConstructorParameters<typeof LiveMetadata>[1] = {}) {
  const clock = { now: Date.now() };
  sb = await sandbox({ now: () => clock.now });
  ({ client } = clientFor(sb.url, { maxRetries: 0 }, { now: () => clock.now }));
  const warnings: string[] = [];
  const live = new LiveMetadata(client, { now: () => clock.now, onWarning: (w) => warnings.push(w), ...options });
  return { clock, live, warnings, sb };
}

describe('LiveMetadata', () => {
  it('serves modules, fields, users and the current user from v2', async () => {
    const { live } = await setup();
    const snap = bundledSnapshot();
    expect((await live.modules()).map((m) => m.api_name)).toEqual(snap.modules.map((m) => m.api_name));
    expect((await live.fields('Leads')).map((f) => f.api_name)).toEqual(snap.fields.Leads.map((f) => f.api_name));
    expect((await live.users()).map((u) => u.id)).toEqual(snap.users.map((u) => u.id));
    expect((await live.currentUser())?.id).toBe(snap.users[0].id); // the owner of the refresh token
  });

  it('caches per key for the TTL, then fetches again', async () => {
    const { live, clock, sb } = await setup({ ttlMs: 60_000 });
    await live.modules();
    await live.modules();
    await live.fields('Leads');
    await live.fields('Leads');
    await live.fields('Contacts');
    expect(requestsOf(sb, MODULES)).toBe(1);
    expect(requestsOf(sb, FIELDS)).toBe(2); // one per module
    clock.now += 59_000;
    await live.modules();
    expect(requestsOf(sb, MODULES)).toBe(1);
    clock.now += 2_000;
    await live.modules();
    await live.modules();
    expect(requestsOf(sb, MODULES)).toBe(2);
    expect(requestsOf(sb, FIELDS)).toBe(2);
  });

  it('is single-flight: 20 concurrent cold reads of one key are one request', async () => {
    const { live, sb } = await setup();
    const answers = await Promise.all(Array.from({ length: 20 }, () => live.fields('Deals')));
    expect(new Set(answers).size).toBe(1);
    expect(requestsOf(sb, FIELDS)).toBe(1);
    await Promise.all([live.users(), live.users(), live.currentUser(), live.currentUser()]);
    expect(requestsOf(sb, USERS)).toBe(2); // AllUsers and CurrentUser are separate keys
  });

  it('falls back to the snapshot with a warning when v2 fails, and tries live again after retryAfterMs', async () => {
    const fallback = bundledSnapshot();
    const { live, clock, warnings, sb } = await setup({ fallback, retryAfterMs: 10_000 });
    sb.state.setFaults({ errorRate: 1 }); // every call answers 500
    expect(await live.modules()).toBe(fallback.modules);
    expect(await live.fields('Leads')).toBe(fallback.fields.Leads);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/live metadata "modules" unavailable \(.*HTTP 500.*\); using the snapshot/);
    expect(warnings[1]).toContain('"fields:Leads"');
    // The fallback is served without calling until retryAfterMs has passed.
    await live.modules();
    expect(requestsOf(sb, MODULES)).toBe(1);
    sb.state.setFaults({});
    clock.now += 10_001;
    expect((await live.modules()).length).toBe(fallback.modules.length);
    expect(requestsOf(sb, MODULES)).toBe(2);
    expect(warnings).toHaveLength(2);
  });

  it('serves the expired cache rather than the snapshot when v2 goes down later', async () => {
    const fallback = { ...bundledSnapshot(), modules: [] };
    const { live, clock, warnings, sb } = await setup({ fallback, ttlMs: 1000 });
    const fresh = await live.modules();
    expect(fresh.length).toBeGreaterThan(0);
    sb.state.setFaults({ errorRate: 1 });
    clock.now += 5000;
    expect(await live.modules()).toBe(fresh);
    expect(warnings[0]).toContain('using the expired cache');
  });

  it('falls back when the upstream cannot be reached at all', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    ({ client } = clientFor(url, { maxRetries: 1 }));
    const warnings: string[] = [];
    const fallback = bundledSnapshot();
    const live = new LiveMetadata(client, { fallback, onWarning: (w) => warnings.push(w) });
    expect(await live.users()).toBe(fallback.users);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ECONNREFUSED/);
  });

  it('without a fallback for the key the failure is thrown and not cached', async () => {
    const fallback = bundledSnapshot();
    const { live, sb } = await setup({ fallback });
    // A module the org does not have: v2 answers 400 INVALID_MODULE and the snapshot has no fields for it.
    await expect(live.fields('No_Such_Module')).rejects.toThrow(/answered without "fields"/);
    await expect(live.fields('No_Such_Module')).rejects.toThrow();
    expect(requestsOf(sb, FIELDS)).toBe(2);
    sb.state.setFaults({ errorRate: 1 });
    const error = await live.currentUser().catch((e: unknown) => e); // no snapshot answer for "current user"
    expect(error).toBeInstanceOf(UpstreamError);
  });

  it('a failure without fallback is shared by the callers waiting for it', async () => {
    const { live, sb } = await setup();
    sb.state.setFaults({ errorRate: 1 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => live.modules()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(requestsOf(sb, MODULES)).toBe(1);
  });
});

describe('SnapshotMetadata', () => {
  it('answers from the files; unknown modules have no fields', async () => {
    const snap = bundledSnapshot();
    const meta = new SnapshotMetadata(snap);
    expect(await meta.modules()).toBe(snap.modules);
    expect(await meta.fields('Leads')).toBe(snap.fields.Leads);
    expect(await meta.fields('Nope')).toEqual([]);
    expect(await meta.users()).toBe(snap.users);
    expect(await meta.currentUser()).toBe(snap.users[0]);
  });
});
