// The publisher: GraphQL over HTTP POST to /graphql with keep-alive connections (an undici Pool), as the platform's
// backend would call it. Only what the bench needs: create webhooks and publish events, one per call or in batches.
import { Pool } from 'undici';
import { nowMs } from './clock.js';

const PUBLISH = `mutation BenchPublish($input: PublishEventInput!) {
  publishEvent(input: $input) { event { id } deliveryCount }
}`;

// All or nothing, ≤ 100 per call (CONTRACT.md); results in input order.
const PUBLISH_MANY = `mutation BenchPublishMany($inputs: [PublishEventInput!]!) {
  publishEvents(inputs: $inputs) { results { event { id } deliveryCount duplicate } }
}`;

const CREATE_WEBHOOK = `mutation BenchCreateWebhook($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } secret }
}`;

export type Published = { eventId: string; deliveryCount: number; startedAt: number; finishedAt: number };

export type PublishOptions = {
  type?: string;
  signal?: AbortSignal;
  /** PublishEventInput.orderingKey: the line an ordered webhook keeps this event in (issue 13). */
  orderingKey?: string;
};

/** What the bench sets of CreateWebhookInput. */
export type WebhookInput = { name: string; url: string; events: string[]; ordering?: 'NONE' | 'PER_KEY' | 'LATEST_PER_KEY'; transform?: string };

export type GraphqlClient = {
  publish(data: Record<string, unknown>, options?: PublishOptions): Promise<Published>;
  /** One `publishEvents` call for all of them; resolves with their delivery counts, in order. */
  publishMany(data: readonly Record<string, unknown>[], options?: PublishOptions): Promise<{ deliveryCounts: number[]; startedAt: number; finishedAt: number }>;
  createWebhook(input: WebhookInput): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
};

export function createGraphqlClient(serviceUrl: string, apiKey: string, connections: number): GraphqlClient {
  const pool = new Pool(serviceUrl, { connections, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` };

  async function execute<T>(query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const response = await pool.request({ path: '/graphql', method: 'POST', headers, body: JSON.stringify({ query, variables }), ...(signal ? { signal } : {}) });
    const text = await response.body.text();
    let json: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new Error(`HTTP ${response.statusCode} from /graphql: ${text.slice(0, 200)}`);
    }
    if (json.errors?.length || !json.data) {
      throw new Error(`GraphQL error: ${json.errors?.map((error) => `${error.extensions?.code ?? ''} ${error.message}`).join('; ') ?? `HTTP ${response.statusCode}`}`);
    }
    return json.data;
  }

  return {
    async publish(data, { type = 'bookings.created', signal, orderingKey } = {}) {
      const startedAt = nowMs();
      const input = orderingKey === undefined ? { type, data } : { type, data, orderingKey };
      const result = await execute<{ publishEvent: { event: { id: string }; deliveryCount: number } }>(PUBLISH, { input }, signal);
      return { eventId: result.publishEvent.event.id, deliveryCount: result.publishEvent.deliveryCount, startedAt, finishedAt: nowMs() };
    },
    async publishMany(data, { type = 'bookings.created', signal } = {}) {
      const startedAt = nowMs();
      const inputs = data.map((item) => ({ type, data: item }));
      const result = await execute<{ publishEvents: { results: { deliveryCount: number }[] } }>(PUBLISH_MANY, { inputs }, signal);
      if (result.publishEvents.results.length !== inputs.length) throw new Error(`publishEvents answered ${result.publishEvents.results.length} results for ${inputs.length} inputs`);
      return { deliveryCounts: result.publishEvents.results.map((item) => item.deliveryCount), startedAt, finishedAt: nowMs() };
    },
    async createWebhook(input) {
      const result = await execute<{ createWebhook: { webhook: { id: string }; secret: string } }>(CREATE_WEBHOOK, { input });
      return { id: result.createWebhook.webhook.id, secret: result.createWebhook.secret };
    },
    close: () => pool.close(),
  };
}

/** A booking as the platform would publish it (~0.6 KB of JSON); `id` is the bench's key, echoed in the body. */
export function bookingData(key: string): Record<string, unknown> {
  return {
    id: key,
    status: 'confirmed',
    start: '2025-03-14T09:00:00Z',
    end: '2025-03-14T10:30:00Z',
    resource: { id: 'room-204', name: 'Meeting room 204', category: { id: 'meeting-rooms', name: 'Meeting rooms' } },
    service: { id: 'svc-massage-60', name: 'Massage, 60 minutes', price: { amount: 8900, currency: 'EUR' } },
    customer: { id: 'cus-48213', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0958' },
    participants: 2,
    notes: 'Window seat, please. Allergic to lavender oil.',
    createdBy: { id: 'usr-17', name: 'Front desk' },
    metadata: { channel: 'web', locale: 'en-GB', campaign: 'spring-2025' },
  };
}
