// Prometheus metrics (prom-client) for /metrics. Counters and histograms are this process's; queue depth and
// deliveries by status are read from the shared database at scrape time, so any process reports the whole picture.
import type pg from 'pg';
import client from 'prom-client';
import { countAllDeliveriesByStatus } from './db/history.js';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics({ pool, queueDepth }: { pool: pg.Pool; queueDepth: () => Promise<number> }) {
  const registry = new client.Registry();
  // prom-client's default names already begin with process_ or nodejs_: the prefix is only ours (hookstream_process_cpu_…).
  client.collectDefaultMetrics({ register: registry, prefix: 'hookstream_' });

  const attempts = new client.Counter({
    name: 'hookstream_attempts_total',
    help: 'HTTP attempts made by this process, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const attemptDuration = new client.Histogram({
    name: 'hookstream_attempt_duration_seconds',
    help: 'Duration of HTTP attempts made by this process',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const subscribers = new client.Gauge({
    name: 'hookstream_subscribers',
    help: 'Open GraphQL subscriptions on this process',
    registers: [registry],
  });
  new client.Gauge({
    name: 'hookstream_queue_depth',
    help: 'Attempt jobs waiting in the queue (created or retry), due now or later',
    registers: [registry],
    async collect() {
      this.set(await queueDepth());
    },
  });
  new client.Gauge({
    name: 'hookstream_deliveries',
    help: 'Deliveries in the database, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      // The maintained counts (db/history.ts), not a count(*) of the whole history on every scrape.
      const counts = await countAllDeliveriesByStatus(pool);
      this.reset();
      for (const status of ['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'SUPERSEDED']) this.set({ status }, counts.get(status) ?? 0);
    },
  });

  return { registry, attempts, attemptDuration, subscribers };
}
