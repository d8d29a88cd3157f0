// previewTransform: what a receiver would get from a transform, for the console's live preview (CONTRACT.md, Query).
import { publicId } from '../domain/public-id.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import { HookstreamError, badInput } from '../errors.js';
import { checkTransformSyntax } from '../transform/transform-syntax.js';
import { builder } from './builder.js';

// Stand-ins for the ids a real delivery carries, in their real shape.
const PREVIEW_EVENT_ID = publicId('Event', '00000000-0000-7000-8000-000000000000');
const PREVIEW_WEBHOOK_ID = publicId('Webhook', '00000000-0000-7000-8000-000000000000');

builder.queryField('previewTransform', (t) =>
  t.field({
    type: 'JSON',
    nullable: true,
    description: "The body a transform makes of an event of `eventType` (data default: the type's example); an empty transform: the standard body.",
    args: {
      transform: t.arg.string({ required: true }),
      eventType: t.arg.string({ required: true }),
      data: t.arg({ type: 'JSON' }),
    },
    resolve: async (_root, args, ctx) => {
      const { catalog, transforms } = ctx.services;
      const eventType = catalog.eventType(args.eventType);
      if (!eventType) throw badInput('eventType', `"${args.eventType}" is not an event type of the catalog (see the eventTypes query).`);
      const data = args.data ?? eventType.example;
      if (data === null || typeof data !== 'object' || Array.isArray(data)) throw badInput('data', '"data" must be a JSON object: the entity the event is about.');
      const violation = catalog.validateData(eventType.name, data);
      if (violation) {
        throw new HookstreamError('BAD_USER_INPUT', `The data does not fit the schema of ${eventType.name}: ${violation.message}`, { field: 'data', path: violation.path });
      }
      const now = new Date();
      const body = buildWebhookBody({ eventType: eventType.name, eventId: PREVIEW_EVENT_ID, webhookId: PREVIEW_WEBHOOK_ID, triggeredAt: now, occurredAt: now, data, sendData: true });
      if (args.transform.trim() === '') return JSON.parse(body) as unknown;
      const syntax = checkTransformSyntax(args.transform);
      if (syntax) throw badInput('transform', `The transform is not a JSONata expression: ${syntax}.`);
      const result = await transforms.run(args.transform, JSON.parse(body));
      if (!result.ok) throw badInput('transform', `The transform fails on this event: ${result.error}.`);
      return JSON.parse(result.body) as unknown;
    },
  }),
);
