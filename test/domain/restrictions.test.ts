import { describe, expect, it } from 'vitest';
import { passesRestrictions, type ContextRef, type Restriction } from '../../src/domain/restrictions.js';

const resource7: Restriction = { type: 'RESOURCE', targetId: '7' };
const service42: Restriction = { type: 'SERVICE', targetId: '42' };
const resourceGroupA: Restriction = { type: 'RESOURCE_GROUP', targetId: 'grp-a' };

interface Case {
  name: string;
  eventType: string;
  restrictions: Restriction[];
  context?: ContextRef[] | null;
  data: unknown;
  expected: boolean;
}

const cases: Case[] = [
  { name: 'no restrictions: a booking event passes', eventType: 'bookings.created', restrictions: [], data: {}, expected: true },
  {
    name: 'non-booking events ignore restrictions',
    eventType: 'orders.created',
    restrictions: [resource7],
    data: { resource: { id: 99 } },
    expected: true,
  },
  {
    name: 'webhook.test ignores restrictions',
    eventType: 'webhook.test',
    restrictions: [resource7],
    data: {},
    expected: true,
  },
  {
    name: 'context ref of the same type and id matches',
    eventType: 'bookings.updated',
    restrictions: [resource7],
    context: [{ type: 'RESOURCE', id: '7' }],
    data: {},
    expected: true,
  },
  {
    name: 'same id but a different type does not match',
    eventType: 'bookings.updated',
    restrictions: [resource7],
    context: [{ type: 'RESOURCE_GROUP', id: '7' }],
    data: {},
    expected: false,
  },
  {
    name: 'any one of several restrictions suffices',
    eventType: 'bookings.created',
    restrictions: [resource7, service42, resourceGroupA],
    context: [
      { type: 'RESOURCE', id: '8' },
      { type: 'RESOURCE_GROUP', id: 'grp-a' },
    ],
    data: {},
    expected: true,
  },
  {
    name: 'no restriction matches any ref',
    eventType: 'bookings.created',
    restrictions: [resource7, service42],
    context: [
      { type: 'RESOURCE', id: '8' },
      { type: 'SERVICE', id: '43' },
    ],
    data: { resource: { id: 7 } },
    expected: false,
  },
  {
    name: 'context present: data is not consulted',
    eventType: 'bookings.created',
    restrictions: [resource7],
    context: [{ type: 'SERVICE', id: '1' }],
    data: { resource: { id: '7' } },
    expected: false,
  },
  {
    name: 'no context: data.resource.id (number) matches RESOURCE as a string',
    eventType: 'bookings.created',
    restrictions: [resource7],
    data: { resource: { id: 7 } },
    expected: true,
  },
  {
    name: 'empty context: falls back to data.service.id (string)',
    eventType: 'bookings.started',
    restrictions: [service42],
    context: [],
    data: { service: { id: '42' } },
    expected: true,
  },
  {
    name: 'null context: falls back to data',
    eventType: 'bookings.ended',
    restrictions: [service42],
    context: null,
    data: { resource: { id: 1 }, service: { id: 42 } },
    expected: true,
  },
  {
    name: 'data fallback yields only RESOURCE and SERVICE refs',
    eventType: 'bookings.created',
    restrictions: [resourceGroupA],
    data: { resource: { id: 'grp-a' }, resourceGroup: { id: 'grp-a' } },
    expected: false,
  },
  {
    name: 'restricted booking event with no context and no ids is refused',
    eventType: 'bookings.created',
    restrictions: [resource7],
    data: { id: 'b1' },
    expected: false,
  },
  ...[null, undefined, 'text', 7, [], { resource: null }, { resource: 7 }, { resource: { id: { x: 7 } } }, { resource: { id: true } }, { resource: { id: '' } }].map(
    (data): Case => ({
      name: `malformed data ${JSON.stringify(data)} is refused, not thrown on`,
      eventType: 'bookings.created',
      restrictions: [resource7, { type: 'RESOURCE', targetId: '' }],
      data,
      expected: false,
    }),
  ),
];

describe('passesRestrictions', () => {
  it.each(cases)('$name', ({ eventType, restrictions, context, data, expected }) => {
    expect(passesRestrictions({ eventType, restrictions, context, data })).toBe(expected);
  });
});
