// How values read on screen. Statuses are always words; the colour in styles.css only repeats them.
import type { AttemptTrigger, DeliveryOrdering, DeliveryStatus, WebhookChannel } from '@sdk/generated';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = Object.freeze(['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'SUPERSEDED']);

export const STATUS_LABELS: Readonly<Record<DeliveryStatus, string>> = Object.freeze({
  PENDING: 'Pending',
  RETRYING: 'Retrying',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  EXPIRED: 'Expired',
  SUPERSEDED: 'Superseded',
});

export const CHANNEL_LABELS: Readonly<Record<WebhookChannel, string>> = Object.freeze({ HTTP: 'HTTP', EMAIL: 'E-mail' });

export const ORDERING_LABELS: Readonly<Record<DeliveryOrdering, string>> = Object.freeze({
  NONE: 'None: deliveries go as they come',
  PER_KEY: 'Per key: one booking’s deliveries strictly in publish order',
  LATEST_PER_KEY: 'Latest per key: in order, and a queued delivery is superseded by a newer one of its key',
});

/** A delivery that waits for its time (publishEvent's deliverAt): pending, never attempted, due later. */
export function isScheduled(delivery: { status: DeliveryStatus; attemptCount: number; nextAttemptAt?: string | null }, now = Date.now()): boolean {
  return delivery.status === 'PENDING' && delivery.attemptCount === 0 && !!delivery.nextAttemptAt && Date.parse(delivery.nextAttemptAt) > now;
}

export const TRIGGER_LABELS: Readonly<Record<AttemptTrigger, string>> = Object.freeze({
  AUTOMATIC: 'Automatic',
  MANUAL: 'Manual',
});

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatRate(rate: number | null | undefined): string {
  if (rate == null) return 'None finished';
  return `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`;
}

export function formatJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return JSON.stringify(value, null, 2);
}

/** An ISO instant as the value of an <input type="datetime-local"> (local time, minutes). */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The value of an <input type="datetime-local"> (local time) as an ISO instant, or null when empty or invalid. */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
