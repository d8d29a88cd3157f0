// Loopback webhook receivers: plain node:http, no verification, a 200 at once. Each request is stamped on arrival
// (body fully read) and identified by its `webhook-id` (the delivery) and its body's event_id / data.id (the bench's
// key). Paths under /alternate/ answer 500 and 200 in turn ("every other request fails").
//
// The server can run in this process or in a child (receiver-process.ts). The child is the default: a receiver in the
// load generator's event loop stamps an arrival only when that loop gets round to it, and the publisher keeps it
// busy; see README.md for the comparison.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { nowMs } from './clock.js';

export type Arrival = {
  /** nowMs() when the request's body had been read. */
  at: number;
  path: string;
  status: number;
  webhookId: string;
  eventId: string;
  /** data.id of the published event: the bench's own key (e.g. "s2-17"); a flat transformed body's top-level id. */
  key: string;
  triggeredAt: string;
  /** The body's top-level `sequence` (ordered webhooks: the delivery's place in its key's line), else null. */
  sequence: number | null;
};

export const ALTERNATE_PREFIX = '/alternate/';

export function createReceiverServer(record: (arrival: Arrival) => void): Server {
  let alternate = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = nowMs();
      const path = request.url ?? '';
      const status = path.startsWith(ALTERNATE_PREFIX) ? (alternate++ % 2 === 0 ? 500 : 200) : 200;
      let body: { event_id?: string; triggered_at?: string; sequence?: unknown; id?: unknown; data?: { id?: unknown } } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // Recorded with empty ids: a bad body shows up as a key that never arrives.
      }
      record({
        at,
        path,
        status,
        webhookId: String(request.headers['webhook-id'] ?? ''),
        eventId: String(body.event_id ?? ''),
        // A transform may flatten the body (Sirvoy's `$merge([data, …])`): the key is then at the top.
        key: String(body.data?.id ?? body.id ?? ''),
        triggeredAt: String(body.triggered_at ?? ''),
        sequence: typeof body.sequence === 'number' ? body.sequence : null,
      });
      response.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  // Keep connections across scenarios: the senders keep theirs alive for 30 s or more.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  return server;
}

export type ReceiverMode = 'child' | 'inproc';

/** How late the receiving process's event loop ran (ms): an arrival is stamped only when its loop gets to it. */
export type LoopDelay = { p50: number; p99: number; max: number };

const LOOP_RESOLUTION_MS = 5;

export function startLoopDelayMonitor(): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  histogram.enable();
  return histogram;
}

/** The histogram's figures in ms since its last reset (less the sampling interval, which it includes), and a reset. */
export function takeLoopDelay(histogram: IntervalHistogram): LoopDelay {
  const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  const delay = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
  histogram.reset();
  return delay;
}

export type ReceiverHandle = {
  mode: ReceiverMode;
  port: number;
  /** The process that receives: a child's pid, or this process's own. */
  pid: number;
  /** Every arrival so far, in order of arrival (a child's come in batches every few ms). */
  arrivals: Arrival[];
  urlOf(path: string): string;
  /** The receiving loop's delay since the last call (the first call: since start). */
  takeLoopDelay(): Promise<LoopDelay>;
  close(): Promise<void>;
};

export async function startReceiver(mode: ReceiverMode): Promise<ReceiverHandle> {
  return mode === 'child' ? startChildReceiver() : startInProcessReceiver();
}

async function startInProcessReceiver(): Promise<ReceiverHandle> {
  const arrivals: Arrival[] = [];
  const server = createReceiverServer((arrival) => arrivals.push(arrival));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const loop = startLoopDelayMonitor();
  return {
    mode: 'inproc',
    port,
    pid: process.pid,
    arrivals,
    urlOf: (path) => `http://127.0.0.1:${port}${path}`,
    takeLoopDelay: async () => takeLoopDelay(loop),
    async close() {
      loop.disable();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ReceiverMessage =
  | { type: 'listening'; port: number }
  | { type: 'arrivals'; arrivals: Arrival[] }
  | { type: 'loop-delay'; delay: LoopDelay }
  | { type: 'closed' };

async function startChildReceiver(): Promise<ReceiverHandle> {
  const entry = fileURLToPath(new URL('./receiver-process.ts', import.meta.url));
  const child: ChildProcess = fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const arrivals: Arrival[] = [];
  let closed: (() => void) | null = null;
  const delayWaiters: ((delay: LoopDelay) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver process exited (${code}) before listening`)));
    child.on('message', (message: ReceiverMessage) => {
      if (message.type === 'listening') resolve(message.port);
      else if (message.type === 'arrivals') for (const arrival of message.arrivals) arrivals.push(arrival);
      else if (message.type === 'loop-delay') delayWaiters.shift()?.(message.delay);
      else if (message.type === 'closed') closed?.();
    });
  });
  child.removeAllListeners('exit');
  return {
    mode: 'child',
    port,
    pid: child.pid!,
    arrivals,
    urlOf: (path) => `http://127.0.0.1:${port}${path}`,
    takeLoopDelay: () =>
      new Promise<LoopDelay>((resolve) => {
        delayWaiters.push(resolve);
        child.send({ type: 'loop-delay' });
      }),
    async close() {
      if (child.exitCode !== null || !child.connected) return;
      const done = new Promise<void>((resolve) => {
        closed = resolve;
        child.once('exit', () => resolve());
      });
      child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(timer);
      child.kill('SIGKILL');
    },
  };
}

/**
 * Follows the arrivals of one scenario (those whose path passes `accepts`) incrementally: the first arrival of each
 * delivery (webhook-id), of each key, and how many requests came.
 */
export class ArrivalTracker {
  private next: number;
  /** First arrival of each delivery: its first attempt. */
  readonly firstByDelivery = new Map<string, Arrival>();
  /** Every arrival of each delivery, in order: index 0 the first attempt, 1 the first retry… */
  readonly byDelivery = new Map<string, Arrival[]>();
  /** First arrival of each key (data.id), per path: fan-out sends one key to many paths. */
  readonly firstByKey = new Map<string, Arrival>();
  readonly keyPaths = new Map<string, Set<string>>();
  requests = 0;
  succeeded = 0;
  lastAt = Number.NaN;

  constructor(
    private readonly receiver: ReceiverHandle,
    private readonly accepts: (arrival: Arrival) => boolean,
  ) {
    this.next = receiver.arrivals.length;
  }

  sync(): this {
    const { arrivals } = this.receiver;
    for (; this.next < arrivals.length; this.next++) {
      const arrival = arrivals[this.next]!;
      if (!this.accepts(arrival)) continue;
      this.requests++;
      if (arrival.status >= 200 && arrival.status < 300) this.succeeded++;
      this.lastAt = arrival.at;
      const attempts = this.byDelivery.get(arrival.webhookId);
      if (attempts) attempts.push(arrival);
      else {
        this.byDelivery.set(arrival.webhookId, [arrival]);
        this.firstByDelivery.set(arrival.webhookId, arrival);
      }
      if (!this.firstByKey.has(arrival.key)) this.firstByKey.set(arrival.key, arrival);
      const paths = this.keyPaths.get(arrival.key);
      if (paths) paths.add(arrival.path);
      else this.keyPaths.set(arrival.key, new Set([arrival.path]));
    }
    return this;
  }
}
