// The Catalog object's pure API, over the shipped presets: what publish, the resolvers and the console rely on.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';

const anny = loadCatalog('anny');
const sirvoy = loadCatalog('sirvoy');
const channex = loadCatalog('channex');

describe('types and categories', () => {
  it('anny: the 17 types of its page, then webhook.test and the five operational types', () => {
    expect(anny.eventTypes.filter((type) => !type.operational).map((type) => type.name)).toEqual([
      'bookings.created', 'bookings.updated', 'bookings.started', 'bookings.ended', 'bookings.checked-in', 'bookings.checked-out', 'bookings.deleted',
      'orders.created', 'orders.updated', 'orders.deleted',
      'invoices.created', 'invoices.finalised', 'invoices.updated', 'invoices.deleted',
      'customers.created', 'customers.updated', 'customers.deleted',
      'webhook.test',
    ]);
    expect(anny.categories).toEqual(['bookings', 'orders', 'invoices', 'customers', 'webhook', 'hookstream']);
    expect(anny.eventTypes.filter((type) => type.operational).map((type) => type.name)).toEqual([
      'hookstream.webhook.failing', 'hookstream.webhook.disabling', 'hookstream.webhook.disabled', 'hookstream.webhook.recovered', 'hookstream.delivery.exhausted',
    ]);
  });

  it.each([
    [anny, 'bookings.created', true],
    [anny, 'webhook.test', true],
    [anny, 'hookstream.delivery.exhausted', true],
    [anny, 'booking.new', false],
    [sirvoy, 'booking.new', true],
    [sirvoy, 'bookings.created', false],
    [channex, 'booking_unmapped_room', true],
  ])('%#: isType(%s) → %s', (catalog, name, expected) => {
    expect(catalog.isType(name as string)).toBe(expected);
    expect(catalog.eventType(name as string)?.name).toBe(expected ? name : undefined);
  });

  it('a type carries what the GraphQL EventType answers', () => {
    expect(sirvoy.eventType('booking.new')).toMatchObject({ category: 'booking', version: '2.0', deprecated: false, orderingKey: 'bookingId', operational: false });
    expect(anny.eventType('bookings.created')).toMatchObject({ version: null, orderingKey: 'id' });
    expect(anny.eventType('hookstream.webhook.failing')?.operational).toBe(true);
  });
});

describe('checkPattern and matches', () => {
  it.each([
    [anny, '*', null],
    [anny, 'bookings.*', null],
    [anny, 'hookstream.*', null],
    [sirvoy, 'booking.*', null],
    [sirvoy, 'bookings.*', '"bookings.*" is not an event type of the catalog, a "category.*" wildcard or "*"'],
    [channex, 'booking.*', null],
    [channex, 'booking_new', null],
  ])('%#: %s → %s', (catalog, pattern, problem) => {
    expect(catalog.checkPattern(pattern as string)).toBe(problem);
  });

  it.each([
    [anny, ['*'], 'customers.deleted', true],
    [anny, ['*'], 'hookstream.webhook.failing', false],
    [anny, ['hookstream.*'], 'hookstream.webhook.failing', true],
    [anny, ['hookstream.webhook.disabled'], 'hookstream.webhook.disabled', true],
    [channex, ['booking.*'], 'booking_unmapped_rate', true],
    [channex, ['booking.*'], 'ari', false],
    [sirvoy, ['booking.new'], 'booking.modified', false],
  ])('%#: %j covers %s → %s', (catalog, patterns, type, expected) => {
    expect(catalog.matches(patterns as string[], type as string)).toBe(expected);
  });

  it('typesMatching lists what a webhook receives, in catalog order', () => {
    expect(sirvoy.typesMatching(['*']).map((type) => type.name)).toEqual(['booking.new', 'booking.modified', 'booking.cancelled', 'booking.restored', 'webhook.test']);
    expect(anny.typesMatching(['invoices.finalised', 'orders.*']).map((type) => type.name)).toEqual(['orders.created', 'orders.updated', 'orders.deleted', 'invoices.finalised']);
  });
});

describe('validateData', () => {
  const booking = structuredClone(sirvoy.eventType('booking.new')!.example) as Record<string, unknown>;
  const without = (key: string) => Object.fromEntries(Object.entries(booking).filter(([name]) => name !== key));
  const withValue = (key: string, value: unknown) => ({ ...booking, [key]: value });

  it.each([
    ['the example', booking, null],
    ['no bookingId: the missing property itself', without('bookingId'), { path: '/bookingId', message: 'data.bookingId is required but missing.' }],
    ['bookingId as a string', withValue('bookingId', '26006'), { path: '/bookingId', message: 'data.bookingId must be an integer, not the string "26006".' }],
    ['propertyId null', withValue('propertyId', null), { path: '/propertyId', message: 'data.propertyId must be an integer, not null.' }],
    ['an unknown event', withValue('event', 'deleted'), { path: '/event', message: 'data.event must be one of "new", "modified", "cancelled", "restored", not the string "deleted".' }],
    ['a date that is not one', withValue('arrivalDate', '01.06.2024'), { path: '/arrivalDate', message: 'data.arrivalDate must be a date such as "2024-06-01", not the string "01.06.2024".' }],
    [
      'a room without its id',
      withValue('rooms', [{ RoomName: '101' }]),
      { path: '/rooms/0/RoomId', message: 'data.rooms[0].RoomId is required but missing.' },
    ],
    ['a room id of the wrong type', withValue('rooms', [{ RoomId: 'x' }]), { path: '/rooms/0/RoomId', message: 'data.rooms[0].RoomId must be an integer, not the string "x".' }],
  ])('%s', (_name, data, expected) => {
    expect(sirvoy.validateData('booking.new', data)).toEqual(expected);
  });

  it('anny: ids are strings or numbers; a named resource\'s id must be one too', () => {
    expect(anny.validateData('bookings.created', { id: 'b1', resource: { id: 'r1' } })).toBeNull();
    expect(anny.validateData('orders.created', { id: 7 })).toBeNull();
    expect(anny.validateData('bookings.created', { resource: { id: 'r1' } })).toEqual({ path: '/id', message: 'data.id is required but missing.' });
    expect(anny.validateData('bookings.created', { id: 'b1', resource: { id: ['18'] } })).toEqual({ path: '/resource/id', message: 'data.resource.id must be a string or an integer, not a list.' });
    // A customer named without an id, as publishers did before the catalog existed, still passes.
    expect(anny.validateData('bookings.created', { id: 'b1', customer: { name: 'Ada Lovelace' } })).toBeNull();
    expect(anny.validateData('bookings.created', { id: true })).toEqual({ path: '/id', message: 'data.id must be a string or an integer, not true.' });
  });

  it('a format violation: a UUID that is not one', () => {
    const catalog = loadCatalog('channex');
    expect(catalog.validateData('message', { property_id: '716305c4-561a-4561-a187-7f5b8aeb5920', message_thread_id: 'x', message_id: '0a7e5c3b-9d14-4f6a-8b2e-3c9f7d1a5e08' })).toEqual({
      path: '/message_thread_id',
      message: 'data.message_thread_id must be a UUID, not the string "x".',
    });
  });
});

describe('dimensions', () => {
  it('anny: its five, bookings only', () => {
    expect(anny.dimensions.map((dimension) => [dimension.name, dimension.categories, dimension.path])).toEqual([
      ['resource', ['bookings'], 'resource.id'],
      ['resource_group', ['bookings'], null],
      ['resource_category', ['bookings'], null],
      ['service', ['bookings'], 'service.id'],
      ['service_group', ['bookings'], null],
    ]);
  });

  it('Channex and Sirvoy: property, on every category of their own (not webhook.* or hookstream.*)', () => {
    expect(channex.dimension('property')?.categories).toEqual(['ari', 'booking', 'message', 'review', 'channel']);
    expect(sirvoy.dimension('property')?.categories).toEqual(['booking']);
  });

  it.each([
    [anny, ['*'], ['resource', 'resource_group', 'resource_category', 'service', 'service_group']],
    [anny, ['bookings.created'], ['resource', 'resource_group', 'resource_category', 'service', 'service_group']],
    [anny, ['orders.*', 'webhook.test'], []],
    [channex, ['ari'], ['property']],
    [channex, ['hookstream.*'], []],
  ])('%#: dimensionsFor(%j)', (catalog, patterns, names) => {
    expect(catalog.dimensionsFor(patterns as string[]).map((dimension) => dimension.name)).toEqual(names);
  });

  it.each([
    [anny, 'resource', ['bookings.*'], null],
    [anny, 'resource', ['orders.*', 'invoices.*'], 'restrictions on "resource" apply to bookings.* events only, and this webhook subscribes to none of them'],
    [anny, 'property', ['*'], '"property" is not a context dimension of the catalog (it has: resource, resource_group, resource_category, service, service_group)'],
    [channex, 'property', ['review'], null],
    [channex, 'property', ['hookstream.*'], 'restrictions on "property" apply to ari.*, booking.*, message.*, review.*, channel.* events only, and this webhook subscribes to none of them'],
  ])('%#: checkRestrictionDimension(%s, %j)', (catalog, dimension, patterns, problem) => {
    expect(catalog.checkRestrictionDimension(dimension as string, patterns as string[])).toBe(problem);
  });
});

describe('passesRestrictions', () => {
  const onProperty = [{ dimension: 'property', targetId: '716305c4-561a-4561-a187-7f5b8aeb5920' }];
  it.each(channex.eventTypes.filter((type) => type.category !== 'hookstream' && type.category !== 'webhook').map((type) => type.name))(
    'Channex: a property restriction filters %s by data.property_id',
    (name) => {
      const example = channex.eventType(name)!.example;
      expect(channex.passesRestrictions({ eventType: name, restrictions: onProperty, context: null, data: example })).toBe(true);
      expect(channex.passesRestrictions({ eventType: name, restrictions: onProperty, context: null, data: { ...example, property_id: 'another' } })).toBe(false);
      expect(channex.passesRestrictions({ eventType: name, restrictions: [], context: null, data: { ...example, property_id: 'another' } })).toBe(true);
    },
  );

  it('anny as before: context, else data.resource.id / data.service.id; other categories unfiltered', () => {
    const restrictions = [{ dimension: 'resource', targetId: '18' }];
    expect(anny.passesRestrictions({ eventType: 'bookings.created', restrictions, context: null, data: anny.eventType('bookings.created')!.example })).toBe(true);
    expect(anny.passesRestrictions({ eventType: 'bookings.created', restrictions, context: [{ dimension: 'service', id: '1' }], data: { resource: { id: 18 } } })).toBe(false);
    expect(anny.passesRestrictions({ eventType: 'orders.created', restrictions, context: null, data: { id: 'o1' } })).toBe(true);
  });
});

describe('orderingKeyOf', () => {
  it.each([
    [sirvoy, 'booking.new', { bookingId: 26006 }, '26006'],
    [anny, 'bookings.created', { id: 'b1' }, 'b1'],
    [anny, 'bookings.created', { id: { nested: true } }, null],
    [anny, 'webhook.test', { id: 'x' }, null],
    [channex, 'ari', { property_id: 'p' }, null],
    [anny, 'rooms.created', { id: 'x' }, null],
  ])('%#: %s of %j → %s', (catalog, type, data, key) => {
    expect(catalog.orderingKeyOf(type as string, data)).toBe(key);
  });
});
