// The child process of the transform runner (transform-runner.ts): evaluates JSONata expressions in a process of its
// own, so that one that loops, recurses or exhausts memory is bounded by the runner killing this process, never by
// the service's event loop or heap. Plain JavaScript: forked as it is, under tsx, vitest or node alike.
import jsonata from 'jsonata';

const limits = JSON.parse(process.env.HOOKSTREAM_TRANSFORM_LIMITS ?? '{}');

// Compiled expressions by text: a webhook's transform runs for every delivery.
const CACHE_SIZE = 200;
const compiled = new Map();

function compile(expression) {
  let entry = compiled.get(expression);
  if (entry) {
    compiled.delete(expression);
  } else {
    // JSONata's own guards stop most runaway evaluations cleanly; the runner's timer is the backstop for the rest
    // (one step that never yields, e.g. a catastrophic regular expression).
    entry = jsonata(expression, { timeout: limits.timeoutMs, sequence: limits.maxSequence });
  }
  compiled.set(expression, entry);
  if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value);
  return entry;
}

/** JSONata errors carry a code and a position; a person reads the message, a log reads the code. */
function describeError(error) {
  if (error instanceof RangeError) return `transform failed: ${error.message}`;
  if (error?.code === 'D1012') return `transform timed out after ${limits.timeoutMs} ms`;
  const message = typeof error?.message === 'string' && error.message !== '' ? error.message : String(error);
  const where = typeof error?.position === 'number' && error.position > 0 ? ` at character ${error.position}` : '';
  return `transform failed${where}: ${message}${error?.code ? ` (${error.code})` : ''}`;
}

async function evaluate(expression, input) {
  try {
    const result = await compile(expression).evaluate(input);
    if (result === undefined) return { ok: false, error: 'transform produced nothing: the expression matched no value of the body' };
    const body = JSON.stringify(result);
    if (body === undefined) return { ok: false, error: 'transform produced a function, not JSON' };
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > limits.maxOutputBytes) return { ok: false, error: `transform produced ${bytes} bytes; the limit is ${limits.maxOutputBytes}` };
    return { ok: true, body };
  } catch (error) {
    return { ok: false, error: describeError(error), overran: error?.code === 'D1012' };
  }
}

process.on('message', async ({ id, expression, input }) => {
  process.send({ id, ...(await evaluate(expression, input)) });
});
// The service went away (or closed the runner): so does this process.
process.on('disconnect', () => process.exit(0));
// Tasks are sent only once the process is ready, so that a task's time limit never includes its start-up.
process.send({ ready: true });
