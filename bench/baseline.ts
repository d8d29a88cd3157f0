// The physical limit of this machine for the same work, measured beside the service in the same run: 50 parallel
// loops (WORKER_CONCURRENCY's default) that, for each delivery, insert a row (one durable commit, as the service's
// defaults keep), build and sign the very body the service sends, and POST it to the same kind of receiver with a
// keep-alive undici Pool. No queue, no GraphQL, no status bookkeeping: what is left is the I/O the work cannot avoid.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { newId } from '../src/db/ids.js';
import { buildWebhookHeaders, generateWebhookSecret } from '../src/domain/signature.js';
import { buildWebhookBody } from '../src/domain/webhook-body.js';
import { USER_AGENT } from '../src/delivery/channels/http.js';
import { nowMs, waitUntil } from './clock.js';
import { cpuShare, type CpuSample, type CpuShare } from './proc.js';
import { bookingData } from './graphql-client.js';
import { ArrivalTracker, type ReceiverHandle } from './receiver.js';

export const BASELINE_CONCURRENCY = 50;

export type BaselineResult = {
  deliveries: number;
  /** Made: fewer than `deliveries` when the cap cut the run short. */
  delivered: number;
  seconds: number;
  perSecond: number;
  failed: number;
  startedAt: number;
  finishedAt: number;
  cpu: CpuShare;
};

export async function runBaseline(options: {
  databaseUrl: string;
  receiver: ReceiverHandle;
  deliveries: number;
  warmup: number;
  /** No new delivery starts after this long. */
  capMs: number;
  sampleCpu: () => CpuSample;
}): Promise<BaselineResult> {
  const database = new pg.Pool({ connectionString: options.databaseUrl, max: BASELINE_CONCURRENCY });
  database.on('error', () => {});
  const http = new Pool(`http://127.0.0.1:${options.receiver.port}`, { connections: BASELINE_CONCURRENCY, keepAliveTimeout: 60_000 });
  const secret = generateWebhookSecret(randomBytes(32));
  const webhookId = newId();
  let failed = 0;
  try {
    await database.query(`create table if not exists bench_baseline (id uuid primary key, body text not null, created_at timestamptz not null default now())`);
    await database.query('truncate bench_baseline');

    const deliver = async (key: string, path: string) => {
      const id = newId();
      const body = buildWebhookBody({ eventType: 'bookings.created', eventId: newId(), webhookId, triggeredAt: new Date(), data: bookingData(key), sendData: true });
      await database.query('insert into bench_baseline (id, body) values ($1, $2)', [id, body]);
      const headers = {
        'user-agent': USER_AGENT,
        'content-type': 'application/json',
        ...buildWebhookHeaders({ msgId: id, timestampSeconds: Math.floor(Date.now() / 1000), body, secrets: [secret] }),
      };
      const response = await http.request({ path, method: 'POST', headers, body });
      await response.body.text();
      if (response.statusCode < 200 || response.statusCode >= 300) failed++;
    };
    const runLoops = async (count: number, prefix: string, path: string, deadline: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: BASELINE_CONCURRENCY }, async () => {
          while (next < count && nowMs() < deadline) await deliver(`${prefix}-${next++}`, path);
        }),
      );
      return next;
    };

    await runLoops(options.warmup, 'baseline-warmup', '/baseline-warmup', nowMs() + options.capMs);
    const tracker = new ArrivalTracker(options.receiver, (arrival) => arrival.path === '/baseline');
    // Sampled while the pool's backends are alive: a backend's CPU time goes with it when it exits.
    const cpuBefore = options.sampleCpu();
    const startedAt = nowMs();
    const delivered = await runLoops(options.deliveries, 'baseline', '/baseline', startedAt + options.capMs);
    // Measured like the service: from the first insert to the last arrival at the receiver.
    await waitUntil(() => tracker.sync().firstByDelivery.size >= delivered, 10_000);
    const cpu = cpuShare(cpuBefore, options.sampleCpu());
    const finishedAt = Number.isNaN(tracker.lastAt) ? nowMs() : tracker.lastAt;
    const seconds = (finishedAt - startedAt) / 1000;
    return { deliveries: options.deliveries, delivered, seconds, perSecond: delivered / seconds, failed, startedAt, finishedAt, cpu };
  } finally {
    await database.query('drop table if exists bench_baseline').catch(() => {});
    await database.end().catch(() => {});
    await http.close().catch(() => {});
  }
}
