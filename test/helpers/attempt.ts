// What the engine hands a channel, built the way the worker builds it (signed with the real signing code), and a
// made-up DNS for tests whose targets must look public to the target policy.
import { isIP } from 'node:net';
import type { PreparedAttempt } from '../../src/delivery/channels/channel.js';
import type { LookupFunction } from '../../src/delivery/channels/http-agent.js';
import { buildWebhookHeaders, generateWebhookSecret } from '../../src/domain/signature.js';

export const newSecret = () => generateWebhookSecret(crypto.getRandomValues(new Uint8Array(32)));

let counter = 0;

/** A signed attempt; `secrets` sign it (the first is the current one), the rest of the fields can be overridden. */
export function prepareAttempt(overrides: Partial<PreparedAttempt> & { url: string; secrets?: string[] }): PreparedAttempt {
  const { secrets = [newSecret()], ...fields } = overrides;
  const deliveryId = fields.deliveryId ?? `dlv_test${String(++counter).padStart(4, '0')}`;
  const eventType = fields.eventType ?? 'bookings.created';
  const body = fields.body ?? JSON.stringify({ event: eventType, event_id: 'evt_1', webhook_id: 'whk_1', triggered_at: new Date().toISOString(), data: { id: 'b1', note: 'Grüße ✓' } });
  return {
    method: 'POST',
    customHeaders: [],
    timeoutMs: 5_000,
    ...fields,
    deliveryId,
    eventType,
    body,
    signatureHeaders: fields.signatureHeaders ?? { ...buildWebhookHeaders({ msgId: deliveryId, timestampSeconds: Math.floor(Date.now() / 1000), body, secrets }) },
  };
}

/** A resolver that knows only `answers` (name → address); any other name is ENOTFOUND, as a real resolver says it. */
export function staticLookup(answers: Record<string, string>): LookupFunction & { asked: string[] } {
  const asked: string[] = [];
  const lookup = ((hostname, _options, callback) => {
    asked.push(hostname);
    const address = answers[hostname];
    setImmediate(() => {
      if (address === undefined) {
        const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
        return callback(error, []);
      }
      callback(null, [{ address, family: isIP(address) === 6 ? 6 : 4 }]);
    });
  }) as LookupFunction & { asked: string[] };
  lookup.asked = asked;
  return lookup;
}
