import { describe, expect, it } from 'vitest';
import { categoriesCovered, checkEventPattern, eventMatches, type PatternIndex } from '../../src/domain/event-match.js';

/** Types of anny and of Channex (whose names are not `<category>.<what>`), with the built-in ones. */
const index: PatternIndex = (() => {
  const categoryOf = new Map([
    ['bookings.created', 'bookings'],
    ['bookings.checked-in', 'bookings'],
    ['orders.created', 'orders'],
    ['invoices.finalised', 'invoices'],
    ['invoices.created', 'invoices'],
    ['customers.deleted', 'customers'],
    ['booking_unmapped_room', 'booking'],
    ['ari', 'ari'],
    ['appointment.booking.created', 'appointment'],
    ['webhook.test', 'webhook'],
    ['hookstream.webhook.failing', 'hookstream'],
    ['hookstream.delivery.exhausted', 'hookstream'],
  ]);
  return { categoryOf, categories: new Set(categoryOf.values()) };
})();

describe('checkEventPattern', () => {
  it.each([
    ['*', true],
    ['bookings.created', true],
    ['invoices.finalised', true],
    ['webhook.test', true],
    ['bookings.*', true],
    ['orders.*', true],
    ['webhook.*', true],
    ['hookstream.*', true],
    ['hookstream.webhook.failing', true],
    ['booking.*', true],
    ['booking_unmapped_room', true],
    ['ari.*', true],
    ['appointment.*', true],
    ['appointment.booking.*', false],
    ['unknown.*', false],
    ['bookings.unknown', false],
    ['bookings.', false],
    ['.*', false],
    ['**', false],
    ['*.created', false],
    ['bookings.*.created', false],
    ['', false],
    ['BOOKINGS.*', false],
  ])('%j → %s', (pattern, valid) => {
    expect(checkEventPattern(index, pattern) === null).toBe(valid);
  });

  it('says why, naming the pattern', () => {
    expect(checkEventPattern(index, 'rooms.created')).toBe('"rooms.created" is not an event type of the catalog, a "category.*" wildcard or "*"');
  });
});

describe('eventMatches', () => {
  it.each<[string[], string, boolean]>([
    [['bookings.created'], 'bookings.created', true],
    [['bookings.created'], 'bookings.checked-in', false],
    [['bookings.*'], 'bookings.checked-in', true],
    [['bookings.*'], 'orders.created', false],
    [['orders.*', 'invoices.finalised'], 'invoices.finalised', true],
    [['orders.*', 'invoices.finalised'], 'invoices.created', false],
    [['*'], 'customers.deleted', true],
    [['*'], 'webhook.test', true],
    [[], 'bookings.created', false],
    // categories are the catalog's, not the text before a dot
    [['booking.*'], 'booking_unmapped_room', true],
    [['appointment.*'], 'appointment.booking.created', true],
    [['book.*'], 'bookings.created', false],
    [['bookings.*'], 'bookingsx.created', false],
    // `*` never covers Hookstream's own events: only a webhook that names them gets them
    [['*'], 'hookstream.webhook.failing', false],
    [['hookstream.*'], 'hookstream.webhook.failing', true],
    [['hookstream.delivery.exhausted'], 'hookstream.delivery.exhausted', true],
    [['hookstream.delivery.exhausted'], 'hookstream.webhook.failing', false],
    [['*', 'hookstream.*'], 'hookstream.delivery.exhausted', true],
    // a type the catalog does not know matches nothing, not even itself
    [['rooms.created'], 'rooms.created', false],
    [['*'], 'rooms.created', false],
  ])('%j covers %j → %s', (patterns, type, expected) => {
    expect(eventMatches(index, patterns, type)).toBe(expected);
  });
});

describe('categoriesCovered', () => {
  it.each<[string[], string[]]>([
    [['bookings.created'], ['bookings']],
    [['orders.*', 'invoices.finalised'], ['orders', 'invoices']],
    [['*'], ['bookings', 'orders', 'invoices', 'customers', 'booking', 'ari', 'appointment', 'webhook']],
    [['hookstream.*'], ['hookstream']],
    [['webhook.test'], ['webhook']],
    [[], []],
  ])('%j → %j', (patterns, categories) => {
    expect([...categoriesCovered(index, patterns)].sort()).toEqual([...categories].sort());
  });
});
