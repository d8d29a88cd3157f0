// The seam between the outbox drainer and the engine: the drainer hands over committed rows, the engine publishes them
// and answers per row. The drainer imports nothing of the engine; the worker role passes its publish in.

/** One committed row of the platform's hookstream_outbox, as the engine's publish receives it. */
export type OutboxRow = {
  /** The row's bigserial id, as a decimal string (int8 does not fit a JS number). */
  id: string;
  accountId: string;
  type: string;
  /** As stored (jsonb): the engine validates it like publishEvent's `data`. */
  data: unknown;
  /**
   * The key to publish with: the platform's own idempotency_key, else `outbox:<id>`. Publishing a row twice (a crash
   * between Hookstream's answer and the row's mark) then yields the first event again and sends nothing new.
   */
  idempotencyKey: string;
  /** As stored (jsonb): meant as publishEvent's `context`, a list of { type | dimension, id }; the engine validates it. */
  context: unknown;
  orderingKey: string | null;
  deliverAt: Date | null;
  /** The row's created_at: the time of the platform's transaction. */
  occurredAt: Date;
  /** Tries before this one. */
  attempts: number;
};

/**
 * `ok: false` is a refusal that trying again will not change (validation: unknown type, bad data, unknown account);
 * the row is kept with `error` and skipped. Anything transient (Hookstream's database down) must throw instead: the
 * whole batch is then tried again later, and rows already published in it are deduplicated by their key.
 */
export type OutboxPublishResult = { ok: true } | { ok: false; error: string };

/**
 * Publishes a batch, in id order; answers one result per row, in the same order. Rows that share an ordering key
 * must be published in the order given (sequentially, or in one call that keeps the order).
 */
export type OutboxPublish = (rows: readonly OutboxRow[]) => Promise<readonly OutboxPublishResult[]>;
