/**
 * The client address of a request, as the access line's `remote` and the journal's `client.address` (and so the
 * report's integration grouping) record it. Behind a load balancer the socket's peer is the balancer: with
 * `trustProxy` naming it, the address is read from `X-Forwarded-For` exactly as express's `trust proxy` setting
 * does (proxy-addr, the library express uses): the hops are walked from the socket back through the header, right
 * to left, while each hop is trusted; the first untrusted hop is the client. A header sent by an untrusted peer
 * is never read, and entries a client wrote to the left of what the balancer appended are never reached.
 * Default (no trusted proxy): the socket's peer, the header ignored.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/** The client address of a request (undefined only when the socket has none, e.g. it is already closed). */
export type ClientAddressOf = (req: IncomingMessage) => string | undefined;

/**
 * The resolver for a `trustProxy` list: IP addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `10.0.0.0/255.0.0.0`)
 * and the names `loopback`, `linklocal`, `uniquelocal` (proxy-addr's). Throws proxy-addr's TypeError for an
 * entry that is none of these (config.ts validates them first).
 * @default [] — no hop is trusted: the socket's peer address, whatever the header says.
 */
export function clientAddressResolver(trustProxy: readonly string[]): ClientAddressOf {
  if (trustProxy.length === 0) return (req) => req.socket.remoteAddress;
  const trust = proxyaddr.compile([...trustProxy]);
  return (req) => {
    if (req.socket.remoteAddress === undefined) return undefined;
    // [socket peer, then each trusted hop's forwarded address …, the first untrusted one]
    const hops = proxyaddr.all(req, trust);
    // A trusted proxy that forwarded something that is not an address ("unknown", a name, garbage): the last
    // hop known for sure is that proxy's own address.
    for (let i = hops.length - 1; i > 0; i--) if (isIP(hops[i]) !== 0) return hops[i];
    return hops[0];
  };
}
