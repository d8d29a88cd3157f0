// The outbox's publish port on the engine: each committed row of the platform's hookstream_outbox is checked as
// publishEvent's input is (src/publishing/publish-input.ts) and published with the row's idempotency key, so that a
// row published twice (either side crashed between Hookstream's answer and the row's mark) yields its first event
// again and sends nothing new. A row that cannot be published as it is (unknown account or type, bad data) is
// answered `ok: false` with a sentence for the platform; a failure of ours throws, and the drainer tries again.
import type { Catalog } from '../catalog/catalog.js';
import type { DimensionChoice } from '../catalog/resolve-dimension.js';
import { findExistingAccountIds } from '../db/account.js';
import type { Queryable } from '../db/queryable.js';
import type { DeliveryEngine } from '../delivery/engine.js';
import { parsePublicId } from '../domain/public-id.js';
import { HookstreamError } from '../errors.js';
import { checkPublishRequest, type CheckedPublish } from '../publishing/publish-input.js';
import type { OutboxPublish, OutboxPublishResult, OutboxRow } from './publish-port.js';

export function createEnginePublishPort(deps: { engine: DeliveryEngine; catalog: Catalog; maxPayloadBytes: number; pool: Queryable }): OutboxPublish {
  return async (rows) => {
    // The platform names the account as the CLI printed it (acct_…).
    const accountIds = rows.map((row) => parsePublicId(row.accountId)).map((parsed) => (parsed?.typename === 'Account' ? parsed.uuid : null));
    const existing = await findExistingAccountIds(deps.pool, accountIds.filter((id): id is string => id !== null));
    const checked: (CheckedPublish | string)[] = rows.map((row, index) => {
      const accountId = accountIds[index];
      if (!accountId) return `"account_id" ${JSON.stringify(row.accountId)} is not an account ID (acct_…, as \`npm run account -- create\` prints it).`;
      if (!existing.has(accountId)) return `No account ${row.accountId}.`;
      return checkRow(deps, accountId, row);
    });
    const publishable = checked.filter((item): item is CheckedPublish => typeof item !== 'string');
    // One call for the whole batch: it keeps the rows' order, which is their order per ordering key.
    await deps.engine.publishMany(publishable);
    return checked.map((item): OutboxPublishResult => (typeof item === 'string' ? { ok: false, error: item } : { ok: true }));
  };
}

function checkRow(deps: { catalog: Catalog; maxPayloadBytes: number }, accountId: string, row: OutboxRow): CheckedPublish | string {
  if (row.context != null && !isContextList(row.context)) return '"context" must be a JSON array of { "dimension" (or "type"), "id" } objects.';
  try {
    return checkPublishRequest(deps, accountId, {
      type: row.type,
      data: row.data,
      occurredAt: row.occurredAt,
      idempotencyKey: row.idempotencyKey,
      context: row.context as (DimensionChoice & { id: string })[] | null,
      orderingKey: row.orderingKey,
      deliverAt: row.deliverAt,
    });
  } catch (error) {
    if (error instanceof HookstreamError) return error.message;
    throw error;
  }
}

function isContextList(value: unknown): boolean {
  return Array.isArray(value) && value.every((ref) => typeof ref === 'object' && ref !== null && typeof (ref as { id?: unknown }).id === 'string');
}
