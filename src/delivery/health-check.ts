// A webhook's health check (CONTRACT.md "Channels": `healthCheck: true`; Sirvoy: "Your server must respond to HTTP
// GET requests with 200 OK for health checks. No data will be sent using HTTP GET"). A GET of the URL, no body and
// no signature, through the delivery client, so the same target checks, proxy and TLS rules apply; 2xx is healthy.
// When to check (create, re-enable, every HEALTH_CHECK_INTERVAL while failing) is the engine's business.
import { channelOf } from './channels/channel.js';
import type { HttpClient } from './channels/http-client.js';
import { USER_AGENT } from './channels/http.js';

/** The shape of `Webhook.health` (CONTRACT.md `WebhookHealth`). */
export type HealthCheckResult = {
  ok: boolean;
  checkedAt: Date;
  /** The HTTP status, or null when no answer came. */
  responseStatus: number | null;
  /** Null when healthy; otherwise `HTTP 500`, `timeout after … ms`, `TLS: …`, `blocked target: …`, … */
  error: string | null;
};

export type HealthCheckDeps = {
  client: HttpClient;
  timeoutMs: number;
  /** Extra request headers, e.g. the webhook's Authorization header if the engine decides a check should carry it. */
  headers?: Record<string, string> | undefined;
  now?: () => Date;
};

export async function checkHealth(url: string, deps: HealthCheckDeps): Promise<HealthCheckResult> {
  const checkedAt = deps.now?.() ?? new Date();
  if (channelOf(url) !== 'HTTP') {
    return { ok: false, checkedAt, responseStatus: null, error: 'health checks apply to http(s) URLs only' };
  }
  const exchange = await deps.client.exchange({ url, method: 'GET', headers: { ...deps.headers, 'user-agent': USER_AGENT }, timeoutMs: deps.timeoutMs });
  if (exchange.kind === 'error') return { ok: false, checkedAt, responseStatus: null, error: exchange.error };
  const { status } = exchange;
  if (status >= 200 && status < 300) return { ok: true, checkedAt, responseStatus: status, error: null };
  const location = exchange.headers['location'];
  const redirect = status >= 300 && status < 400;
  return {
    ok: false,
    checkedAt,
    responseStatus: status,
    error: redirect ? `redirect not followed (${status}${location ? ` to ${String(location)}` : ''})` : `HTTP ${status}`,
  };
}
