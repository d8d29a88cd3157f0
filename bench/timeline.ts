// Issue 13's figures: ordered delivery over 1,000 keys (PER_KEY), and the outbox drained beside direct publishing.
// The runs themselves are scenarios.ts's runSustained and runLatency; this file gives them an ordered publisher, an
// outbox writer that publishes as a platform would, and the per-key check of the arrivals' order.
import pg from 'pg';
import { publicId } from '../src/domain/public-id.js';
import { installOutbox } from '../src/outbox/install.js';
import { bookingData, type GraphqlClient } from './graphql-client.js';
import type { Arrival } from './receiver.js';
import type { PublishKeys } from './scenarios.js';

/** Ordering keys of the ordered runs: event i of a run is in line `k<i mod 1000>` (issue 13: "over 1,000 keys"). */
export const ORDERING_KEYS = 1_000;

/** The ordering key of a bench key (`o1-1234`, `warm-17`): its number mod 1,000, so warm-up and runs share lines. */
export function orderingKeyOf(key: string): string {
  const index = Number(/(\d+)$/.exec(key)?.[1] ?? Number.NaN);
  if (!Number.isInteger(index)) throw new Error(`bench key without a number: ${key}`);
  return `k${index % ORDERING_KEYS}`;
}

/** The client with `orderingKey` set on every publish from its data's id (for runLatency, which publishes by key). */
export function withOrderingKeys(client: GraphqlClient): GraphqlClient {
  return {
    ...client,
    publish: (data, options = {}) => client.publish(data, { ...options, orderingKey: orderingKeyOf(String(data['id'])) }),
  };
}

export type OrderCheck = {
  /** Deliveries checked: the first arrival of each (webhook-id), in order of arrival. */
  deliveries: number;
  keys: number;
  /** Arrivals whose sequence was not above the last one seen for its key (there should be none). */
  violations: number;
  /** Arrivals of the ordered webhook without a `sequence` in the body (there should be none). */
  withoutSequence: number;
  /** Requests that repeated a delivery already received (a retry, or a redelivery). */
  repeats: number;
  firstViolation: string | null;
};

/**
 * Per ordering key, the sequences must rise in order of arrival: PER_KEY attempts a key's next delivery only after
 * the one before it succeeded, i.e. after the receiver answered it, so arrival order is the order it kept.
 */
export function checkKeyOrder(arrivals: readonly Arrival[]): OrderCheck {
  const lastByKey = new Map<string, { sequence: number; key: string }>();
  const seen = new Set<string>();
  const check: OrderCheck = { deliveries: 0, keys: 0, violations: 0, withoutSequence: 0, repeats: 0, firstViolation: null };
  for (const arrival of arrivals) {
    if (seen.has(arrival.webhookId)) {
      check.repeats++;
      continue;
    }
    seen.add(arrival.webhookId);
    check.deliveries++;
    if (arrival.sequence === null) {
      check.withoutSequence++;
      continue;
    }
    const line = orderingKeyOf(arrival.key);
    const last = lastByKey.get(line);
    if (last && arrival.sequence <= last.sequence) {
      check.violations++;
      check.firstViolation ??= `${line}: ${arrival.key} (sequence ${arrival.sequence}) arrived after ${last.key} (sequence ${last.sequence})`;
    }
    if (!last || arrival.sequence > last.sequence) lastByKey.set(line, { sequence: arrival.sequence, key: arrival.key });
  }
  check.keys = lastByKey.size;
  return check;
}

// ---- the outbox ----------------------------------------------------------------------------------------------------

/** Rows per platform transaction and platform connections writing at once: a booking's few events, a few app servers. */
export const OUTBOX_ROWS_PER_TRANSACTION = 4;
export const OUTBOX_WRITERS = 8;

/** The platform's database of the outbox run: a fresh one on the bench cluster, with the outbox installed. */
export async function prepareOutboxDatabase(createDatabase: () => Promise<string>): Promise<string> {
  const url = await createDatabase();
  await installOutbox(url);
  return url;
}

export type OutboxWriter = { publish: PublishKeys; close(): Promise<void> };

/**
 * Writes events as a platform would: each call is one transaction of its own on one of `writers` connections,
 * `select hookstream_publish(account_id, type, data)` per event (a row each), committed together. The account is
 * named by its public ID (acct_…), as the account CLI prints it.
 */
export function openOutboxWriter(outboxUrl: string, accountUuid: string, writers = OUTBOX_WRITERS): OutboxWriter {
  const pool = new pg.Pool({ connectionString: outboxUrl, max: writers, application_name: 'bench-platform' });
  const accountId = publicId('Account', accountUuid);
  return {
    async publish(keys) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        for (const key of keys) {
          await client.query('select hookstream_publish($1, $2, $3::jsonb)', [accountId, 'bookings.created', JSON.stringify(bookingData(key))]);
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Rows still waiting (neither published nor refused) and refused ones, after a run. */
export async function countOutboxRows(outboxUrl: string): Promise<{ pending: number; refused: number; published: number; firstError: string | null }> {
  const client = new pg.Client({ connectionString: outboxUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pending: number; refused: number; published: number; first_error: string | null }>(
      `select count(*) filter (where published_at is null and error is null)::int as pending,
              count(*) filter (where error is not null)::int as refused,
              count(*) filter (where published_at is not null)::int as published,
              min(error) as first_error
         from hookstream_outbox`,
    );
    const row = rows[0]!;
    return { pending: row.pending, refused: row.refused, published: row.published, firstError: row.first_error };
  } finally {
    await client.end();
  }
}
