// The outbox's gauges for /metrics, read from the platform's database at scrape time (every worker reports the
// same table). One backlog query serves every gauge of a scrape.
import client from 'prom-client';
import type { OutboxBacklog } from './sql.js';

export function registerOutboxMetrics(registry: client.Registry, backlog: () => Promise<OutboxBacklog>): void {
  // A scrape calls every collect() at once: they share the one reading in flight.
  let inFlight: Promise<OutboxBacklog | null> | undefined;
  // Unreachable platform database: the scrape still succeeds, with hookstream_outbox_up 0 and the others NaN.
  const read = () =>
    (inFlight ??= backlog()
      .catch(() => null)
      .finally(() => {
        inFlight = undefined;
      }));
  new client.Gauge({
    name: 'hookstream_outbox_up',
    help: "1 when the platform's outbox answered this scrape, else 0",
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'hookstream_outbox_backlog',
    help: "Rows in the platform's outbox not yet published (refused rows not counted)",
    registers: [registry],
    async collect() {
      const reading = await read();
      this.set(reading ? reading.pending : Number.NaN);
    },
  });
  new client.Gauge({
    name: 'hookstream_outbox_refused',
    help: "Rows in the platform's outbox that Hookstream refused (kept with their error)",
    registers: [registry],
    async collect() {
      const reading = await read();
      this.set(reading ? reading.failed : Number.NaN);
    },
  });
  new client.Gauge({
    name: 'hookstream_outbox_oldest_pending_seconds',
    help: "Age of the oldest row in the platform's outbox not yet published (0: none)",
    registers: [registry],
    async collect() {
      const reading = await read();
      if (!reading) this.set(Number.NaN);
      else this.set(reading.oldestPendingAt ? Math.max(0, (Date.now() - reading.oldestPendingAt.getTime()) / 1000) : 0);
    },
  });
}
