// A small forward proxy on loopback, the stand-in for an operator's egress proxy (EGRESS_PROXY_URL): CONNECT
// tunnels for HTTPS targets and absolute-URI requests for HTTP ones, each recorded before it is forwarded. `route`
// sends a target name somewhere real, so tests can give targets public-looking names (and made-up public DNS answers
// on Hookstream's side) while the receivers listen on 127.0.0.1.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';

export type ProxiedTarget = {
  /** CONNECT: a tunnel (HTTPS); FORWARD: an absolute-URI request (HTTP). */
  kind: 'CONNECT' | 'FORWARD';
  method: string;
  /** `host:port` as the client asked for it. */
  target: string;
  /** FORWARD only: the absolute URI. */
  url?: string;
};

export type ConnectProxy = {
  url: string;
  port: number;
  seen: ProxiedTarget[];
  close(): Promise<void>;
};

export type Route = (host: string, port: number) => { host: string; port: number };

/** `host:port`, `[v6]:port`. */
function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority) ?? /^([^:]+)(?::(\d+))?$/.exec(authority);
  if (!match) throw new Error(`bad authority ${authority}`);
  return { host: match[1]!, port: match[2] ? Number(match[2]) : defaultPort };
}

export async function startConnectProxy(options: { route?: Route } = {}): Promise<ConnectProxy> {
  const route: Route = options.route ?? ((host, port) => ({ host, port }));
  const seen: ProxiedTarget[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-URI requests only');
      return;
    }
    const port = Number(target.port || 80);
    seen.push({ kind: 'FORWARD', method: req.method ?? '', target: `${target.hostname}:${port}`, url: target.href });
    const next = route(target.hostname, port);
    const { 'proxy-connection': _hop, ...headers } = req.headers;
    const upstream = httpRequest({ host: next.host, port: next.port, method: req.method, path: `${target.pathname}${target.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end('bad gateway')));
    req.pipe(upstream);
  });

  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const asked = splitHostPort(req.url ?? '', 443);
    seen.push({ kind: 'CONNECT', method: 'CONNECT', target: req.url ?? '' });
    const next = route(asked.host, asked.port);
    const upstream = netConnect(next.port, next.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
