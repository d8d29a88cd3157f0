// The work every peer does per job, the same as the service's per delivery and the raw loop's: build the very body
// the service sends (buildWebhookBody), sign it (buildWebhookHeaders, Standard Webhooks) and POST it over a keep-alive
// undici Pool to the bench's receiver. A non-2xx answer throws, so the peer's queue retries the job as it would.
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { newId } from '../src/db/ids.js';
import { USER_AGENT } from '../src/delivery/channels/http.js';
import { buildWebhookHeaders, generateWebhookSecret } from '../src/domain/signature.js';
import { buildWebhookBody } from '../src/domain/webhook-body.js';

/** A peer's job: one delivery of one event, with the event in it (as a platform would enqueue it). */
export type PeerJob = { eventId: string; type: string; data: Record<string, unknown> };

export type PeerKind = 'pgboss' | 'graphile';

/** Deliveries in flight per peer: WORKER_CONCURRENCY's default, the service's and the raw loop's. */
export const PEER_CONCURRENCY = 50;

export function newPeerJob(data: Record<string, unknown>, type = 'bookings.created'): PeerJob {
  return { eventId: newId(), type, data };
}

export function createSignedPoster(receiverPort: number, path: string) {
  const http = new Pool(`http://127.0.0.1:${receiverPort}`, { connections: PEER_CONCURRENCY, keepAliveTimeout: 60_000 });
  const secret = generateWebhookSecret(randomBytes(32));
  const webhookId = newId();
  return {
    /** `deliveryId` becomes the `webhook-id` header: the receiver counts deliveries by it. */
    async deliver(deliveryId: string, job: PeerJob): Promise<void> {
      const body = buildWebhookBody({ eventType: job.type, eventId: job.eventId, webhookId, triggeredAt: new Date(), data: job.data, sendData: true });
      const headers = {
        'user-agent': USER_AGENT,
        'content-type': 'application/json',
        ...buildWebhookHeaders({ msgId: deliveryId, timestampSeconds: Math.floor(Date.now() / 1000), body, secrets: [secret] }),
      };
      const response = await http.request({ path, method: 'POST', headers, body });
      await response.body.text();
      if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`the receiver answered ${response.statusCode}`);
    },
    close: () => http.close(),
  };
}

export type SignedPoster = ReturnType<typeof createSignedPoster>;
