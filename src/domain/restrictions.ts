/**
 * Webhook restrictions over the catalog's context dimensions (CONTRACT.md, "Event catalog"): a webhook narrows the
 * events of a dimension's categories to given targets, e.g. anny's bookings to one resource, Channex's events to one
 * property. "An event passes a webhook's restrictions when any restriction matches its `context` (or, where context is
 * absent, the dimension's default place in `data`). No restrictions: all pass."
 */
import { idToString, readDataPath } from './data-path.js';

/** One restriction on a webhook: a dimension of the catalog and the id it must match. */
export interface Restriction {
  readonly dimension: string;
  readonly targetId: string;
}

/** One entity an event concerns, from `PublishEventInput.context`. */
export interface ContextRef {
  readonly dimension: string;
  readonly id: string;
}

/** What the rule needs to know of a dimension. */
export interface DimensionRule {
  readonly name: string;
  /** The categories whose events it filters. */
  readonly categories: ReadonlySet<string>;
  /** Where in `data` its id is when the publisher sent no context (parsed path), or null: context only. */
  readonly path: readonly string[] | null;
}

export interface RestrictionCheck {
  /** The event type's category (undefined for a type the catalog does not know: nothing filters it). */
  readonly category: string | undefined;
  readonly restrictions: readonly Restriction[];
  readonly context?: readonly ContextRef[] | null | undefined;
  /** The event's `data`: arbitrary JSON from the publisher, so read defensively. */
  readonly data: unknown;
}

/** The refs read from `data` at each applicable dimension's default place (when the publisher sent no context). */
function contextFromData(dimensions: readonly DimensionRule[], data: unknown): ContextRef[] {
  const refs: ContextRef[] = [];
  for (const dimension of dimensions) {
    if (!dimension.path) continue;
    const id = idToString(readDataPath(data, dimension.path));
    if (id !== null) refs.push({ dimension: dimension.name, id });
  }
  return refs;
}

/**
 * True when the event may go to the webhook. Restrictions whose dimension does not apply to the event's category do
 * not filter it (so a webhook on `*` with a resource restriction still gets every order); of those that apply, any one
 * matching suffices. The context, when the publisher gave one, is the whole truth; otherwise each dimension's default
 * place in `data` stands in. Ids are compared as strings.
 */
export function passesRestrictions(dimensions: ReadonlyMap<string, DimensionRule>, check: RestrictionCheck): boolean {
  const { category } = check;
  if (category === undefined) return true;
  const applicable = check.restrictions.filter((restriction) => dimensions.get(restriction.dimension)?.categories.has(category));
  if (applicable.length === 0) return true;
  const refs =
    check.context && check.context.length > 0
      ? check.context
      : contextFromData([...new Set(applicable.map((restriction) => dimensions.get(restriction.dimension)!))], check.data);
  return applicable.some((restriction) =>
    refs.some((ref) => ref.dimension === restriction.dimension && String(ref.id) === String(restriction.targetId)),
  );
}
