// What makes an event publishable, checked before anything is written: its type is in the catalog (and not one of
// Hookstream's own), its data an object within the limits that fits the type's JSON Schema, its context refs name
// the catalog's dimensions, and its timeline (ordering key, deliverAt, expiresAt) makes sense. publishEvent,
// publishEvents and the outbox share it, so that an event is refused for the same reasons whichever way it comes.
import type { Catalog, ContextRef } from '../catalog/catalog.js';
import { resolveDimension, type DimensionChoice } from '../catalog/resolve-dimension.js';
import { badInput, HookstreamError } from '../errors.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const MAX_CONTEXT_REFS = 100;
export const MAX_DATA_DEPTH = 32;
export const MAX_ORDERING_KEY_LENGTH = 200;

/** A publish as the caller gave it (GraphQL's PublishEventInput, or an outbox row). */
export type PublishRequest = {
  type: string;
  data?: unknown;
  occurredAt?: Date | null;
  idempotencyKey?: string | null;
  context?: (DimensionChoice & { id: string })[] | null;
  orderingKey?: string | null;
  deliverAt?: Date | null;
  expiresAt?: Date | null;
};

/** The engine's publish input (src/delivery/publisher.ts PublishInput), checked. */
export type CheckedPublish = {
  accountId: string;
  type: string;
  data: unknown;
  occurredAt: Date;
  idempotencyKey: string | null;
  context: ContextRef[] | null;
  orderingKey: string | null;
  deliverAt: Date | null;
  expiresAt: Date | null;
};

function jsonDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value as object)) {
    deepest = Math.max(deepest, jsonDepth(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

/**
 * The request checked and turned into the engine's input, or a HookstreamError (BAD_USER_INPUT naming the field,
 * PAYLOAD_TOO_LARGE). `prefix` names where it sits (`inputs.3.` in publishEvents).
 */
export function checkPublishRequest(
  deps: { catalog: Catalog; maxPayloadBytes: number; now?: Date },
  accountId: string,
  input: PublishRequest,
  prefix = '',
): CheckedPublish {
  const field = (name: string) => `${prefix}${name}`;
  const { catalog } = deps;
  const now = deps.now ?? new Date();
  const eventType = catalog.eventType(input.type);
  if (!eventType) throw badInput(field('type'), `"${input.type}" is not an event type of the catalog (see the eventTypes query).`);
  if (eventType.operational) throw badInput(field('type'), `"${input.type}" is one of Hookstream's own events: it publishes them itself.`);
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data)) {
    throw badInput(field('data'), '"data" must be a JSON object: the entity the event is about.');
  }
  const size = Buffer.byteLength(JSON.stringify(input.data), 'utf8');
  if (size > deps.maxPayloadBytes) {
    throw new HookstreamError('PAYLOAD_TOO_LARGE', `"data" is ${size} bytes serialised; the limit is ${deps.maxPayloadBytes} (MAX_PAYLOAD_BYTES).`, {
      field: field('data'),
      limit: deps.maxPayloadBytes,
    });
  }
  if (jsonDepth(input.data, MAX_DATA_DEPTH) > MAX_DATA_DEPTH) throw badInput(field('data'), `"data" is nested more than ${MAX_DATA_DEPTH} levels deep.`);
  // The type's JSON Schema (compiled once, at start-up); deprecated types are checked and accepted like any other.
  const violation = catalog.validateData(input.type, input.data);
  if (violation) {
    throw new HookstreamError('BAD_USER_INPUT', `The data does not fit the schema of ${input.type}: ${violation.message}`, { field: field('data'), path: violation.path });
  }
  if (input.idempotencyKey != null && (input.idempotencyKey.length < 1 || input.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badInput(field('idempotencyKey'), `"idempotencyKey" must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
  }
  if (input.context && input.context.length > MAX_CONTEXT_REFS) throw badInput(field('context'), `"context" may hold at most ${MAX_CONTEXT_REFS} entries.`);
  const refs: ContextRef[] = [];
  for (const ref of input.context ?? []) {
    if (typeof ref.id !== 'string' || ref.id.length < 1 || ref.id.length > 200) throw badInput(field('context'), 'Each context "id" must be 1–200 characters.');
    refs.push({ dimension: resolveDimension(catalog, ref, field('context')), id: ref.id });
  }
  if (input.orderingKey != null && (input.orderingKey.length < 1 || input.orderingKey.length > MAX_ORDERING_KEY_LENGTH)) {
    throw badInput(field('orderingKey'), `"orderingKey" must be 1–${MAX_ORDERING_KEY_LENGTH} characters.`);
  }
  // An event that is worthless once stale must still have a moment to be worth something.
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw badInput(field('expiresAt'), '"expiresAt" must be in the future.');
  if (input.expiresAt && input.deliverAt && input.deliverAt.getTime() >= input.expiresAt.getTime()) {
    throw badInput(field('deliverAt'), '"deliverAt" must be before "expiresAt": the delivery would expire before its first attempt.');
  }
  const orderingKey = input.orderingKey ?? catalog.orderingKeyOf(input.type, input.data);
  return {
    accountId,
    type: input.type,
    data: input.data,
    occurredAt: input.occurredAt ?? now,
    idempotencyKey: input.idempotencyKey ?? null,
    context: refs.length > 0 ? refs : null,
    orderingKey: orderingKey !== null && orderingKey.length > MAX_ORDERING_KEY_LENGTH ? orderingKey.slice(0, MAX_ORDERING_KEY_LENGTH) : orderingKey,
    deliverAt: input.deliverAt ?? null,
    expiresAt: input.expiresAt ?? null,
  };
}
