// The platform's side of the outbox tests: a second real database with the outbox installed (and a bookings table of
// the platform's own), and a publish port that really publishes, through the running service's publishEvent.
import pg from 'pg';
import { installOutbox } from '../../src/outbox/install.js';
import type { OutboxPublish, OutboxPublishResult, OutboxRow } from '../../src/outbox/publish-port.js';
import { createGraphqlClient, type GraphqlClient } from '../../src/sdk/client.js';
import { PublishEventDocument, type ContextRefInput } from '../../src/sdk/generated.js';

/** A fresh database on the test server, without Hookstream's migrations: the outbox and a bookings table. */
export async function createPlatformDatabase(createDatabase: (options: { migrate: boolean }) => Promise<string>): Promise<string> {
  const url = await createDatabase({ migrate: false });
  await installOutbox(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table bookings (id text primary key, status text not null)');
  } finally {
    await client.end();
  }
  return url;
}

/** Runs `work` in one transaction of the platform's (committed when it returns; `rollback: true` rolls it back). */
export async function platformTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: { rollback?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query(options.rollback ? 'rollback' : 'commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** What the platform's backend does: save the booking and queue its event in the same transaction. */
export async function saveBooking(client: pg.PoolClient, booking: { accountId: string; id: string; status: string; type: string; orderingKey?: string; idempotencyKey?: string; data?: unknown }): Promise<string> {
  await client.query('insert into bookings (id, status) values ($1, $2) on conflict (id) do update set status = excluded.status', [booking.id, booking.status]);
  const { rows } = await client.query<{ id: string }>(
    `select hookstream_publish($1, $2, $3::jsonb, idempotency_key => $4, ordering_key => $5) as id`,
    [booking.accountId, booking.type, JSON.stringify(booking.data ?? { id: booking.id, status: booking.status }), booking.idempotencyKey ?? null, booking.orderingKey ?? null],
  );
  return rows[0]!.id;
}

// Refusals of the service that trying again will not change; anything else (a 5xx, a refused connection, a wrong
// API key) is thrown, and the drainer tries the batch again later.
const REFUSALS = new Set(['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'LIMIT_EXCEEDED']);

export type GraphqlPortOptions = {
  /** The service's /graphql; a function, so that a test can point it at a closed port and back. */
  endpoint: () => string;
  /** Each account's API key: the row's account_id picks the client. */
  apiKeys: Record<string, string>;
  /** Pause before each row (holds a batch in flight for a crash or a race). */
  delayMs?: () => number;
  /** Called after the service answered for a row. */
  onAnswered?: (row: OutboxRow, result: OutboxPublishResult) => void;
};

/** The publish port over the real service: one publishEvent per row, in the order given. */
export function graphqlPublishPort(options: GraphqlPortOptions): OutboxPublish {
  const clients = new Map<string, GraphqlClient>();
  const clientFor = (accountId: string) => {
    const key = `${options.endpoint()} ${accountId}`;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createGraphqlClient(options.endpoint(), options.apiKeys[accountId]!)));
    return client;
  };
  return async (rows) => {
    const results: OutboxPublishResult[] = [];
    for (const row of rows) {
      const delayMs = options.delayMs?.() ?? 0;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      let result: OutboxPublishResult;
      if (!options.apiKeys[row.accountId]) {
        result = { ok: false, error: `unknown account ${row.accountId}` };
      } else {
        const answer = await clientFor(row.accountId).request(PublishEventDocument, {
          input: {
            type: row.type,
            data: row.data,
            occurredAt: row.occurredAt.toISOString(),
            idempotencyKey: row.idempotencyKey,
            context: Array.isArray(row.context) ? (row.context as ContextRefInput[]) : null,
          },
        });
        const error = answer.errors?.[0];
        if (!error && answer.data) result = { ok: true };
        else if (error && answer.status < 500 && REFUSALS.has(error.extensions?.code ?? '')) result = { ok: false, error: `${error.extensions?.code}: ${error.message}` };
        else throw new Error(`publishEvent failed (HTTP ${answer.status}): ${JSON.stringify(answer.errors)}`);
      }
      options.onAnswered?.(row, result);
      results.push(result);
    }
    return results;
  };
}
