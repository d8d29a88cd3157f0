// The one call the delivery engine makes before an attempt: the bytes to sign and send for a webhook.
import type { TransformResult, TransformRunner } from './transform-runner.js';

/**
 * The standard body itself when the webhook has no transform; otherwise what its JSONata expression makes of the
 * standard body object, serialised once. A failure's `error` starts with "transform", naming it as the cause.
 */
export function transformBody(runner: TransformRunner, transform: string | null | undefined, standardBody: string): Promise<TransformResult> {
  if (!transform) return Promise.resolve({ ok: true, body: standardBody });
  return runner.run(transform, JSON.parse(standardBody) as unknown);
}
