// The event catalog as a query, so that frontends build their event pickers from the service itself.
import { EVENT_TYPES } from '../domain/event-catalog.js';
import { builder } from './builder.js';

type EventTypeShape = (typeof EVENT_TYPES)[number];

const EventTypeRef = builder.objectRef<EventTypeShape>('EventType').implement({
  description: 'One type of event that the platform publishes and webhooks can subscribe to.',
  fields: (t) => ({
    name: t.string({ description: 'e.g. `bookings.created`', resolve: (eventType) => eventType.type }),
    category: t.exposeString('category', { description: 'e.g. `bookings`; `bookings.*` subscribes to all of them' }),
    description: t.exposeString('description'),
    supportsRestrictions: t.boolean({ resolve: (type) => type.category === 'bookings' }),
  }),
});

builder.queryField('eventTypes', (t) => t.field({ type: [EventTypeRef], resolve: () => [...EVENT_TYPES] }));
