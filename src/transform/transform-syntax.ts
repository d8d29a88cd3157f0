// The cheap synchronous check of a transform when a webhook is saved: is it JSONata at all? Parsing only, on the main
// thread: evaluation (which may loop) happens in the runner's worker threads.
import jsonata from 'jsonata';

/** Longest transform accepted (characters): parsing is linear, and no receiver's body needs more. */
export const MAX_TRANSFORM_LENGTH = 10_000;

/** Null when `expression` parses as JSONata; otherwise why not, e.g. `Expected "]", got "(end)" at character 12`. */
export function checkTransformSyntax(expression: string): string | null {
  if (expression.trim() === '') return 'it is empty';
  if (expression.length > MAX_TRANSFORM_LENGTH) return `it is longer than ${MAX_TRANSFORM_LENGTH} characters`;
  try {
    jsonata(expression);
    return null;
  } catch (error) {
    if (error instanceof RangeError) return 'it is nested too deeply';
    const { message, position } = error as { message?: string; position?: number };
    return `${message ?? String(error)}${typeof position === 'number' && position > 0 ? ` (at character ${position})` : ''}`;
  }
}
