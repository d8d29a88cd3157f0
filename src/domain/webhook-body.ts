/**
 * The JSON body a webhook endpoint receives (CONTRACT.md, "What a webhook endpoint receives"):
 * `{"event":…,"event_id":…,"webhook_id":…,"triggered_at":…,"data":{…}}`, keys in that order.
 */

export interface WebhookBodyInput {
  readonly eventType: string;
  readonly eventId: string;
  readonly webhookId: string;
  readonly triggeredAt: Date;
  /** When the domain event happened (publishEvent's occurredAt): receivers order by it. Added to the contract's keys. */
  readonly occurredAt?: Date | undefined;
  /** The event's `data`, arbitrary JSON from the publisher. */
  readonly data: unknown;
  /** `CreateWebhookInput.sendData`: false shrinks `data` to `{ id }`. */
  readonly sendData: boolean;
  /** `JSON.stringify(data)`, when the caller has it already: one event's data is serialised once for all its webhooks. */
  readonly dataJson?: string | undefined;
  /** An ordered webhook's place of this delivery in its key's line: 1, 2, 3… (CONTRACT.md, "The booking's timeline"). */
  readonly sequence?: number | null | undefined;
}

/** `{ id }` of the data, for webhooks that must not receive the entity itself (`sendData: false`). */
function shrinkToId(data: unknown): { id: unknown } {
  const id = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['id'] : undefined;
  // null rather than undefined, so the key survives JSON.stringify and receivers see it.
  return { id: id ?? null };
}

/**
 * The body as the exact string to sign and send. Key order is fixed by the object literal
 * (JSON.stringify keeps insertion order); `data` is never omitted, `null` standing in for nothing.
 */
export function buildWebhookBody({
  eventType,
  eventId,
  webhookId,
  triggeredAt,
  occurredAt,
  data,
  sendData,
  dataJson,
  sequence,
}: WebhookBodyInput): string {
  const envelope = JSON.stringify({
    event: eventType,
    event_id: eventId,
    webhook_id: webhookId,
    // RFC 3339 UTC; toISOString includes milliseconds, which every RFC 3339 parser accepts.
    triggered_at: triggeredAt.toISOString(),
    ...(occurredAt ? { occurred_at: occurredAt.toISOString() } : {}),
    ...(sequence != null ? { sequence } : {}),
  });
  const dataText = sendData ? (dataJson ?? JSON.stringify(data ?? null) ?? 'null') : JSON.stringify(shrinkToId(data));
  // The envelope's closing brace gives way to `data`, last: byte for byte what JSON.stringify of the whole would give.
  return `${envelope.slice(0, -1)},"data":${dataText}}`;
}
