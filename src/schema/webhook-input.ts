// Turns a create/update input into values fit to store, or throws BAD_USER_INPUT naming the field. Every check runs
// before anything is written, so a refused mutation changes nothing.
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { isValidEventPattern, subscribesToBookingEvents } from '../domain/event-match.js';
import { checkCustomHeaders } from '../domain/header-policy.js';
import type { RestrictionType } from '../domain/restrictions.js';
import { checkResolvedAddresses, checkWebhookUrl } from '../domain/target-policy.js';
import { badInput } from '../errors.js';
import type { Services } from '../services.js';

export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_URL_LENGTH = 2048;
export const MAX_HEADERS = 20;
export const MAX_RESTRICTIONS = 200;
export const MAX_TARGET_ID_LENGTH = 200;
export const MAX_EVENT_PATTERNS = 50;

export type HeaderValue = { name: string; value: string };
export type RestrictionValue = { type: RestrictionType; targetId: string };

export function validateName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_NAME_LENGTH) {
    throw badInput(field, `"${field}" must be 1–${MAX_NAME_LENGTH} characters.`);
  }
  return trimmed;
}

export function validateDescription(description: string | null | undefined): string | null {
  if (description == null) return null;
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw badInput('description', `"description" must be at most ${MAX_DESCRIPTION_LENGTH} characters.`);
  }
  return description;
}

/** Checks the URL's form, then (unless private targets are allowed) every address its host resolves to. */
export async function validateUrl(url: string, config: Config, services: Services): Promise<string> {
  if (url.length > MAX_URL_LENGTH) throw badInput('url', `"url" must be at most ${MAX_URL_LENGTH} characters.`);
  const check = checkWebhookUrl(url, { requireHttps: config.requireHttps, allowPrivateTargets: config.allowPrivateTargets });
  if (!check.ok) throw badInput('url', `"url" is not allowed: ${check.reason}.`);
  if (!config.allowPrivateTargets) {
    const hostname = check.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) === 0) {
      let addresses: string[];
      try {
        addresses = (await services.lookupHost(hostname)).map((entry) => entry.address);
      } catch {
        throw badInput('url', `"url" is not allowed: the host name ${hostname} does not resolve.`);
      }
      const resolved = checkResolvedAddresses(addresses, { allowPrivateTargets: false });
      if (!resolved.ok) throw badInput('url', `"url" is not allowed: ${hostname} resolves to ${resolved.reason}.`);
    }
  }
  return check.url.toString();
}

export function validateEvents(events: readonly string[]): string[] {
  if (events.length === 0) throw badInput('events', '"events" must name at least one event type, category.* or *.');
  if (events.length > MAX_EVENT_PATTERNS) throw badInput('events', `"events" may list at most ${MAX_EVENT_PATTERNS} entries.`);
  for (const pattern of events) {
    if (!isValidEventPattern(pattern)) {
      throw badInput('events', `"${pattern}" is not an event type of the catalog, a "category.*" wildcard or "*".`);
    }
  }
  return [...new Set(events)];
}

export function validateHeaders(headers: readonly HeaderValue[] | null | undefined): HeaderValue[] {
  if (!headers) return [];
  if (headers.length > MAX_HEADERS) throw badInput('headers', `At most ${MAX_HEADERS} custom headers are allowed.`);
  const check = checkCustomHeaders(headers);
  if (!check.ok) throw badInput('headers', `"headers" is not allowed: ${check.reason}.`);
  return headers.map(({ name, value }) => ({ name, value }));
}

export function validateRestrictions(
  restrictions: readonly RestrictionValue[] | null | undefined,
  events: readonly string[],
  field = 'restrictions',
): RestrictionValue[] {
  if (!restrictions || restrictions.length === 0) return [];
  if (restrictions.length > MAX_RESTRICTIONS) throw badInput(field, `At most ${MAX_RESTRICTIONS} restrictions are allowed.`);
  if (!subscribesToBookingEvents(events)) {
    throw badInput(field, 'Restrictions apply to booking events only; this webhook subscribes to no bookings.* event.');
  }
  const unique = new Map<string, RestrictionValue>();
  for (const { type, targetId } of restrictions) {
    const trimmed = targetId.trim();
    if (trimmed.length < 1 || trimmed.length > MAX_TARGET_ID_LENGTH) {
      throw badInput(field, `"targetId" must be 1–${MAX_TARGET_ID_LENGTH} characters.`);
    }
    unique.set(`${type}\u0000${trimmed}`, { type, targetId: trimmed });
  }
  return [...unique.values()];
}

export function validateRateLimit(rateLimitPerSecond: number | null | undefined): number | null {
  if (rateLimitPerSecond == null) return null;
  if (!Number.isInteger(rateLimitPerSecond) || rateLimitPerSecond < 1 || rateLimitPerSecond > 10_000) {
    throw badInput('rateLimitPerSecond', '"rateLimitPerSecond" must be a whole number from 1 to 10000.');
  }
  return rateLimitPerSecond;
}
