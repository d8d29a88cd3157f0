/**
 * Webhook restrictions: a webhook can narrow its booking events to given resources, resource
 * groups, resource categories, services or service groups (CONTRACT.md, "Event catalog":
 * "A booking event passes a webhook's restrictions when any restriction matches its `context`
 * (or, where context is absent, `data.resource.id` / `data.service.id`). No restrictions: all pass.")
 */
import { isBookingEvent } from './event-catalog.js';

/** The contract's `RestrictionType` enum. */
export type RestrictionType = 'RESOURCE' | 'RESOURCE_GROUP' | 'RESOURCE_CATEGORY' | 'SERVICE' | 'SERVICE_GROUP';

export const RESTRICTION_TYPES: readonly RestrictionType[] = Object.freeze([
  'RESOURCE',
  'RESOURCE_GROUP',
  'RESOURCE_CATEGORY',
  'SERVICE',
  'SERVICE_GROUP',
] as const);

/** One restriction on a webhook. */
export interface Restriction {
  readonly type: RestrictionType;
  readonly targetId: string;
}

/** One entity a booking event concerns, from `PublishEventInput.context`. */
export interface ContextRef {
  readonly type: RestrictionType;
  readonly id: string;
}

export interface RestrictionCheck {
  readonly eventType: string;
  readonly restrictions: readonly Restriction[];
  readonly context?: readonly ContextRef[] | null | undefined;
  /** The event's `data`: arbitrary JSON from the publisher, so read it defensively. */
  readonly data: unknown;
}

/** An id as a string, or null when the JSON value cannot be an id (object, boolean, NaN, ''). */
function idToString(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function readProperty(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The fallback refs when a publisher sent no context: `data.resource.id` and `data.service.id`. */
function contextFromData(data: unknown): ContextRef[] {
  const refs: ContextRef[] = [];
  const resourceId = idToString(readProperty(readProperty(data, 'resource'), 'id'));
  if (resourceId !== null) refs.push({ type: 'RESOURCE', id: resourceId });
  const serviceId = idToString(readProperty(readProperty(data, 'service'), 'id'));
  if (serviceId !== null) refs.push({ type: 'SERVICE', id: serviceId });
  return refs;
}

/**
 * True when the event may go to the webhook. Non-booking events always pass, as does every
 * event for a webhook without restrictions; otherwise any one matching restriction suffices.
 * Ids are compared as strings, since publishers send numeric and string ids alike.
 */
export function passesRestrictions({ eventType, restrictions, context, data }: RestrictionCheck): boolean {
  if (!isBookingEvent(eventType) || restrictions.length === 0) return true;
  const refs = context && context.length > 0 ? context : contextFromData(data);
  return restrictions.some((restriction) =>
    refs.some((ref) => ref.type === restriction.type && String(ref.id) === String(restriction.targetId)),
  );
}
