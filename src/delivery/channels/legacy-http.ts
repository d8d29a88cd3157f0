// The HTTP channel over the existing sender (send.ts, http-agent.ts) until channels/http.ts replaces both: it owns
// what is HTTP's — 2xx, 410 Gone, Retry-After on 429/503 — and reports it in the channel seam's terms.
import { isRetryAfterStatus, parseRetryAfter } from '../../domain/backoff.js';
import { createDeliveryAgent } from '../http-agent.js';
import { sendWebhook, USER_AGENT } from '../send.js';
import { REDACTED, type AttemptOutcome, type DeliveryChannel, type PreparedAttempt } from './channel.js';

export function createHttpChannel(options: { allowPrivateTargets: boolean; connectionsPerOrigin: number; timeoutMs: number }): DeliveryChannel {
  const agent = createDeliveryAgent(options);
  return {
    kind: 'HTTP',
    async send(attempt: PreparedAttempt): Promise<AttemptOutcome> {
      const custom = Object.fromEntries(attempt.customHeaders.map((header) => [header.name, header.value]));
      const headers = { ...custom, 'user-agent': USER_AGENT, 'content-type': 'application/json', ...attempt.traceHeaders, ...attempt.signatureHeaders };
      const outcome = await sendWebhook(agent, {
        url: attempt.url,
        method: attempt.method,
        headers,
        body: attempt.body,
        timeoutMs: attempt.timeoutMs,
        allowPrivateTargets: options.allowPrivateTargets,
      });
      const redacted = new Set(attempt.customHeaders.map((header) => header.name));
      const request = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, redacted.has(name) ? REDACTED : value]));
      const base = { status: outcome.status, responseBody: outcome.body, durationMs: outcome.durationMs, request };
      if (outcome.kind === 'success') return { kind: 'success', ...base };
      const retryAfterMs = outcome.status !== null && isRetryAfterStatus(outcome.status) ? parseRetryAfter(outcome.retryAfter, new Date()) : null;
      return {
        kind: 'failure',
        ...base,
        error: outcome.error,
        retryAfterMs,
        permanent: false,
        // Standard Webhooks: 410 Gone means the endpoint is gone for good; stop sending to it at once.
        disableReason: outcome.status === 410 ? 'endpoint answered 410 Gone' : null,
      };
    },
    close: () => agent.close(),
  };
}
