// One HTTP exchange under the target policy: the SSRF checks, the request, the first 64 KiB of the answer, or the
// error text. It knows nothing of webhooks (no signing, no outcome rules), so that the HTTP channel and the health
// check share the same agent, proxy, TLS rules and checks.
import type { IncomingHttpHeaders } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { checkTargetHost, createHttpDispatcher, type HttpAgentOptions } from './http-agent.js';
import { startDeadline } from './deadline.js';
import { describeHttpError } from './http-error.js';

export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export type HttpClientOptions = HttpAgentOptions;

export type HttpExchangeRequest = {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
};

export type HttpExchange =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: string; durationMs: number }
  /** No HTTP answer: `error` is the text for the call history (timeout, connection refused, DNS, TLS, blocked target…). */
  | { kind: 'error'; error: string; durationMs: number };

export interface HttpClient {
  /** True when every request goes through EGRESS_PROXY_URL. */
  readonly proxied: boolean;
  exchange(req: HttpExchangeRequest): Promise<HttpExchange>;
  /** Closes the pooled connections; safe to call more than once. */
  close(): Promise<void>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const dispatcher = createHttpDispatcher(options);
  const proxied = Boolean(options.egressProxyUrl);
  let closing: Promise<void> | null = null;
  return {
    proxied,
    exchange: (req) => exchangeHttp(dispatcher, options, req),
    close: () => (closing ??= dispatcher.close()),
  };
}

async function exchangeHttp(dispatcher: Dispatcher, options: HttpClientOptions, req: HttpExchangeRequest): Promise<HttpExchange> {
  const deadline = startDeadline(req.timeoutMs);
  try {
    return await exchangeWithin(dispatcher, options, req, deadline.signal);
  } finally {
    deadline.clear();
  }
}

async function exchangeWithin(dispatcher: Dispatcher, options: HttpClientOptions, req: HttpExchangeRequest, signal: AbortSignal): Promise<HttpExchange> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const proxied = Boolean(options.egressProxyUrl);
  try {
    // A literal address is never looked up, so it is checked here; a name is checked in the agent's lookup when
    // direct, and here when proxied (the proxy resolves it, not us).
    await checkTargetHost(new URL(req.url).hostname, { allowPrivateTargets: options.allowPrivateTargets, resolveNames: proxied, lookup: options.lookup, signal });
  } catch (error) {
    return { kind: 'error', error: describeHttpError(error, req.timeoutMs), durationMs: elapsed() };
  }
  try {
    const response = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
    });
    const body = await readLimited(response.body);
    return { kind: 'response', status: response.statusCode, headers: response.headers, body, durationMs: elapsed() };
  } catch (error) {
    return { kind: 'error', error: describeHttpError(signal.aborted ? signal.reason : error, req.timeoutMs, proxied), durationMs: elapsed() };
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
