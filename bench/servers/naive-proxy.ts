/**
 * The baseline a user would hand-write: express + axios, forwarding every request unchanged (method, path,
 * query, body, content-type, authorization) to the target and the answer back. No translation, no limits.
 * Argument: the target base URL. Prints `{"url"}` when listening.
 */
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import express from 'express';

const target = process.argv[2];
if (!target) throw new Error('usage: naive-proxy.ts TARGET_URL');
const httpAgent = new Agent({ keepAlive: true });
const app = express();
app.use(express.raw({ type: () => true, limit: '10mb' }));
app.use(async (req, res) => {
  try {
    const upstream = await axios.request<Buffer>({
      method: req.method,
      url: target + req.originalUrl,
      data: Buffer.isBuffer(req.body) ? req.body : undefined,
      headers: {
        ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      },
      responseType: 'arraybuffer',
      httpAgent,
      validateStatus: () => true,
    });
    const type = upstream.headers['content-type'];
    if (typeof type === 'string') res.type(type);
    res.status(upstream.status).send(Buffer.from(upstream.data));
  } catch (error) {
    res.status(502).send((error as Error).message);
  }
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
