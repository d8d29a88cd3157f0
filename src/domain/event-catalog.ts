/**
 * The event catalog: every event type the platform may publish (CONTRACT.md, "Event catalog").
 * The list is fixed by the contract; `eventTypes` in GraphQL and the validation of
 * `publishEvent(type)` and `createWebhook(events)` all read it from here.
 */

/** The catalog in contract order, each type with a one-line description for the `eventTypes` query. */
const CATALOG = [
  { type: 'bookings.created', description: 'A booking was made.' },
  { type: 'bookings.updated', description: 'A booking was changed (time, resource, service, details).' },
  { type: 'bookings.started', description: 'A booking reached its start time.' },
  { type: 'bookings.ended', description: 'A booking reached its end time.' },
  { type: 'bookings.checked-in', description: 'The guest checked in for a booking.' },
  { type: 'bookings.checked-out', description: 'The guest checked out of a booking.' },
  { type: 'bookings.deleted', description: 'A booking was cancelled or removed.' },
  { type: 'orders.created', description: 'An order was placed.' },
  { type: 'orders.updated', description: 'An order was changed.' },
  { type: 'orders.deleted', description: 'An order was removed.' },
  { type: 'invoices.created', description: 'A draft invoice was created.' },
  { type: 'invoices.finalised', description: 'An invoice was finalised and can no longer be edited.' },
  { type: 'invoices.updated', description: 'An invoice was changed.' },
  { type: 'invoices.deleted', description: 'An invoice was removed.' },
  { type: 'customers.created', description: 'A customer was added.' },
  { type: 'customers.updated', description: 'A customer was changed.' },
  { type: 'customers.deleted', description: 'A customer was removed.' },
  { type: 'webhook.test', description: 'A test event sent on request to check an endpoint.' },
] as const;

/** One of the catalog's type names, e.g. `'bookings.created'`. */
export type EventType = (typeof CATALOG)[number]['type'];

/** The text before the dot of a type name. */
type CategoryOf<T extends string> = T extends `${infer Category}.${string}` ? Category : never;

/** One of the catalog's categories, e.g. `'bookings'`. */
export type EventCategory = CategoryOf<EventType>;

export interface EventTypeInfo {
  readonly type: EventType;
  readonly category: EventCategory;
  readonly description: string;
}

function categoryOf<T extends EventType>(type: T): CategoryOf<T> {
  // Every catalog type has exactly one dot (see CATALOG), so the prefix is the category.
  return type.slice(0, type.indexOf('.')) as CategoryOf<T>;
}

/** The catalog, frozen all the way down so no caller can change what every other caller sees. */
export const EVENT_TYPES: readonly EventTypeInfo[] = Object.freeze(
  CATALOG.map((entry) =>
    Object.freeze({ type: entry.type, category: categoryOf(entry.type), description: entry.description }),
  ),
);

/** The categories in catalog order, each once: `bookings`, `orders`, `invoices`, `customers`, `webhook`. */
export const EVENT_CATEGORIES: readonly EventCategory[] = Object.freeze([
  ...new Set(EVENT_TYPES.map((info) => info.category)),
]);

const CATALOG_TYPE_NAMES: ReadonlySet<string> = new Set(EVENT_TYPES.map((info) => info.type));

/** True when `type` is one of the catalog's types (exact, case-sensitive). */
export function isCatalogType(type: string): type is EventType {
  return CATALOG_TYPE_NAMES.has(type);
}

/** True when `type` names a known category, e.g. `'bookings'`. */
export function isEventCategory(category: string): category is EventCategory {
  return (EVENT_CATEGORIES as readonly string[]).includes(category);
}

/**
 * True for the catalog's `bookings.*` types: the only events that webhook restrictions
 * apply to (CONTRACT.md: "Restrictions apply to `bookings.*` only").
 */
export function isBookingEvent(type: string): boolean {
  return isCatalogType(type) && categoryOf(type) === 'bookings';
}
