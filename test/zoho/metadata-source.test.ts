/**
 * Every MetadataSource implementation against one contract (metadata-contract.ts): SnapshotMetadata (files: the
 * converter, tests), LiveMetadata over a real sandbox server (v2 /settings and /users through the client), and
 * LiveMetadata whose upstream is unreachable, serving its fallback snapshot.
 */
import { describe } from 'vitest';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { LiveMetadata, SnapshotMetadata } from '../../src/zoho/metadata.js';
import { clientFor, freePort, sandbox } from './helpers.js';
import { metadataSourceContract } from './metadata-contract.js';

describe('SnapshotMetadata (bundled snapshot)', () => {
  metadataSourceContract(async () => ({ source: new SnapshotMetadata(bundledSnapshot()) }));
});

describe('LiveMetadata over the sandbox', () => {
  metadataSourceContract(async () => {
    const sb = await sandbox();
    const { client } = clientFor(sb.url);
    return {
      source: new LiveMetadata(client),
      close: async () => {
        client.close();
        await sb.close();
      },
    };
  });
});

describe('LiveMetadata with the upstream down, serving its fallback snapshot', () => {
  metadataSourceContract(async () => {
    const port = await freePort();
    const { client } = clientFor(`http://127.0.0.1:${port}`, { maxRetries: 0 });
    return { source: new LiveMetadata(client, { fallback: bundledSnapshot(), onWarning: () => {} }), close: () => client.close() };
  });
});
