// What a recorder's flush announces (src/delivery/webhook-transitions.ts), from the webhooks' state before it and the
// attempts it records: a table of flushes and the operational events and streak writes each makes.
import { describe, expect, it } from 'vitest';
import type { WebhookState } from '../../src/db/webhook-lifecycle.js';
import type { Recording } from '../../src/delivery/recorder.js';
import { decideFlushTransitions, type FlushDisable } from '../../src/delivery/webhook-transitions.js';

type Attempt = Extract<Recording, { kind: 'attempt' }>;
const WEBHOOK = '0199d6a0-0000-7000-8000-000000000001';
const started = new Date('2026-12-01T10:00:00.000Z');

const state = (extra: Partial<WebhookState> = {}): Map<string, WebhookState> =>
  new Map([[WEBHOOK, { id: WEBHOOK, account_id: 'acct', name: 'Front desk', url: 'https://x.example/hook', active: true, deleted: false, failure_count: 0, failing_since: null, disabling_notice_at: null, health_check: false, ...extra }]]);

let sequence = 0;
function attempt(succeeded: boolean, extra: { operational?: boolean; exhausted?: boolean; number?: number } = {}): Attempt {
  const deliveryId = `0199d6a0-0000-7000-8000-${String(++sequence).padStart(12, '0')}`;
  return {
    kind: 'attempt',
    job: { id: `job-${sequence}`, lane: 'now', data: { deliveryId, attemptNumber: extra.number ?? 1 } },
    accountId: 'acct',
    goneReason: null,
    line: null,
    eventType: extra.operational ? 'hookstream.webhook.failing' : 'orders.created',
    operational: extra.operational ?? false,
    exhausted: extra.exhausted ?? false,
    webhookFailing: false,
    record: {
      id: `a-${sequence}`,
      deliveryId,
      webhookId: WEBHOOK,
      number: extra.number ?? 1,
      trigger: 'AUTOMATIC',
      startedAt: new Date(started.getTime() + sequence),
      durationMs: 5,
      responseStatus: succeeded ? 200 : 500,
      responseBody: null,
      error: succeeded ? null : 'HTTP 500',
      requestHeaders: null,
      succeeded,
      countsForWebhook: !extra.operational,
      transformedBody: null,
      status: succeeded ? 'SUCCEEDED' : extra.exhausted ? 'FAILED' : 'RETRYING',
      retryDelayMs: null,
      failureReason: null,
      automaticAttempts: 1,
    },
  };
}

const types = (result: ReturnType<typeof decideFlushTransitions>) => result.events.map((event) => event.type);

describe('decideFlushTransitions', () => {
  const rows: [string, Map<string, WebhookState>, Attempt[], FlushDisable[], string[], number][] = [
    ['a first failure: failing, and the streak begins', state(), [attempt(false)], [], ['hookstream.webhook.failing'], 1],
    ['a failure in a running streak: nothing', state({ failing_since: started, failure_count: 2 }), [attempt(false)], [], [], 0],
    ['a success ending a streak: recovered, and the streak ends', state({ failing_since: started, failure_count: 2 }), [attempt(true)], [], ['hookstream.webhook.recovered'], 1],
    ['an operational delivery failing: nothing, it does not count', state(), [attempt(false, { operational: true })], [], [], 0],
    ['an operational delivery succeeding: no recovery', state({ failing_since: started, failure_count: 1 }), [attempt(true, { operational: true })], [], [], 0],
    ['an operational delivery running out: not announced', state({ failing_since: started, failure_count: 1 }), [attempt(false, { operational: true, exhausted: true, number: 3 })], [], [], 0],
    ['a delivery running out: exhausted', state({ failing_since: started, failure_count: 2 }), [attempt(false, { exhausted: true, number: 3 })], [], ['hookstream.delivery.exhausted'], 0],
    ['failing and disabled by one attempt: both, in that order', state(), [attempt(false)], [{ id: WEBHOOK, reason: 'endpoint answered 410 Gone', announce: true }], ['hookstream.webhook.failing', 'hookstream.webhook.disabled'], 1],
    ['a silent disable (an operational delivery’s 410)', state(), [attempt(false, { operational: true })], [{ id: WEBHOOK, reason: 'endpoint answered 410 Gone', announce: false }], [], 0],
    ['a webhook disabled while its attempt was in flight: nothing', state({ active: false }), [attempt(false)], [], [], 0],
  ];
  it.each(rows)('%s', (_name, states, attempts, disabled, expected, streakWrites) => {
    const result = decideFlushTransitions(states, attempts, disabled);
    expect(types(result)).toEqual(expected);
    expect(result.streaks).toHaveLength(streakWrites);
  });

  it('describes the attempt behind each event, with public IDs and the webhook’s ID as ordering key', () => {
    const failed = attempt(false);
    const { events, streaks } = decideFlushTransitions(state(), [failed], []);
    expect(events[0]).toMatchObject({
      accountId: 'acct',
      type: 'hookstream.webhook.failing',
      orderingKey: expect.stringMatching(/^wh_/),
      data: { webhookName: 'Front desk', eventType: 'orders.created', error: 'HTTP 500', responseStatus: 500, failingSince: failed.record.startedAt.toISOString(), deliveryId: expect.stringMatching(/^dlv_/) },
    });
    expect(streaks).toEqual([{ webhookId: WEBHOOK, failingSince: failed.record.startedAt, began: true }]);
  });
});
