/**
 * Breaker finding 19: a body over the proxy's limit is answered with the method's own error. uploadFile and
 * uploadPhoto carry a file: too big is v1's 4807 `Exceeded file size limit` (what their clients branch on), in
 * every request shape — Content-Length announced with `Expect: 100-continue` (answered before the body is sent),
 * a whole body drained, a body beyond the discard bound (answered early, connection closed), chunked — in XML and
 * JSON, any case of the method name. Other methods keep 4600 naming "xmlData". Real sockets throughout.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy();
});
afterAll(() => t?.close());

const BOUNDARY = 'zbOversizeBoundary';
const MB = 1024 * 1024;

/** A multipart upload body of about `fileBytes` bytes (authtoken, scope, id and the file part). */
function multipartHead(): string {
  const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return `${field('authtoken', TOKEN)}${field('scope', 'crmapi')}${field('id', '3652397000000123001')}--${BOUNDARY}\r\nContent-Disposition: form-data; name="content"; filename="scan.pdf"\r\nContent-Type: application/octet-stream\r\n\r\n`;
}
const multipartTail = `\r\n--${BOUNDARY}--\r\n`;

type Shape = 'expect' | 'drained' | 'beyond-discard' | 'chunked';

/**
 * Send one upload of `fileBytes` in the given shape over a raw socket; resolves with everything the server sent
 * once it closed the connection or answered a whole response (write errors after an early answer are expected).
 */
function upload(path: string, fileBytes: number, shape: Shape): Promise<string> {
  const url = new URL(t.proxy.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(text);
    };
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      // One whole answer (the legacy body ends with a newline after </response> or the JSON's closing brace).
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && len && Buffer.byteLength(text.slice(head + 4), 'latin1') >= Number(len[1]) && !/^HTTP\/1\.1 100/.test(text)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => undefined); // EPIPE / ECONNRESET after the server answered early
    const head = Buffer.from(multipartHead());
    const tail = Buffer.from(multipartTail);
    const total = head.length + fileBytes + tail.length;
    const headers = [`POST ${path} HTTP/1.1`, 'Host: x', `Content-Type: multipart/form-data; boundary=${BOUNDARY}`];
    if (shape === 'chunked') headers.push('Transfer-Encoding: chunked');
    else headers.push(`Content-Length: ${total}`);
    if (shape === 'expect') headers.push('Expect: 100-continue');
    socket.write(`${headers.join('\r\n')}\r\n\r\n`);
    if (shape === 'expect') return; // a well-behaved client waits for 100 Continue, which must not come
    const chunk = Buffer.alloc(MB, 0x25);
    let sent = 0;
    const frame = (b: Buffer) => (shape === 'chunked' ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : b);
    const pump = () => {
      if (done || socket.destroyed) return;
      let ok = true;
      if (sent === 0) ok = socket.write(frame(head));
      while (ok && sent < fileBytes && !done) {
        const n = Math.min(chunk.length, fileBytes - sent);
        sent += n;
        ok = socket.write(frame(chunk.subarray(0, n)));
      }
      if (sent >= fileBytes) {
        socket.write(frame(tail));
        if (shape === 'chunked') socket.write('0\r\n\r\n');
        return;
      }
      socket.once('drain', pump);
    };
    pump();
    setTimeout(() => reject(new Error(`no answer: ${text.slice(0, 300)}`)), 170_000).unref();
  });
}

const CASES: [string, 'xml' | 'json', Shape, number][] = [];
for (const method of ['uploadFile', 'uploadPhoto', 'UPLOADFILE']) {
  for (const format of ['xml', 'json'] as const) {
    for (const shape of ['expect', 'drained'] as const) CASES.push([method, format, shape, 22 * MB]);
  }
}
CASES.push(['uploadFile', 'xml', 'beyond-discard', 40 * MB], ['uploadPhoto', 'json', 'chunked', 22 * MB], ['uploadFile', 'json', 'chunked', 22 * MB]);

describe('a too-big upload answers the method\'s own error', () => {
  it.each(CASES)('%s (%s, %s, %d bytes of file) → 4807 Exceeded file size limit', async (method, format, shape, bytes) => {
    const module = method.toLowerCase() === 'uploadphoto' ? 'Contacts' : 'Leads';
    const path = `/crm/private/${format}/${module}/${method}`;
    const text = await upload(path, bytes, shape);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).not.toMatch(/100 Continue/);
    if (format === 'xml') {
      expect(text).toContain(`<response uri="${path}"><error><code>4807</code><message>Exceeded file size limit</message></error></response>`);
    } else {
      expect(text).toContain(`{"response":{"error":{"message":"Exceeded file size limit","code":"4807"},"uri":"${path}"}}`);
    }
    expect(text).not.toContain('xmlData');
    const outcome = t.outcomes().at(-1)!;
    expect(outcome.legacy).toMatchObject({ kind: 'error', code: '4807' });
    expect(t.sandbox.state.store.attachments.size).toBe(0);
  }, 180_000);

  it('a write method over the body limit keeps 4600 "xmlData"', async () => {
    const text = await upload('/crm/private/xml/Leads/insertRecords', 22 * MB, 'expect');
    expect(text).toContain('<code>4600</code>');
    expect(text).toContain('"xmlData" parameter');
  });
});
