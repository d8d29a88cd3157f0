// The five presets shipped in catalogs/: each loads, passes docs/catalog.schema.json (what editors check a file
// against), has examples that pass their schemas, and refuses data whose identifying fields are missing or mistyped.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { printCatalogJsonSchema } from '../../src/catalog/catalog-file.js';
import { CATALOG_PRESETS, loadCatalog, presetPath } from '../../src/catalog/load-catalog.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateCatalogFile = ajv.compile(JSON.parse(readFileSync('docs/catalog.schema.json', 'utf8')) as object);

describe('docs/catalog.schema.json', () => {
  it('is what catalog-file.ts prints (run `npm run generate` when this fails)', () => {
    expect(readFileSync('docs/catalog.schema.json', 'utf8')).toBe(printCatalogJsonSchema());
  });

  it('refuses what start-up refuses in a file\'s shape: an unknown key, a type without a schema', () => {
    expect(validateCatalogFile({ eventTypes: [{ name: 'a.b', category: 'a', description: 'd', schema: {}, example: {} }], evenTypes: [] })).toBe(false);
    expect(validateCatalogFile({ eventTypes: [{ name: 'a.b', category: 'a', description: 'd', example: {} }] })).toBe(false);
    expect(validateCatalogFile({ 'x-shapes': {}, eventTypes: [{ name: 'a.b', category: 'a', description: 'd', schema: { type: 'object' }, example: {} }] })).toBe(true);
  });
});

describe.each(CATALOG_PRESETS)('preset %s', (preset) => {
  const catalog = loadCatalog(preset);

  it('loads, and its file passes docs/catalog.schema.json', () => {
    const file = parse(readFileSync(presetPath(preset), 'utf8'), { maxAliasCount: 1000 }) as unknown;
    expect(validateCatalogFile(file), JSON.stringify(validateCatalogFile.errors)).toBe(true);
    expect(catalog.source).toBe(presetPath(preset));
    expect(catalog.eventTypes.length).toBeGreaterThan(6);
  });

  it('has webhook.test and the operational types', () => {
    for (const name of ['webhook.test', 'hookstream.webhook.failing', 'hookstream.webhook.disabling', 'hookstream.webhook.disabled', 'hookstream.webhook.recovered', 'hookstream.delivery.exhausted']) {
      expect(catalog.isType(name), name).toBe(true);
    }
  });

  it('every example passes its schema', () => {
    for (const type of catalog.eventTypes) expect(catalog.validateData(type.name, type.example), type.name).toBeNull();
  });

  it('refuses an example without each identifying (required) field, or with it of the wrong type, at its path', () => {
    let checked = 0;
    for (const type of catalog.eventTypes) {
      for (const key of (type.schema['required'] as string[] | undefined) ?? []) {
        const { [key]: _dropped, ...without } = type.example;
        expect(catalog.validateData(type.name, without), `${type.name} without ${key}`).toMatchObject({ path: `/${key}` });
        expect(catalog.validateData(type.name, { ...type.example, [key]: true }), `${type.name} with ${key}: true`).toMatchObject({ path: `/${key}` });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('the pages\' own words', () => {
  it('anny: the booking example is the page\'s payload data', () => {
    const example = loadCatalog('anny').eventType('bookings.created')!.example as Record<string, any>;
    expect(example).toMatchObject({ id: '1764', number: 'BB533155102', status: 'accepted', resource: { id: '18', name: 'Schreibtisch 4' }, service: { id: '1', name: 'Tages-Buchung' } });
  });

  it('Sirvoy: new and modified bookings are the page\'s two version 2.0 examples, key order kept', () => {
    const sirvoy = loadCatalog('sirvoy');
    const created = sirvoy.eventType('booking.new')!.example as Record<string, any>;
    const modified = sirvoy.eventType('booking.modified')!.example as Record<string, any>;
    expect(Object.keys(created).slice(0, 6)).toEqual(['version', 'generatedAt', 'event', 'propertyId', 'bookingId', 'channelBookingId']);
    expect(created).toMatchObject({ version: '2.0', event: 'new', propertyId: 1, bookingId: 26006, totalPrice: 840, '--DEPRECATED--': expect.stringContaining('callbackId') });
    expect(modified).toMatchObject({ event: 'modified', generatedAt: '2024-05-31T12:15:23.895+00:00', invoices: [{ invoiceNumber: '41002', invoiceTotal: 924 }] });
    expect(modified['invoices'][0].invoiceRows).toHaveLength(4);
  });

  it.each([
    ['calenso', ['appointment.booking.created', 'appointment.booking.cancelled', 'appointment.updated', 'appointment.manual.booking.created', 'appointment.booking.rebooked', 'event.booking.created', 'event.booking.cancelled', 'event.manual.booking.created', 'event.booking.rebooked', 'customer.created', 'customer.updated', 'customer.deleted']],
    ['sirvoy', ['booking.new', 'booking.modified', 'booking.cancelled', 'booking.restored']],
    ['channex', ['ari', 'booking', 'booking_new', 'booking_modification', 'booking_cancellation', 'booking_unmapped_room', 'booking_unmapped_rate', 'non_acked_booking', 'reservation_request', 'message', 'review', 'sync_error', 'channel_activated', 'channel_deactivated']],
  ] as const)('%s: its own event names', (preset, names) => {
    expect(loadCatalog(preset).eventTypes.filter((type) => !['webhook', 'hookstream'].includes(type.category)).map((type) => type.name)).toEqual(names);
  });

  it('Zenoti: every event of its page, as <event type>.<event name>', () => {
    const zenoti = loadCatalog('zenoti');
    expect(zenoti.categories).toEqual(['invoice', 'guest', 'class', 'guest_membership', 'guest_package', 'appointment', 'appointment_group', 'employee', 'webhook', 'hookstream']);
    expect(zenoti.eventTypes.filter((type) => !type.operational && type.category !== 'webhook')).toHaveLength(32);
    expect(zenoti.isType('guest.created') && zenoti.isType('class.booking_no_show') && zenoti.isType('guest_package.redemption_reversal')).toBe(true);
  });

  it('dimensions where the pages have them: anny\'s five, a property for Sirvoy and Channex, none for Calenso and Zenoti', () => {
    expect(loadCatalog('anny').dimensions.map((dimension) => dimension.name)).toEqual(['resource', 'resource_group', 'resource_category', 'service', 'service_group']);
    expect(loadCatalog('sirvoy').dimensions.map((dimension) => dimension.name)).toEqual(['property']);
    expect(loadCatalog('channex').dimensions.map((dimension) => dimension.name)).toEqual(['property']);
    expect(loadCatalog('calenso').dimensions).toEqual([]);
    expect(loadCatalog('zenoti').dimensions).toEqual([]);
  });
});
