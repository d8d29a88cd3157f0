// Compiled (never run) against the installed package's .d.ts: the operations and subscriptions are typed, and a wrong
// input or value is a compile error.
import { createHookstreamClient, HookstreamError, PublishEventDocument, type DeliveryStatus, type PublishEventResultFragment } from '@hookstream/client';

const hookstream = createHookstreamClient({ url: 'http://localhost:4000/graphql', apiKey: 'hsk_…' });

export async function typed(): Promise<string[]> {
  const published: PublishEventResultFragment = await hookstream.publishEvent({ type: 'bookings.created', data: { id: '1764' } });
  const { webhook, secret } = await hookstream.webhooks.create({ name: 'Front desk', url: 'https://example.com/hooks', events: ['bookings.*'] });
  const seen: DeliveryStatus[] = [];
  for await (const update of hookstream.deliveryUpdates({ webhookId: webhook.id })) {
    seen.push(update.status);
    if (update.status === 'SUCCEEDED') break;
  }
  const delivery = await hookstream.deliveries.get(published.event.id);
  const attempts: (number | null)[] = delivery?.attempts.map((attempt) => attempt.responseStatus) ?? [];
  const raw = await hookstream.request(PublishEventDocument, { input: { type: 'bookings.created', data: {} } });
  try {
    await hookstream.portalSessions.create({ ttlSeconds: 60 });
  } catch (error) {
    if (error instanceof HookstreamError && error.code === 'BAD_USER_INPUT') return [error.field ?? ''];
  }
  // @ts-expect-error: an event needs its type
  await hookstream.publishEvent({ data: {} });
  // @ts-expect-error: no such delivery status
  const wrong: DeliveryStatus = 'DONE';
  // @ts-expect-error: deliveryCount is a number
  const count: string = raw.publishEvent.deliveryCount;
  return [secret ?? '', String(attempts.length), wrong, count, ...seen];
}
