// Cross-process signals over PostgreSQL NOTIFY: sent on the transaction that makes the change (delivered only if it
// commits), received on one dedicated LISTEN connection per process (pg-listen, which reconnects with back-off).
// Every notifying commit takes PostgreSQL's global notification lock, so changes travel in batches: one payload holds
// many changes (a JSON array), and one statement sends every payload of a transaction.
import pgListen, { type Subscriber } from 'pg-listen';
import type { Queryable } from './queryable.js';

// pg-listen is CommonJS with `exports.default`.
const createSubscriber = pgListen.default;

export const DELIVERY_CHANNEL = 'hookstream_delivery';
export const WEBHOOK_CHANNEL = 'hookstream_webhook';

export type DeliveryStatusValue = 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'EXPIRED' | 'SUPERSEDED';

/**
 * Payloads carry ids (and the status the change set): a subscriber loads the row itself, scoped to its own account.
 * The status travels along because a fast delivery can move on before a subscriber has loaded the row, and every
 * change must be seen as it was (PENDING → RETRYING → SUCCEEDED).
 */
export type DeliveryChange = { id: string; accountId: string; webhookId: string; status: DeliveryStatusValue };
export type WebhookChange = { id: string; accountId: string };

export type Notification = { channel: string; payload: string };

/** PostgreSQL refuses payloads of 8000 bytes or more; stay well below. */
const MAX_PAYLOAD_CHARS = 7_000;

/** Changes packed into as few payloads as fit, each a JSON array. */
export function batchNotifications<T>(channel: string, changes: readonly T[]): Notification[] {
  const notifications: Notification[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const change of changes) {
    const part = JSON.stringify(change);
    if (parts.length > 0 && size + part.length + 1 > MAX_PAYLOAD_CHARS) {
      notifications.push({ channel, payload: `[${parts.join(',')}]` });
      parts = [];
      size = 2;
    }
    parts.push(part);
    size += part.length + 1;
  }
  if (parts.length > 0) notifications.push({ channel, payload: `[${parts.join(',')}]` });
  return notifications;
}

export const deliveryNotifications = (changes: readonly DeliveryChange[]) => batchNotifications(DELIVERY_CHANNEL, changes);
export const webhookNotifications = (changes: readonly WebhookChange[]) => batchNotifications(WEBHOOK_CHANNEL, changes);

/** Sends every notification in one statement, on the caller's transaction (or at once, on a pool). */
export async function notify(client: Queryable, notifications: readonly Notification[]): Promise<void> {
  if (notifications.length === 0) return;
  await client.query({
    name: 'notify-many',
    text: 'select pg_notify(c, p) from unnest($1::text[], $2::text[]) as t(c, p)',
    values: [notifications.map((n) => n.channel), notifications.map((n) => n.payload)],
  });
}

/** The changes in a payload sent by batchNotifications (or, from an older process, a single change). */
export function parseChanges<T>(payload: string): T[] {
  const parsed = JSON.parse(payload) as T | T[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

export type Listener = {
  on(channel: string, handler: (payload: string) => void): void;
  /** Called after the connection was lost and made again: notifications sent meanwhile were missed. */
  onReconnect(handler: () => void): void;
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
    onReconnect(handler) {
      subscriber.events.on('reconnect', handler);
    },
    close: () => subscriber.close(),
  };
}
