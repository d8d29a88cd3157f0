/**
 * Which events a webhook subscribes to. A webhook's `events` list holds catalog types,
 * category wildcards such as `bookings.*`, or `*` (CONTRACT.md, `CreateWebhookInput.events`).
 */
import { isBookingEvent, isCatalogType, isEventCategory } from './event-catalog.js';

/** The pattern that subscribes to every event type. */
const ALL_EVENTS = '*';
/** Suffix of a category wildcard: `bookings.*`. */
const CATEGORY_WILDCARD_SUFFIX = '.*';

/** The category of a wildcard pattern (`bookings.*` → `bookings`), or null for any other pattern. */
function wildcardCategory(pattern: string): string | null {
  return pattern.endsWith(CATEGORY_WILDCARD_SUFFIX)
    ? pattern.slice(0, -CATEGORY_WILDCARD_SUFFIX.length)
    : null;
}

/** True for a catalog type, `<known category>.*`, or `*`; anything else is BAD_USER_INPUT. */
export function isValidEventPattern(pattern: string): boolean {
  if (pattern === ALL_EVENTS || isCatalogType(pattern)) return true;
  const category = wildcardCategory(pattern);
  return category !== null && isEventCategory(category);
}

/** True when one pattern covers `type`: exact match, its category's wildcard, or `*`. */
function patternMatches(pattern: string, type: string): boolean {
  if (pattern === ALL_EVENTS || pattern === type) return true;
  const category = wildcardCategory(pattern);
  // Compare with the dot so `book.*` cannot cover `bookings.created`.
  return category !== null && type.startsWith(`${category}.`);
}

/** True when any of a webhook's patterns covers the event `type` (the fan-out test at publish). */
export function eventMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => patternMatches(pattern, type));
}

/**
 * True when some pattern could match a `bookings.*` event. Setting a restriction on a webhook
 * that subscribes to no booking event is BAD_USER_INPUT (CONTRACT.md, "Event catalog").
 */
export function subscribesToBookingEvents(patterns: readonly string[]): boolean {
  return patterns.some(
    (pattern) => pattern === ALL_EVENTS || pattern === 'bookings.*' || isBookingEvent(pattern),
  );
}
