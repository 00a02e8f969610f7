import { afterEach, describe, expect, it } from 'vitest';
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

const FIELDS = 'GET /crm/v2/settings/fields';
const MODULES = 'GET /crm/v2/settings/modules';

describe('LiveMetadata', () => {
  it('caches per module for the TTL, single-flight per key', async () => {
    let now = 1_000_000;
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const meta = new LiveMetadata(client, { ttlMs: 60_000, now: () => now });
    const answers = await Promise.all(Array.from({ length: 10 }, () => meta.fields('Leads')));
    expect(answers[0].some((f) => f.api_name === 'Last_Name')).toBe(true);
    expect(requestsOf(sb, FIELDS)).toBe(1);
    await meta.fields('Contacts');
    expect(requestsOf(sb, FIELDS)).toBe(2); // another module, another key
    now += 59_000;
    await meta.fields('Leads');
    expect(requestsOf(sb, FIELDS)).toBe(2);
    now += 2_000;
    await meta.fields('Leads');
    expect(requestsOf(sb, FIELDS)).toBe(3);
  });

  it('reads modules, users and the current user live', async () => {
    sb = await sandbox();
    ({ client } = clientFor(sb.url));
    const meta = new LiveMetadata(client);
    expect((await meta.modules()).some((m) => m.api_name === 'Leads')).toBe(true);
    expect((await meta.users()).length).toBeGreaterThan(0);
    expect((await meta.currentUser())?.id).toBe(bundledSnapshot().users[0].id);
    await meta.modules();
    expect(requestsOf(sb, MODULES)).toBe(1);
  });

  it('falls back to the snapshot with a warning, and retries live sooner than the TTL', async () => {
    let now = 1_000_000;
    const port = await freePort();
    ({ client } = clientFor(`http://127.0.0.1:${port}`, { maxRetries: 0 }));
    const warnings: string[] = [];
    const meta = new LiveMetadata(client, {
      ttlMs: 600_000,
      retryAfterMs: 30_000,
      now: () => now,
      fallback: bundledSnapshot(),
      onWarning: (m) => warnings.push(m),
    });
    const fields = await meta.fields('Leads');
    expect(fields).toBe(bundledSnapshot().fields.Leads);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/snapshot/);
    await meta.fields('Leads'); // within retryAfterMs: served from the fallback without a new attempt
    expect(warnings).toHaveLength(1);
    now += 31_000;
    await meta.fields('Leads');
    expect(warnings).toHaveLength(2); // tried live again (still down)
    expect(warnings[1]).toMatch(/snapshot/);
  });

  it('without a fallback the live failure surfaces', async () => {
    const port = await freePort();
    ({ client } = clientFor(`http://127.0.0.1:${port}`, { maxRetries: 0 }));
    await expect(new LiveMetadata(client).modules()).rejects.toThrow();
  });
});

describe('SnapshotMetadata', () => {
  it('serves the snapshot as is', async () => {
    const snap = bundledSnapshot();
    const meta = new SnapshotMetadata(snap);
    expect(await meta.modules()).toBe(snap.modules);
    expect(await meta.fields('Leads')).toBe(snap.fields.Leads);
    expect(await meta.fields('Nope')).toEqual([]);
    expect(await meta.currentUser()).toBe(snap.users[0]);
  });
});
