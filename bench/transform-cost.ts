// Issue 11's figures, measured in the bench process with the service's own code, before the services start (so that
// nothing else of the run competes for the CPU): what checking `data` against the catalog's schema costs per
// publish, and what a webhook's transform costs per delivery through the transform runner (child processes, IPC).
import { loadCatalog } from '../src/catalog/load-catalog.js';
import { buildWebhookBody } from '../src/domain/webhook-body.js';
import { createTransformRunner } from '../src/transform/transform-runner.js';
import { nowMs } from './clock.js';
import { bookingData } from './graphql-client.js';

/** Sirvoy's flat body (version 2.0: the booking's fields at the top) with the time it was sent: works on any body. */
export const FLAT_BODY_TRANSFORM = '$merge([data, { "generatedAt": triggered_at }])';

/** The service's defaults (app.ts): TRANSFORM_TIMEOUT 1 s, MAX_PAYLOAD_BYTES 256 KiB + 64 KiB of envelope. */
const RUNNER_OPTIONS = { timeoutMs: 1_000, maxOutputBytes: 262_144 + 64 * 1024 };
const TRANSFORMS_IN_FLIGHT = 50;

export type ValidationCost = { calls: number; usPerCall: number; violations: number; firstViolation: string | null };

/**
 * anny's catalog (the default) `validateData('bookings.created', data)` over the bench's own booking data, as publish
 * calls it once per event; distinct objects (one per key), so that nothing is cached across calls.
 */
export function measureValidation(options: { calls: number; capMs: number }): ValidationCost {
  const catalog = loadCatalog('anny');
  const data = Array.from({ length: 1_000 }, (_, i) => bookingData(`v-${i}`));
  let violations = 0;
  let firstViolation: string | null = null;
  const validate = (item: Record<string, unknown>) => {
    const violation = catalog.validateData('bookings.created', item);
    if (violation) {
      violations++;
      firstViolation ??= JSON.stringify(violation);
    }
  };
  for (const item of data) validate(item); // warm-up: ajv's compiled function, the JIT
  violations = 0;
  const deadline = nowMs() + options.capMs;
  const startedAt = nowMs();
  let calls = 0;
  while (calls < options.calls && (calls % 1_000 !== 0 || nowMs() < deadline)) validate(data[calls++ % data.length]!);
  const elapsedMs = nowMs() - startedAt;
  return { calls, usPerCall: (elapsedMs * 1000) / calls, violations, firstViolation };
}

export type TransformCost = {
  expression: string;
  /** One call at a time: what one delivery waits for its body. */
  sequentialCalls: number;
  msPerCall: number;
  /** 50 calls in flight (a worker's concurrency) of the same webhook's expression. */
  concurrentCalls: number;
  concurrentPerSecond: number;
  failures: number;
  firstError: string | null;
  bodyBytes: number;
};

/**
 * The transform runner as the engine uses it (transformBody: the standard body parsed, the expression run in a child
 * process, the result serialised once): ms per call one at a time, then calls/s with 50 in flight. The runner runs
 * one expression in one process at a time (a slow webhook queues behind itself), so one webhook's 50 in flight are
 * what one process manages.
 */
export async function measureTransforms(options: { sequential: number; concurrent: number; capMs: number }): Promise<TransformCost> {
  const runner = createTransformRunner(RUNNER_OPTIONS);
  const now = new Date();
  const standardBody = (i: number) =>
    JSON.parse(
      buildWebhookBody({
        eventType: 'bookings.created',
        eventId: `evt_bench${i}`,
        webhookId: 'wh_bench',
        triggeredAt: now,
        occurredAt: now,
        data: bookingData(`t-${i}`),
        sendData: true,
      }),
    ) as unknown;
  let failures = 0;
  let firstError: string | null = null;
  let bodyBytes = 0;
  const run = async (i: number) => {
    const result = await runner.run(FLAT_BODY_TRANSFORM, standardBody(i));
    if (result.ok) bodyBytes = result.body.length;
    else {
      failures++;
      firstError ??= result.error;
    }
  };
  try {
    // Warm-up: the processes start on demand, and JSONata compiles the expression once per process.
    for (let i = 0; i < 50; i++) await run(i);
    failures = 0;
    firstError = null;

    const sequentialStart = nowMs();
    let sequentialCalls = 0;
    while (sequentialCalls < options.sequential && nowMs() - sequentialStart < options.capMs / 2) await run(sequentialCalls++);
    const msPerCall = (nowMs() - sequentialStart) / sequentialCalls;

    const concurrentStart = nowMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: TRANSFORMS_IN_FLIGHT }, async () => {
        while (next < options.concurrent && nowMs() - concurrentStart < options.capMs / 2) await run(next++);
      }),
    );
    const concurrentPerSecond = next / ((nowMs() - concurrentStart) / 1000);
    return { expression: FLAT_BODY_TRANSFORM, sequentialCalls, msPerCall, concurrentCalls: next, concurrentPerSecond, failures, firstError, bodyBytes };
  } finally {
    await runner.close();
  }
}
