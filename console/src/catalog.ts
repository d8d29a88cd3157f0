// The platform's catalog as the console reads it (the Catalog query): which events a webhook's patterns cover and
// which context dimensions may restrict them. The service applies the same rules; these only shape the forms.
import type { CatalogQuery } from '@sdk/generated';

export type CatalogEventType = CatalogQuery['eventTypes'][number];
export type CatalogDimension = CatalogQuery['contextDimensions'][number];

/** `webhook.test` is sent on request (Send test event), never subscribed to. */
export const TEST_CATEGORY = 'webhook';

/** True when one of the patterns covers the type: its name, its category's `category.*`, or `*` (never an operational type). */
export function covers(patterns: readonly string[], type: CatalogEventType): boolean {
  return patterns.some((pattern) => pattern === type.name || pattern === `${type.category}.*` || (pattern === '*' && !type.operational));
}

/** The categories of the types the patterns cover. */
export function coveredCategories(patterns: readonly string[], types: readonly CatalogEventType[]): Set<string> {
  return new Set(types.filter((type) => covers(patterns, type)).map((type) => type.category));
}

/** The dimensions that can filter some event the patterns cover: what the webhook may restrict by. */
export function dimensionsFor(patterns: readonly string[], catalog: CatalogQuery): CatalogDimension[] {
  const categories = coveredCategories(patterns, catalog.eventTypes);
  return catalog.contextDimensions.filter((dimension) => dimension.categories.some((category) => categories.has(category)));
}

/** Types by category, in catalog order. */
export function groupByCategory(types: readonly CatalogEventType[]): [string, CatalogEventType[]][] {
  const groups = new Map<string, CatalogEventType[]>();
  for (const type of types) groups.set(type.category, [...(groups.get(type.category) ?? []), type]);
  return [...groups];
}

/** Does the type match what a person typed into the search box (name, category or description)? */
export function matchesSearch(type: CatalogEventType, search: string): boolean {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${type.name} ${type.category} ${type.description}`.toLowerCase();
  return words.every((word) => text.includes(word));
}
