// A real webhook receiver on loopback: records every request and answers as each test programs it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
};

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  hang?: boolean;
  /** Answers only once this settles: holds an attempt in flight for exactly as long as a test needs. */
  release?: Promise<unknown>;
};

export type Receiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replies are taken in order; when they run out, `fallback` answers (200 by default). */
  reply(...replies: Reply[]): void;
  fallback: Reply;
  /** Answers for one method, before `reply`'s and `fallback` (e.g. health checks' GET beside failing POSTs). */
  replyToMethod: Record<string, Reply>;
  /** Resolves when `count` requests have arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  verify(request: ReceivedRequest, secret: string): unknown;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const replies: Reply[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging = new Set<() => void>();
  const receiver: Partial<Receiver> & { fallback: Reply; replyToMethod: Record<string, Reply> } = { fallback: { status: 200, body: 'ok' }, replyToMethod: {} };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
      for (const waiter of [...waiters]) if (requests.length >= waiter.count) waiter.resolve();
      const reply = receiver.replyToMethod[req.method ?? ''] ?? replies.shift() ?? receiver.fallback;
      if (reply.hang) {
        const release = () => res.destroy();
        hanging.add(release);
        return;
      }
      const answer = () => res.writeHead(reply.status ?? 200, reply.headers ?? {}).end(reply.body ?? '');
      if (reply.release) reply.release.then(answer, answer);
      else if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    reply: (...more: Reply[]) => void replies.push(...more),
    waitFor(count: number, timeoutMs = 15_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise<ReceivedRequest[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(requests)) });
      });
    },
    verify(request: ReceivedRequest, secret: string) {
      return new Webhook(secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
    },
    async close() {
      for (const release of hanging) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as Receiver;
}
