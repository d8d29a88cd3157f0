/**
 * Which events a webhook subscribes to. A webhook's `events` list holds catalog types, category wildcards such as
 * `bookings.*`, or `*` (CONTRACT.md, `CreateWebhookInput.events`). Categories are the catalog's own (each type names
 * one), not the text before a dot: Channex's `booking_unmapped_room` is in category `booking`.
 */

/** The pattern that subscribes to every event type of the platform (not to operational events). */
export const ALL_EVENTS = '*';
/** Hookstream's own events (`hookstream.webhook.failing`, …): only webhooks that name them receive them. */
export const OPERATIONAL_CATEGORY = 'hookstream';
/** `webhook.test`, sent on request by sendTestEvent. */
export const TEST_CATEGORY = 'webhook';
/** Suffix of a category wildcard: `bookings.*`. */
const CATEGORY_WILDCARD_SUFFIX = '.*';

/** What the pattern rules need to know of a catalog: each type's category. */
export interface PatternIndex {
  /** Type name → its category. */
  readonly categoryOf: ReadonlyMap<string, string>;
  /** Every category some type is in. */
  readonly categories: ReadonlySet<string>;
}

/** The category of a wildcard pattern (`bookings.*` → `bookings`), or null for any other pattern. */
export function wildcardCategory(pattern: string): string | null {
  return pattern.endsWith(CATEGORY_WILDCARD_SUFFIX) ? pattern.slice(0, -CATEGORY_WILDCARD_SUFFIX.length) : null;
}

/** Null for a catalog type, `<known category>.*` or `*`; otherwise why the pattern is refused. */
export function checkEventPattern(index: PatternIndex, pattern: string): string | null {
  if (pattern === ALL_EVENTS || index.categoryOf.has(pattern)) return null;
  const category = wildcardCategory(pattern);
  if (category !== null && index.categories.has(category)) return null;
  return `"${pattern}" is not an event type of the catalog, a "category.*" wildcard or "*"`;
}

/** True when one pattern covers `type`: the type itself, its category's wildcard, or `*` (never an operational type). */
export function patternMatches(index: PatternIndex, pattern: string, type: string): boolean {
  const category = index.categoryOf.get(type);
  if (category === undefined) return false;
  if (pattern === type) return true;
  if (pattern === ALL_EVENTS) return category !== OPERATIONAL_CATEGORY;
  return wildcardCategory(pattern) === category;
}

/** True when any of a webhook's patterns covers the event `type` (the fan-out test at publish). */
export function eventMatches(index: PatternIndex, patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => patternMatches(index, pattern, type));
}

/** Every category that some type covered by `patterns` is in. */
export function categoriesCovered(index: PatternIndex, patterns: readonly string[]): Set<string> {
  const covered = new Set<string>();
  for (const [type, category] of index.categoryOf) if (eventMatches(index, patterns, type)) covered.add(category);
  return covered;
}

/** An operational type (`hookstream.…`): published by Hookstream itself, and whose deliveries raise no operational events. */
export function isOperationalType(type: string): boolean {
  return type.startsWith(`${OPERATIONAL_CATEGORY}.`);
}
