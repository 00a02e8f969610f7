import { describe, expect, it } from 'vitest';
import { multipartFile } from '../../src/zoho/multipart.js';
import { clientFor, insertRecordId, localServer, sandbox, withTokenEndpoint, json } from './helpers.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('ZohoClient.send: DELETE, uploads and streamed downloads', () => {
  it('deletes, uploads a multipart file and streams it back byte for byte', async () => {
    const sb = await sandbox();
    const { client: c } = clientFor(sb.url);
    try {
      const id = await insertRecordId(c, 'Leads', { Last_Name: 'Send', Company: 'X' });
      const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
      bytes.write('head', 0);
      const up = await c.send({ method: 'POST', path: `/crm/v2/Leads/${id}/Attachments`, multipart: multipartFile('file', { bytes, fileName: 'a.bin', contentType: 'application/octet-stream' }), write: true, repeatable: false });
      expect(up.outcome.kind).toBe('response');
      const attId = ((up.outcome as { body: { data: { details: { id: string } }[] } }).body.data[0].details.id);
      const down = await c.send({ method: 'GET', path: `/crm/v2/Leads/${id}/Attachments/${attId}`, write: false, repeatable: true, streamResponse: true });
      if (down.outcome.kind !== 'response' || !down.outcome.stream) throw new Error('no stream');
      expect(down.outcome.headers?.['content-type']).toBe('application/octet-stream');
      expect(Buffer.compare(await readAll(down.outcome.stream), bytes)).toBe(0);
      const del = await c.send({ method: 'DELETE', path: '/crm/v2/Leads', query: { ids: id, wf_trigger: 'false' }, write: true, repeatable: false });
      expect(del.outcome).toMatchObject({ kind: 'response', status: 200 });
      expect(sb.state.store.deleted.has(id)).toBe(true);
    } finally {
      c.close();
      await sb.close();
    }
  });

  it('a DELETE cut off after sending is in doubt and not retried', async () => {
    let deletes = 0;
    const server = await localServer(
      withTokenEndpoint((req, res) => {
        if (req.method === 'DELETE') {
          deletes += 1;
          req.socket.destroy();
          return;
        }
        json(res, 404, {});
      }),
    );
    const { client: c } = clientFor(server.url);
    try {
      const out = await c.send({ method: 'DELETE', path: '/crm/v2/Leads', query: { ids: '1' }, write: true, repeatable: false });
      expect(out.outcome).toMatchObject({ kind: 'failure', inDoubt: true });
      expect(deletes).toBe(1);
    } finally {
      c.close();
      await server.close();
    }
  });
});
