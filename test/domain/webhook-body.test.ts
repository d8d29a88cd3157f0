import { describe, expect, it } from 'vitest';
import { buildWebhookBody } from '../../src/domain/webhook-body.js';

const base = {
  eventType: 'bookings.created',
  eventId: 'evt_1',
  webhookId: 'wh_1',
  triggeredAt: new Date('2024-01-15T14:30:00Z'),
};

describe('buildWebhookBody', () => {
  it('writes the contract keys in order, data in full', () => {
    const body = buildWebhookBody({ ...base, data: { id: 'b1', start: '2024-02-01T09:00:00Z', resource: { id: 7 } }, sendData: true });
    expect(body).toBe(
      '{"event":"bookings.created","event_id":"evt_1","webhook_id":"wh_1","triggered_at":"2024-01-15T14:30:00.000Z",' +
        '"data":{"id":"b1","start":"2024-02-01T09:00:00Z","resource":{"id":7}}}',
    );
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['event', 'event_id', 'webhook_id', 'triggered_at', 'data']);
  });

  it.each<[string, unknown, boolean, unknown]>([
    ['sendData false keeps only a string id', { id: 'b1', guest: 'secret' }, false, { id: 'b1' }],
    ['sendData false keeps only a numeric id', { id: 42, guest: 'secret' }, false, { id: 42 }],
    ['sendData false without an id → id null', { guest: 'secret' }, false, { id: null }],
    ['sendData false with null id → id null', { id: null }, false, { id: null }],
    ['sendData false with non-object data → id null', 'text', false, { id: null }],
    ['sendData false with an array → id null', [1, 2], false, { id: null }],
    ['sendData false with null data → id null', null, false, { id: null }],
    ['sendData true with undefined data keeps the key as null', undefined, true, null],
    ['sendData true with a scalar', 7, true, 7],
    ['sendData true with an array', [{ id: 1 }], true, [{ id: 1 }]],
  ])('%s', (_name, data, sendData, expected) => {
    const parsed = JSON.parse(buildWebhookBody({ ...base, data, sendData })) as Record<string, unknown>;
    expect('data' in parsed).toBe(true);
    expect(parsed['data']).toEqual(expected);
  });

  it('escapes strings rather than splicing them', () => {
    const body = buildWebhookBody({ ...base, eventId: 'evt_"1"', data: { note: '</script>\u2028' }, sendData: true });
    expect(JSON.parse(body)).toMatchObject({ event_id: 'evt_"1"', data: { note: '</script>\u2028' } });
  });
});
