// Per-account rate limits on mutations (an envelop plugin). Webhook management is limited by default; publishEvent is
// not, unless the operator sets RATE_LIMIT_PUBLISH_PER_MINUTE, so that the platform's backend is never throttled by
// surprise. Buckets live in each api process: with N api processes an account gets up to N times the limit.
import type { Plugin } from '@envelop/core';
import { getOperationAST, Kind } from 'graphql';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { takeToken, type Bucket } from './domain/rate-limit.js';
import { HookstreamError } from './errors.js';

const WINDOW_MS = 60_000;

export function createAccountRateLimitPlugin(config: Config): Plugin<Context> {
  const buckets = new Map<string, Bucket>();

  function take(key: string, perMinute: number, now: number): number | null {
    if (perMinute === 0) return null;
    const result = takeToken(buckets.get(key), perMinute, WINDOW_MS, now);
    buckets.set(key, result.bucket);
    return result.allowed ? null : result.retryAfterMs;
  }

  // Forget full buckets now and then, so that the map holds only accounts active in the last minutes.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, bucket] of buckets) if (now - bucket.updatedAt > 5 * WINDOW_MS) buckets.delete(key);
  }, WINDOW_MS);
  sweep.unref();

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const accountId = (args.contextValue as Context).account.id;
      const now = Date.now();
      for (const selection of operation.selectionSet.selections) {
        if (selection.kind !== Kind.FIELD) continue;
        const publish = selection.name.value === 'publishEvent' || selection.name.value === 'publishEvents';
        const retryAfterMs = publish
          ? take(`publish:${accountId}`, config.publishesPerMinute, now)
          : take(`manage:${accountId}`, config.mutationsPerMinute, now);
        if (retryAfterMs !== null) {
          const retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
          setResultAndStopExecution({
            errors: [
              new HookstreamError('LIMIT_EXCEEDED', `Too many ${publish ? 'publishEvent calls' : 'webhook changes'} for this account; retry in ${retryAfterSeconds} s.`, {
                retryAfterSeconds,
              }),
            ],
          });
          return;
        }
      }
    },
  };
}
