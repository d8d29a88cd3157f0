// One HTTP attempt: sends the stored body to the webhook and returns a typed outcome. It decides nothing about
// retries; the worker does that from the outcome (svix-server's CompletedDispatch, STYLE.md).
import { isIP } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { isPublicAddress } from '../domain/target-policy.js';
import { BLOCKED_TARGET_CODE } from './http-agent.js';

export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const USER_AGENT = 'Hookstream-Webhooks/0.1 (+https://www.standardwebhooks.com/)';

export type SendRequest = {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateTargets: boolean;
};

export type SendOutcome =
  | { kind: 'success'; status: number; body: string; durationMs: number }
  | { kind: 'failure'; status: number | null; body: string | null; durationMs: number; error: string; retryAfter: string | null };

export async function sendWebhook(dispatcher: Dispatcher, req: SendRequest): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '');
  // Host names are checked in the agent's lookup; a literal address is never looked up, so it is checked here.
  if (!req.allowPrivateTargets && isIP(host) !== 0 && !isPublicAddress(host)) {
    return { kind: 'failure', status: null, body: null, durationMs: 0, error: `blocked target: ${host} is not a public address`, retryAfter: null };
  }
  try {
    const response = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const body = await readLimited(response.body);
    const durationMs = elapsed();
    if (response.statusCode >= 200 && response.statusCode < 300) return { kind: 'success', status: response.statusCode, body, durationMs };
    const retryAfter = response.headers['retry-after'];
    const location = response.headers['location'];
    const redirect = response.statusCode >= 300 && response.statusCode < 400;
    return {
      kind: 'failure',
      status: response.statusCode,
      body,
      durationMs,
      // Redirects are not followed: the receiver must give its final URL (a redirect could point anywhere).
      error: redirect ? `redirect not followed (${response.statusCode}${location ? ` to ${String(location)}` : ''})` : `HTTP ${response.statusCode}`,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
    };
  } catch (error) {
    return { kind: 'failure', status: null, body: null, durationMs: elapsed(), error: describeSendError(error, req.timeoutMs), retryAfter: null };
  }
}

/** Keeps the first 64 KiB of a response body and drops the rest without reading it into memory. */
async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    size += buffer.length;
    if (size >= MAX_RESPONSE_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BODY_BYTES).toString('utf8');
}

/** The error text of an attempt: timeout, connection refused, DNS, TLS, blocked target, or the cause as given. */
export function describeSendError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const message = err.message ?? String(error);
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return `timeout after ${timeoutMs} ms`;
  }
  if (code === BLOCKED_TARGET_CODE || /blocked target/.test(message)) return message.startsWith('blocked target') ? message : `blocked target: ${message}`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') return `DNS: host not found (${code})`;
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code) || /certificate|TLS|SSL/i.test(message)) return `TLS: ${message}`;
  return `${code ? `${code}: ` : ''}${message}`;
}
