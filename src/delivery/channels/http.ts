// The HTTP channel: one signed request per attempt (the successor of delivery/send.ts). It owns HTTP's rules and
// reports them in the channel-neutral AttemptOutcome: 2xx succeeds; 410 Gone disables the webhook (Standard
// Webhooks: the endpoint is gone for good); Retry-After on 429/503 (RFC 9110 §10.2.3, RFC 6585 §4) asks for a
// wait; redirects are never followed, since the receiver must give its final URL and a redirect could point anywhere.
import { isRetryAfterStatus, parseRetryAfter } from '../../domain/backoff.js';
import { REDACTED, type AttemptOutcome, type DeliveryChannel, type PreparedAttempt } from './channel.js';
import { createHttpClient, type HttpClient, type HttpClientOptions, type HttpExchange } from './http-client.js';

export const USER_AGENT = 'Hookstream-Webhooks/0.1 (+https://www.standardwebhooks.com/)';
export const GONE_DISABLE_REASON = 'endpoint answered 410 Gone';

export type HttpChannel = DeliveryChannel & {
  readonly kind: 'HTTP';
  /** The channel's client (agent or proxy, TLS rules, target checks), for health checks to share. */
  readonly client: HttpClient;
};

export function createHttpChannel(options: HttpClientOptions): HttpChannel {
  const client = createHttpClient(options);
  return {
    kind: 'HTTP',
    client,
    async send(attempt) {
      const { headers, recorded } = buildHttpHeaders(attempt);
      const exchange = await client.exchange({ url: attempt.url, method: attempt.method, headers, body: attempt.body, timeoutMs: attempt.timeoutMs });
      // Retry-After dates count from when the answer came, not from when the attempt started.
      return decideHttpOutcome(exchange, recorded, new Date());
    },
    close: () => client.close(),
  };
}

/**
 * The request headers, and what the attempt record keeps of them (custom header values, often credentials, never).
 * Ours are set last and win over a custom header of the same name in any case, as the contract fixes them.
 */
export function buildHttpHeaders(attempt: PreparedAttempt): { headers: Record<string, string>; recorded: Record<string, string> } {
  const ours: Record<string, string> = {
    'user-agent': USER_AGENT,
    'content-type': 'application/json',
    ...lowerCaseKeys(attempt.traceHeaders ?? {}),
    ...lowerCaseKeys(attempt.signatureHeaders),
  };
  const headers: Record<string, string> = {};
  const recorded: Record<string, string> = {};
  for (const { name, value } of attempt.customHeaders) {
    if (name.toLowerCase() in ours) continue;
    headers[name] = value;
    recorded[name] = REDACTED;
  }
  Object.assign(headers, ours);
  Object.assign(recorded, ours);
  return { headers, recorded };
}

/** HTTP's rules, from one exchange to the channel-neutral outcome. */
export function decideHttpOutcome(exchange: HttpExchange, request: Record<string, string>, now: Date): AttemptOutcome {
  if (exchange.kind === 'error') {
    return { kind: 'failure', status: null, responseBody: null, durationMs: exchange.durationMs, request, error: exchange.error, retryAfterMs: null, permanent: false, disableReason: null };
  }
  const { status, body, durationMs } = exchange;
  if (status >= 200 && status < 300) return { kind: 'success', status, responseBody: body, durationMs, request };
  const location = firstValue(exchange.headers['location']);
  const redirect = status >= 300 && status < 400;
  return {
    kind: 'failure',
    status,
    responseBody: body,
    durationMs,
    request,
    error: redirect ? `redirect not followed (${status}${location ? ` to ${location}` : ''})` : `HTTP ${status}`,
    retryAfterMs: isRetryAfterStatus(status) ? parseRetryAfter(firstValue(exchange.headers['retry-after']), now) : null,
    permanent: false,
    disableReason: status === 410 ? GONE_DISABLE_REASON : null,
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
