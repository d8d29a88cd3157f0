// A channel turns one prepared attempt into a typed outcome (svix-server's CompletedDispatch; graphql-hive's
// providers/adapters). Each channel owns its protocol's rules — HTTP: 2xx, 410 Gone, Retry-After, redirects, TLS;
// e-mail: SMTP reply classes — and reports them in channel-neutral terms, so that the worker and the pure retry
// decision (domain/retry-policy.ts) never need to know which channel ran.

import type { ChannelKind } from '../../domain/webhook-channel.js';

export { channelOf, type ChannelKind } from '../../domain/webhook-channel.js';

export type PreparedAttempt = {
  /** The delivery's public ID: the `webhook-id` value, the same on every attempt. */
  deliveryId: string;
  eventType: string;
  /** `https://…`, `http://…` or `mailto:a@x,b@y`. */
  url: string;
  /** HTTP only. */
  method: 'POST' | 'PUT' | 'PATCH';
  /** The exact bytes signed and sent. */
  body: string;
  /** Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature), already signed. */
  signatureHeaders: Record<string, string>;
  /** The webhook's custom headers (values decrypted); attempt records show their values as `[redacted]`. */
  customHeaders: readonly { name: string; value: string }[];
  timeoutMs: number;
  /** W3C trace context for the receiver, when tracing is on. */
  traceHeaders?: Record<string, string>;
};

type OutcomeBase = {
  /** HTTP status, or the SMTP reply code. */
  status: number | null;
  /** What came back: the first 64 KiB of the HTTP body, or the SMTP server's reply. */
  responseBody: string | null;
  durationMs: number;
  /** What was sent, in the channel's own terms (HTTP request headers; e-mail envelope and headers), secrets redacted. */
  request: Record<string, string>;
};

export type AttemptOutcome =
  | (OutcomeBase & { kind: 'success' })
  | (OutcomeBase & {
      kind: 'failure';
      /** For a person: `HTTP 500`, `timeout after 15000 ms`, `TLS: …`, `SMTP 550 …`, `blocked target: …`. */
      error: string;
      /** The receiver asked for this wait before the next attempt (HTTP Retry-After on 429/503), in ms. */
      retryAfterMs: number | null;
      /** No later attempt can succeed (SMTP 5xx): the delivery fails now, whatever the schedule says. */
      permanent: boolean;
      /** The endpoint is gone for good (HTTP 410): the webhook is disabled at once, with this reason. */
      disableReason: string | null;
    });

export interface DeliveryChannel {
  readonly kind: ChannelKind;
  send(attempt: PreparedAttempt): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

export const REDACTED = '[redacted]';
