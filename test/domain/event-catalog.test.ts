import { describe, expect, it } from 'vitest';
import {
  EVENT_CATEGORIES,
  EVENT_TYPES,
  isBookingEvent,
  isCatalogType,
  isEventCategory,
} from '../../src/domain/event-catalog.js';

describe('EVENT_TYPES', () => {
  it('is exactly the contract catalog, in order', () => {
    expect(EVENT_TYPES.map((info) => info.type)).toEqual([
      'bookings.created',
      'bookings.updated',
      'bookings.started',
      'bookings.ended',
      'bookings.checked-in',
      'bookings.checked-out',
      'bookings.deleted',
      'orders.created',
      'orders.updated',
      'orders.deleted',
      'invoices.created',
      'invoices.finalised',
      'invoices.updated',
      'invoices.deleted',
      'customers.created',
      'customers.updated',
      'customers.deleted',
      'webhook.test',
    ]);
  });

  it.each(EVENT_TYPES.map((info) => [info.type, info] as const))('%s has its category and a description', (type, info) => {
    expect(info.category).toBe(type.split('.')[0]);
    expect(info.description.length).toBeGreaterThan(0);
  });

  it('is frozen, list and entries', () => {
    expect(Object.isFrozen(EVENT_TYPES)).toBe(true);
    expect(EVENT_TYPES.every((info) => Object.isFrozen(info))).toBe(true);
    expect(Object.isFrozen(EVENT_CATEGORIES)).toBe(true);
  });
});

describe('EVENT_CATEGORIES', () => {
  it('lists each category once, in catalog order', () => {
    expect(EVENT_CATEGORIES).toEqual(['bookings', 'orders', 'invoices', 'customers', 'webhook']);
  });
});

describe('isCatalogType', () => {
  it.each([
    ['bookings.created', true],
    ['bookings.checked-in', true],
    ['invoices.finalised', true],
    ['webhook.test', true],
    ['invoices.finalized', false],
    ['Bookings.created', false],
    ['bookings.*', false],
    ['*', false],
    ['bookings', false],
    ['', false],
    [' bookings.created', false],
  ])('%j → %s', (type, expected) => {
    expect(isCatalogType(type)).toBe(expected);
  });
});

describe('isEventCategory', () => {
  it.each([
    ['bookings', true],
    ['webhook', true],
    ['booking', false],
    ['', false],
  ])('%j → %s', (category, expected) => {
    expect(isEventCategory(category)).toBe(expected);
  });
});

describe('isBookingEvent', () => {
  it.each([
    ['bookings.created', true],
    ['bookings.checked-out', true],
    ['bookings.deleted', true],
    ['orders.created', false],
    ['webhook.test', false],
    ['bookings.*', false],
    ['bookings.unknown', false],
    ['bookingsx.created', false],
  ])('%j → %s', (type, expected) => {
    expect(isBookingEvent(type)).toBe(expected);
  });
});
