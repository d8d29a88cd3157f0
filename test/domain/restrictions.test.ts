import { describe, expect, it } from 'vitest';
import { parseDataPath } from '../../src/domain/data-path.js';
import { passesRestrictions, type ContextRef, type DimensionRule, type Restriction } from '../../src/domain/restrictions.js';

const rule = (name: string, categories: string[], path?: string): [string, DimensionRule] => [
  name,
  { name, categories: new Set(categories), path: path ? parseDataPath(path) : null },
];

/** anny's five (bookings only, two with a default place in data) and a Channex-style property on every category. */
const ANNY = new Map([
  rule('resource', ['bookings'], 'resource.id'),
  rule('resource_group', ['bookings']),
  rule('resource_category', ['bookings']),
  rule('service', ['bookings'], 'service.id'),
  rule('service_group', ['bookings']),
]);
const CHANNEX = new Map([rule('property', ['ari', 'booking', 'message', 'review', 'channel'], 'property_id')]);

const categoryOf = (type: string): string | undefined =>
  ({ webhook: 'webhook', hookstream: 'hookstream' } as Record<string, string>)[type.split('.')[0]!] ?? (type.includes('.') ? type.split('.')[0] : undefined);

const resource7: Restriction = { dimension: 'resource', targetId: '7' };
const service42: Restriction = { dimension: 'service', targetId: '42' };
const resourceGroupA: Restriction = { dimension: 'resource_group', targetId: 'grp-a' };

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
    context: [{ dimension: 'resource', id: '7' }],
    data: {},
    expected: true,
  },
  {
    name: 'same id but a different type does not match',
    eventType: 'bookings.updated',
    restrictions: [resource7],
    context: [{ dimension: 'resource_group', id: '7' }],
    data: {},
    expected: false,
  },
  {
    name: 'any one of several restrictions suffices',
    eventType: 'bookings.created',
    restrictions: [resource7, service42, resourceGroupA],
    context: [
      { dimension: 'resource', id: '8' },
      { dimension: 'resource_group', id: 'grp-a' },
    ],
    data: {},
    expected: true,
  },
  {
    name: 'no restriction matches any ref',
    eventType: 'bookings.created',
    restrictions: [resource7, service42],
    context: [
      { dimension: 'resource', id: '8' },
      { dimension: 'service', id: '43' },
    ],
    data: { resource: { id: 7 } },
    expected: false,
  },
  {
    name: 'context present: data is not consulted',
    eventType: 'bookings.created',
    restrictions: [resource7],
    context: [{ dimension: 'service', id: '1' }],
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
      restrictions: [resource7, { dimension: 'resource', targetId: '' }],
      data,
      expected: false,
    }),
  ),
];

describe('passesRestrictions (anny)', () => {
  it.each(cases)('$name', ({ eventType, restrictions, context, data, expected }) => {
    expect(passesRestrictions(ANNY, { category: categoryOf(eventType), restrictions, context, data })).toBe(expected);
  });
});

const property1: Restriction = { dimension: 'property', targetId: '716305c4' };

describe('passesRestrictions (a dimension on every category: Channex property)', () => {
  it.each<{ name: string; category: string | undefined; restrictions: Restriction[]; context?: ContextRef[] | null; data: unknown; expected: boolean }>([
    { name: 'a booking of the property passes', category: 'booking', restrictions: [property1], data: { property_id: '716305c4' }, expected: true },
    { name: 'ARI of another property is filtered', category: 'ari', restrictions: [property1], data: { property_id: 'other' }, expected: false },
    { name: 'a message of another property is filtered', category: 'message', restrictions: [property1], data: { property_id: 'other' }, expected: false },
    { name: 'a review of the property passes', category: 'review', restrictions: [property1], data: { property_id: '716305c4' }, expected: true },
    { name: 'numeric ids compare as strings (Sirvoy propertyId: 1)', category: 'booking', restrictions: [{ dimension: 'property', targetId: '1' }], data: { property_id: 1 }, expected: true },
    { name: 'two properties: either passes', category: 'channel', restrictions: [property1, { dimension: 'property', targetId: 'p2' }], data: { property_id: 'p2' }, expected: true },
    { name: 'context wins over data', category: 'booking', restrictions: [property1], context: [{ dimension: 'property', id: '716305c4' }], data: { property_id: 'other' }, expected: true },
    { name: 'no restriction: a global webhook gets everything', category: 'ari', restrictions: [], data: { property_id: 'any' }, expected: true },
    { name: 'webhook.test is in no dimension\'s category: never filtered', category: 'webhook', restrictions: [property1], data: {}, expected: true },
    { name: 'operational events are never filtered', category: 'hookstream', restrictions: [property1], data: { webhookId: 'wh_1' }, expected: true },
    { name: 'a restriction on a dimension the catalog lacks filters nothing', category: 'booking', restrictions: [{ dimension: 'resource', targetId: '7' }], data: {}, expected: true },
    { name: 'a type the catalog does not know is not filtered', category: undefined, restrictions: [property1], data: {}, expected: true },
  ])('$name', ({ category, restrictions, context, data, expected }) => {
    expect(passesRestrictions(CHANNEX, { category, restrictions, context, data })).toBe(expected);
  });
});
