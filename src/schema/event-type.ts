// The platform's catalog as queries (HOOKSTREAM_CATALOG): frontends build their event pickers, restriction editors
// and example payloads from the service itself. One SDL whatever the catalog: types and dimensions are values here.
import type { CatalogEventType, ContextDimension } from '../catalog/catalog.js';
import { builder } from './builder.js';

const EventTypeRef = builder.objectRef<CatalogEventType>('EventType').implement({
  description: 'One type of event that the platform publishes and webhooks can subscribe to.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'e.g. `bookings.created`' }),
    category: t.exposeString('category', { description: 'e.g. `bookings`; `bookings.*` subscribes to all of them' }),
    description: t.exposeString('description'),
    version: t.exposeString('version', { nullable: true, description: 'The version of the data shape, when the catalog gives one.' }),
    deprecated: t.exposeBoolean('deprecated', { description: 'Still published and delivered; new integrations should not rely on it.' }),
    schema: t.field({ type: 'JSON', nullable: true, description: 'JSON Schema (2020-12) of `data`; publishEvent refuses data that fails it.', resolve: (type) => type.schema }),
    example: t.field({ type: 'JSON', nullable: true, description: 'A `data` that passes the schema.', resolve: (type) => type.example }),
    operational: t.exposeBoolean('operational', {
      description: 'Published by Hookstream itself (`hookstream.*`): `*` does not subscribe to it; name it or `hookstream.*`.',
    }),
    supportsRestrictions: t.boolean({
      description: 'True when some context dimension applies to this type: a webhook may narrow it with restrictions.',
      resolve: (type, _args, ctx) => ctx.services.catalog.dimensions.some((dimension) => dimension.categories.includes(type.category)),
    }),
  }),
});

const ContextDimensionRef = builder.objectRef<ContextDimension>('ContextDimension').implement({
  description: "What restrictions and an event's context refs may name, e.g. `resource` or `property`.",
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    categories: t.exposeStringList('categories', { description: 'The categories whose events it filters.' }),
    path: t.exposeString('path', { nullable: true, description: 'Where in `data` its id is found when an event has no context, e.g. `resource.id`.' }),
  }),
});

builder.queryFields((t) => ({
  eventTypes: t.field({
    type: [EventTypeRef],
    description: "The platform's catalog: its own types, then `webhook.test` and the operational `hookstream.*` types.",
    resolve: (_root, _args, ctx) => [...ctx.services.catalog.eventTypes],
  }),
  contextDimensions: t.field({
    type: [ContextDimensionRef],
    description: 'What restrictions and context refs may name.',
    resolve: (_root, _args, ctx) => [...ctx.services.catalog.dimensions],
  }),
}));
