// In-process pub/sub for GraphQL subscriptions, fed by this process's LISTEN connection: every change any process
// makes (a worker on another machine included) arrives here through PostgreSQL NOTIFY.
import { createPubSub } from 'graphql-yoga';
import type { DeliveryChange, WebhookChange } from './db/notifications.js';

export type ChangePubSub = ReturnType<typeof createChangePubSub>;

export function createChangePubSub() {
  return createPubSub<{
    delivery: [change: DeliveryChange];
    webhook: [change: WebhookChange];
  }>();
}
