// The transform runner: JSONata over the standard body, serialised once; hostile expressions bounded in time, memory
// and output while other expressions keep being evaluated (timings printed, not asserted).
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { buildWebhookBody } from '../../src/domain/webhook-body.js';
import { transformBody } from '../../src/transform/transform-body.js';
import { createTransformRunner } from '../../src/transform/transform-runner.js';
import { checkTransformSyntax, MAX_TRANSFORM_LENGTH } from '../../src/transform/transform-syntax.js';

const runner = createTransformRunner({ timeoutMs: 250, maxOutputBytes: 300_000, size: 2 });
afterAll(() => runner.close());

const sirvoy = loadCatalog('sirvoy');
const newBooking = sirvoy.eventType('booking.new')!.example;
const triggeredAt = new Date('2026-12-01T10:00:00.123Z');
const standardBody = buildWebhookBody({
  eventType: 'booking.new',
  eventId: 'evt_01jf7q2c3d4e5f6g7h8j9k0mnq',
  webhookId: 'wh_01jf7q2c3d4e5f6g7h8j9k0mnp',
  triggeredAt,
  occurredAt: new Date('2024-05-31T12:11:53.639Z'),
  data: newBooking,
  sendData: true,
});

describe('transforms of the standard body', () => {
  it("Sirvoy's flat version 2.0 body, with generatedAt the time of sending", async () => {
    const result = await transformBody(runner, '$merge([data, { "generatedAt": triggered_at }])', standardBody);
    expect(result.ok).toBe(true);
    const body = result.ok ? result.body : '';
    // The page's body, key for key and in its order; only generatedAt is Hookstream's.
    expect(body).toBe(JSON.stringify({ ...newBooking, generatedAt: triggeredAt.toISOString() }));
    expect(JSON.parse(body)).toMatchObject({ version: '2.0', event: 'new', propertyId: 1, bookingId: 26006 });
  });

  it('no transform: the standard body as it is', async () => {
    expect(await transformBody(runner, null, standardBody)).toEqual({ ok: true, body: standardBody });
    expect(await transformBody(runner, '', standardBody)).toEqual({ ok: true, body: standardBody });
  });

  it('a receiver that wants no guest details', async () => {
    const result = await transformBody(runner, '$ ~> |data|{}, ["guest", "guestReference"]|', standardBody);
    const body = JSON.parse(result.ok ? result.body : '{}') as { event: string; data: Record<string, unknown> };
    expect(body.event).toBe('booking.new');
    expect(body.data).not.toHaveProperty('guest');
    expect(body.data).not.toHaveProperty('guestReference');
    expect(body.data['bookingId']).toBe(26006);
  });

  it('Calenso\'s "hierarchy of the JSON file": the receiver\'s own nesting', async () => {
    const result = await runner.run('{ "type": event, "booking": { "id": data.bookingId, "rooms": data.rooms.RoomName } }', JSON.parse(standardBody));
    expect(result).toEqual({ ok: true, body: '{"type":"booking.new","booking":{"id":26006,"rooms":["101","182"]}}' });
  });

  it.each([
    ['a type error', '1 + "a"', /^transform failed at character \d+: The right side of the "\+" operator must evaluate to a number \(T2002\)$/],
    ['an expression that matches nothing', 'data.nowhere', /^transform produced nothing/],
    ['$error()', '$error("no booking here")', /^transform failed.*no booking here/],
    ['an output over the limit', '$pad("", 400000)', /^transform produced 400002 bytes; the limit is 300000$/],
    ['a sequence too long', '$count([1..100000000])', /^transform failed.*(maximum sequence length|range)/i],
  ])('%s fails with a sentence naming the transform', async (_name, expression, error) => {
    const result = await runner.run(expression, JSON.parse(standardBody));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(error);
  });
});

describe('checkTransformSyntax', () => {
  it.each([
    ['data', null],
    ['$merge([data, { "generatedAt": triggered_at }])', null],
    ['data.', /./],
    ['{ "a": ', /./],
    ['   ', /empty/],
    ['x'.repeat(MAX_TRANSFORM_LENGTH + 1), /longer than/],
    ['('.repeat(20_000), /longer than|nested too deeply/],
  ])('%j', (expression, expected) => {
    const problem = checkTransformSyntax(expression);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});

describe('a pathological transform is bounded while other transforms keep being evaluated', () => {
  it('loops, catastrophic regular expressions and memory bombs fail alone; the others flow meanwhile', async () => {
    const started = Date.now();
    const hostile = [
      ['an endless loop', '($f := function($n) { $f($n + 1) }; $f(0))', /timed out after 250 ms/],
      ['a catastrophic regular expression', '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+b/)', /timed out after 250 ms/],
      ['a memory bomb of strings', '$length($pad("", 100000000) & $pad("", 100000000))', /ran out of memory|timed out after 250 ms/],
      ['a memory bomb of objects', '$count([1..1000000].{ "a": [1..50] })', /ran out of memory|timed out after 250 ms/],
      ['another loop', '($g := function($n) { $n < 0 ? 0 : $g($n + 1) }; $g(1))', /timed out|too deeply|stack/i],
    ] as const;
    const hostileRuns = hostile.map(async ([name, expression, error]) => {
      const result = await runner.run(expression, JSON.parse(standardBody));
      return { name, result, error, endedAfterMs: Date.now() - started };
    });
    // Meanwhile, a steady stream of ordinary transforms (one per "webhook"), as deliveries would bring them.
    const latencies: number[] = [];
    const ordinary = (async () => {
      for (let index = 0; index < 200; index++) {
        const begun = Date.now();
        const result = await runner.run(`{ "n": ${index}, "booking": data.bookingId }`, JSON.parse(standardBody));
        latencies.push(Date.now() - begun);
        expect(result).toEqual({ ok: true, body: `{"n":${index},"booking":26006}` });
      }
    })();
    const [results] = await Promise.all([Promise.all(hostileRuns), ordinary]);
    for (const { name, result, error, endedAfterMs } of results) {
      console.log(`${name}: ${result.ok ? 'ok?!' : result.error} after ${endedAfterMs} ms`);
      expect(result.ok, name).toBe(false);
      expect(result.ok ? '' : result.error).toMatch(error);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `200 ordinary transforms alongside them in ${Date.now() - started} ms: p50 ${latencies[100]} ms, p99 ${latencies[198]} ms, max ${latencies[199]} ms`,
    );
    // And the runner is whole again afterwards.
    expect(await runner.run('data.propertyId', JSON.parse(standardBody))).toEqual({ ok: true, body: '1' });
  });

  it('runs of a transform that just overran fail at once instead of each waiting out the limit again', async () => {
    const loop = '($h := function($n) { $h($n + 1) }; $h(0))';
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => runner.run(loop, {})));
    console.log(`5 runs of one looping transform settled in ${Date.now() - started} ms: ${results.map((result) => (result.ok ? 'ok' : result.error)).join(' | ')}`);
    expect(results.every((result) => !result.ok)).toBe(true);
  });

  it('an expression that exhausts its process\'s memory fails alone, and the runner goes on', async () => {
    const own = createTransformRunner({ timeoutMs: 20_000, maxOutputBytes: 1000, size: 1, maxMemoryMb: 32 });
    try {
      const started = Date.now();
      const result = await own.run('$length($pad("", 100000000) & $pad("", 100000000))', {});
      console.log(`memory bomb: ${result.ok ? 'ok?!' : result.error} after ${Date.now() - started} ms`);
      expect(result).toEqual({ ok: false, error: 'transform ran out of memory' });
      expect(await own.run('"still here"', {})).toEqual({ ok: true, body: '"still here"' });
    } finally {
      await own.close();
    }
  });

  it('close() settles what waits', async () => {
    const own = createTransformRunner({ timeoutMs: 1000, maxOutputBytes: 1000, size: 1 });
    const pending = own.run('($f := function($n) { $f($n + 1) }; $f(0))', {});
    const waiting = own.run('1', {});
    await own.close();
    expect(await pending).toEqual({ ok: false, error: 'transform not run: the service is shutting down', retryable: true });
    expect(await waiting).toEqual({ ok: false, error: 'transform not run: the service is shutting down', retryable: true });
    expect(await own.run('1', {})).toEqual({ ok: false, error: 'transform not run: the service is shutting down', retryable: true });
  });
});
