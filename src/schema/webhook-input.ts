// Turns a create/update input into values fit to store, or throws BAD_USER_INPUT naming the field. Every check runs
// before anything is written, so a refused mutation changes nothing.
import { isIP } from 'node:net';
import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../config.js';
import { checkRetrySchedule, checkTimeout } from '../domain/delivery-settings.js';
import { formatDuration, parseDuration } from '../domain/durations.js';
import { checkCustomHeaders } from '../domain/header-policy.js';
import { parseMailtoUrl } from '../domain/mailto.js';
import { channelOf } from '../domain/webhook-channel.js';
import { publicId } from '../domain/public-id.js';
import type { RestrictionType } from '../domain/restriction-type.js';
import { resolveDimension, type DimensionChoice } from '../catalog/resolve-dimension.js';

export { resolveDimension, type DimensionChoice };
import { checkResolvedAddresses, checkWebhookUrl } from '../domain/target-policy.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import { badInput } from '../errors.js';
import type { Services } from '../services.js';
import { checkTransformSyntax } from '../transform/transform-syntax.js';
import type { TransformRunner } from '../transform/transform-runner.js';

export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_URL_LENGTH = 2048;
export const MAX_HEADERS = 20;
export const MAX_RESTRICTIONS = 200;
export const MAX_TARGET_ID_LENGTH = 200;
export const MAX_EVENT_PATTERNS = 50;

export type HeaderValue = { name: string; value: string };
export type RestrictionValue = { dimension: string; targetId: string };
/** A restriction or context ref as the API takes it: anny's `type`, or any catalog `dimension` (exactly one). */

export function validateName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_NAME_LENGTH) {
    throw badInput(field, `Give the webhook a name of 1 to ${MAX_NAME_LENGTH} characters.`);
  }
  return trimmed;
}

export function validateDescription(description: string | null | undefined): string | null {
  if (description == null) return null;
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw badInput('description', `The description may be at most ${MAX_DESCRIPTION_LENGTH} characters long.`);
  }
  return description;
}

/**
 * Checks the URL's form, then (unless private targets are allowed) every address its host resolves to. A `mailto:`
 * URL (an e-mail webhook, CONTRACT.md "Channels") needs 1–5 valid addresses and is stored in its canonical form.
 */
export async function validateUrl(url: string, config: Config, services: Services): Promise<string> {
  if (url.length > MAX_URL_LENGTH) throw badInput('url', `The endpoint URL may be at most ${MAX_URL_LENGTH} characters long.`);
  if (channelOf(url.trim()) === 'EMAIL') {
    const mailto = parseMailtoUrl(url);
    if (!mailto.ok) throw badInput('url', `Hookstream cannot send to this e-mail webhook URL: ${mailto.reason}.`);
    return mailto.canonicalUrl;
  }
  const check = checkWebhookUrl(url, { requireHttps: config.requireHttps, allowPrivateTargets: config.allowPrivateTargets });
  if (!check.ok) throw badInput('url', `Hookstream cannot send to this endpoint URL: ${check.reason}.`);
  if (!config.allowPrivateTargets) {
    const hostname = check.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) === 0) {
      let addresses: string[];
      try {
        addresses = (await services.lookupHost(hostname)).map((entry) => entry.address);
      } catch {
        throw badInput('url', `Hookstream cannot send to this endpoint URL: the host name ${hostname} cannot be found.`);
      }
      const resolved = checkResolvedAddresses(addresses, { allowPrivateTargets: false });
      if (!resolved.ok) {
        const where = resolved.address ? `${hostname} leads to ${resolved.address}, which is not a public address` : `${hostname} ${resolved.reason}`;
        throw badInput('url', `Hookstream cannot send to this endpoint URL: ${where}.`);
      }
    }
  }
  return check.url.toString();
}

export function validateEvents(catalog: Catalog, events: readonly string[]): string[] {
  if (events.length === 0) throw badInput('events', 'Choose at least one event: an event type, a "category.*" wildcard or "*".');
  if (events.length > MAX_EVENT_PATTERNS) throw badInput('events', `A webhook may list at most ${MAX_EVENT_PATTERNS} events.`);
  for (const pattern of events) {
    const problem = catalog.checkPattern(pattern);
    if (problem) throw badInput('events', `${problem.charAt(0).toUpperCase()}${problem.slice(1)} (see the eventTypes query).`);
  }
  return [...new Set(events)];
}

export function validateHeaders(headers: readonly HeaderValue[] | null | undefined): HeaderValue[] {
  if (!headers) return [];
  if (headers.length > MAX_HEADERS) throw badInput('headers', `A webhook may send at most ${MAX_HEADERS} custom headers.`);
  const check = checkCustomHeaders(headers);
  if (!check.ok) throw badInput('headers', `This custom header cannot be sent: ${check.reason}.`);
  return headers.map(({ name, value }) => ({ name, value }));
}


export function validateRestrictions(
  catalog: Catalog,
  restrictions: readonly (DimensionChoice & { targetId: string })[] | null | undefined,
  events: readonly string[],
  field = 'restrictions',
  dimensionField = field,
): RestrictionValue[] {
  if (!restrictions || restrictions.length === 0) return [];
  if (restrictions.length > MAX_RESTRICTIONS) throw badInput(field, `At most ${MAX_RESTRICTIONS} restrictions are allowed.`);
  const unique = new Map<string, RestrictionValue>();
  for (const restriction of restrictions) {
    const dimension = resolveDimension(catalog, restriction, dimensionField);
    const problem = catalog.checkRestrictionDimension(dimension, events);
    if (problem) throw badInput(field, `This restriction cannot filter anything: ${problem}.`);
    const trimmed = restriction.targetId.trim();
    if (trimmed.length < 1 || trimmed.length > MAX_TARGET_ID_LENGTH) {
      throw badInput(field, `Each restriction needs the id of what it allows ("targetId", 1–${MAX_TARGET_ID_LENGTH} characters).`);
    }
    unique.set(`${dimension}\u0000${trimmed}`, { dimension, targetId: trimmed });
  }
  return [...unique.values()];
}

/**
 * A transform fit to store: null (none), or a JSONata expression that parses and turns the example of every type the
 * webhook subscribes to into a body. Runs go through the runner, so a hostile expression is bounded here too.
 */
export async function validateTransform(
  transform: string | null | undefined,
  webhook: { events: readonly string[]; sendData: boolean; id?: string },
  catalog: Catalog,
  runner: TransformRunner,
): Promise<string | null> {
  if (transform == null || transform.trim() === '') return null;
  const syntax = checkTransformSyntax(transform);
  if (syntax) throw badInput('transform', `The transform is not a JSONata expression: ${syntax}.`);
  const now = new Date();
  for (const type of catalog.typesMatching(webhook.events)) {
    const body = buildWebhookBody({
      eventType: type.name,
      eventId: publicId('Event', '00000000-0000-7000-8000-000000000000'),
      webhookId: webhook.id ?? publicId('Webhook', '00000000-0000-7000-8000-000000000000'),
      triggeredAt: now,
      occurredAt: now,
      data: type.example,
      sendData: webhook.sendData,
    });
    const result = await runner.run(transform, JSON.parse(body));
    if (!result.ok) throw badInput('transform', `The transform fails on the example of ${type.name}: ${result.error}.`);
  }
  return transform;
}

export function validateRateLimit(rateLimitPerSecond: number | null | undefined): number | null {
  if (rateLimitPerSecond == null) return null;
  if (!Number.isInteger(rateLimitPerSecond) || rateLimitPerSecond < 1 || rateLimitPerSecond > 10_000) {
    throw badInput('rateLimitPerSecond', 'The rate limit must be a whole number of requests a second, from 1 to 10000.');
  }
  return rateLimitPerSecond;
}

/** Health checks GET an HTTP endpoint; an e-mail webhook has none to check. */
export function validateHealthCheck(healthCheck: boolean, url: string): boolean {
  if (healthCheck && channelOf(url) === 'EMAIL') {
    throw badInput('healthCheck', 'Health checks GET an http(s) URL; an e-mail webhook cannot have one (set healthCheck: false).');
  }
  return healthCheck;
}

function parseDurationField(text: string, field: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw badInput(field, `${(error as Error).message.charAt(0).toUpperCase()}${(error as Error).message.slice(1)}.`);
  }
}

/** A webhook's own retry delays (ms), within RETRY_SCHEDULE (domain/delivery-settings.ts); null: RETRY_SCHEDULE's. */
export function validateRetrySchedule(retrySchedule: readonly string[] | null | undefined, config: Pick<Config, 'retrySchedule'>): number[] | null {
  if (retrySchedule == null) return null;
  const delays = retrySchedule.map((text) => parseDurationField(text, 'retrySchedule'));
  const check = checkRetrySchedule(delays, config.retrySchedule, formatDuration);
  if (!check.ok) throw badInput('retrySchedule', `This retry schedule goes beyond what this service allows: ${check.reason}.`);
  return check.value;
}

/** A webhook's own per-attempt timeout (ms), at most DELIVERY_TIMEOUT; null: DELIVERY_TIMEOUT. */
export function validateTimeout(timeout: string | null | undefined, config: Pick<Config, 'deliveryTimeoutMs'>): number | null {
  if (timeout == null) return null;
  const check = checkTimeout(parseDurationField(timeout, 'timeout'), config.deliveryTimeoutMs, formatDuration);
  if (!check.ok) throw badInput('timeout', `This timeout goes beyond what this service allows: ${check.reason}.`);
  return check.value;
}
