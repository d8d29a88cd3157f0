// Cross-process signals over PostgreSQL NOTIFY: sent on the transaction that makes the change (delivered only if it
// commits), received on one dedicated LISTEN connection per process (pg-listen, which reconnects with back-off).
import pgListen, { type Subscriber } from 'pg-listen';
import type { Queryable } from '../delivery/jobs.js';

// pg-listen is CommonJS with `exports.default`.
const createSubscriber = pgListen.default;

export const DELIVERY_CHANNEL = 'hookstream_delivery';
export const WEBHOOK_CHANNEL = 'hookstream_webhook';

/**
 * Payloads carry ids (and the status the change set): a subscriber loads the row itself, scoped to its own account.
 * The status travels along because a fast delivery can move on before a subscriber has loaded the row, and every
 * change must be seen as it was (PENDING → RETRYING → SUCCEEDED).
 */
export type DeliveryChange = { id: string; accountId: string; webhookId: string; status: 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' };
export type WebhookChange = { id: string; accountId: string };

export async function notifyDeliveryChanged(client: Queryable, changes: readonly DeliveryChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(`select pg_notify($1, c) from unnest($2::text[]) as c`, [DELIVERY_CHANNEL, changes.map((change) => JSON.stringify(change))]);
}

export async function notifyWebhookChanged(client: Queryable, change: WebhookChange): Promise<void> {
  await client.query('select pg_notify($1, $2)', [WEBHOOK_CHANNEL, JSON.stringify(change)]);
}

export type Listener = {
  on(channel: string, handler: (payload: string) => void): void;
  close(): Promise<void>;
};

export async function startListener(databaseUrl: string, channels: readonly string[], onError: (error: Error) => void): Promise<Listener> {
  const subscriber: Subscriber = createSubscriber(
    { connectionString: databaseUrl },
    {
      parse: (payload: string) => payload,
      // Reconnect for as long as it takes: losing the listener must never take the process down.
      retryLimit: Number.POSITIVE_INFINITY,
      retryTimeout: Number.POSITIVE_INFINITY,
      retryInterval: (attempt: number) => Math.min(10_000, 200 * 2 ** Math.min(attempt, 6)),
      paranoidChecking: 10_000,
    },
  );
  subscriber.events.on('error', onError);
  await subscriber.connect();
  for (const channel of channels) await subscriber.listenTo(channel);
  return {
    on(channel, handler) {
      subscriber.notifications.on(channel, handler);
    },
    close: () => subscriber.close(),
  };
}
