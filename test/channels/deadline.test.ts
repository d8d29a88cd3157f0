// An attempt's deadline aborts with the reason AbortSignal.timeout gives (so that timeouts are described the same
// way), and once cleared it never fires.
import { describe, expect, it } from 'vitest';
import { startDeadline } from '../../src/delivery/channels/deadline.js';
import { describeHttpError } from '../../src/delivery/channels/http-error.js';

describe('startDeadline', () => {
  it('aborts with a TimeoutError, described as a timeout', async () => {
    const deadline = startDeadline(10);
    const reason = await new Promise<unknown>((resolve) => deadline.signal.addEventListener('abort', () => resolve(deadline.signal.reason)));
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('TimeoutError');
    expect(describeHttpError(reason, 10)).toBe('timeout after 10 ms');
  });

  it('never fires once cleared', async () => {
    const deadline = startDeadline(10);
    deadline.clear();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deadline.signal.aborted).toBe(false);
  });
});
