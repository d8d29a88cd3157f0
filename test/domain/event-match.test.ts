import { describe, expect, it } from 'vitest';
import { eventMatches, isValidEventPattern, subscribesToBookingEvents } from '../../src/domain/event-match.js';

describe('isValidEventPattern', () => {
  it.each([
    ['*', true],
    ['bookings.created', true],
    ['invoices.finalised', true],
    ['webhook.test', true],
    ['bookings.*', true],
    ['orders.*', true],
    ['invoices.*', true],
    ['customers.*', true],
    ['webhook.*', true],
    ['unknown.*', false],
    ['booking.*', false],
    ['bookings.unknown', false],
    ['bookings.', false],
    ['.*', false],
    ['**', false],
    ['*.created', false],
    ['bookings.*.created', false],
    ['', false],
    ['BOOKINGS.*', false],
  ])('%j → %s', (pattern, expected) => {
    expect(isValidEventPattern(pattern)).toBe(expected);
  });
});

describe('eventMatches', () => {
  it.each<[string[], string, boolean]>([
    [['bookings.created'], 'bookings.created', true],
    [['bookings.created'], 'bookings.updated', false],
    [['bookings.*'], 'bookings.checked-in', true],
    [['bookings.*'], 'orders.created', false],
    [['orders.*', 'invoices.finalised'], 'invoices.finalised', true],
    [['orders.*', 'invoices.finalised'], 'invoices.created', false],
    [['*'], 'customers.deleted', true],
    [['*'], 'webhook.test', true],
    [[], 'bookings.created', false],
    // a wildcard's category must match up to the dot, not as a bare prefix
    [['book.*'], 'bookings.created', false],
    [['bookings.*'], 'bookingsx.created', false],
  ])('%j matches %j → %s', (patterns, type, expected) => {
    expect(eventMatches(patterns, type)).toBe(expected);
  });
});

describe('subscribesToBookingEvents', () => {
  it.each<[string[], boolean]>([
    [['*'], true],
    [['bookings.*'], true],
    [['bookings.checked-out'], true],
    [['orders.*', 'bookings.created'], true],
    [['orders.*', 'invoices.*', 'customers.*'], false],
    [['webhook.test'], false],
    [['bookings.unknown'], false],
    [[], false],
  ])('%j → %s', (patterns, expected) => {
    expect(subscribesToBookingEvents(patterns)).toBe(expected);
  });
});
