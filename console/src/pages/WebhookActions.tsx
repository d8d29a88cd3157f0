// The two actions that send again or anew through a webhook: a `webhook.test` event, and a replay of its FAILED
// deliveries created since a time. Shown on the webhook's page, its call history and a delivery's detail.
import { ReplayFailedDeliveriesDocument, SendTestEventDocument } from '@sdk/generated';
import { useId, useState, type FormEvent } from 'react';
import { toApiError } from '../api';
import { isoToLocalInput, localInputToIso } from '../format';
import { useSession, type Outcome } from '../hooks';
import { Link, paths } from '../router';

type Result = { kind: 'success' | 'error'; message: string; deliveryId?: string } | null;

export function WebhookActions({ webhookId, active, onDone }: { webhookId: string; active: boolean; onDone?(): void }) {
  const { api } = useSession();
  const id = useId();
  const [since, setSince] = useState(() => isoToLocalInput(new Date(Date.now() - 24 * 3600_000).toISOString()));
  const [result, setResult] = useState<Result>(null);
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<Exclude<Result, null>>) => {
    setBusy(true);
    setResult(null);
    try {
      setResult(await action());
      onDone?.();
    } catch (error) {
      setResult({ kind: 'error', message: toApiError(error).message });
    } finally {
      setBusy(false);
    }
  };

  const sendTest = () =>
    run(async () => {
      const { sendTestEvent } = await api.call(SendTestEventDocument, { webhookId });
      return { kind: 'success', message: 'Test event queued.', deliveryId: sendTestEvent.id };
    });

  const replay = (event: FormEvent) => {
    event.preventDefault();
    const sinceIso = localInputToIso(since);
    if (!sinceIso) {
      setResult({ kind: 'error', message: 'Enter the date and time to replay from.' });
      return;
    }
    void run(async () => {
      const { replayFailedDeliveries } = await api.call(ReplayFailedDeliveriesDocument, { webhookId, since: sinceIso });
      const count = replayFailedDeliveries.count;
      return { kind: 'success', message: count === 0 ? 'No failed deliveries since then: nothing to replay.' : `Queued ${count} failed deliver${count === 1 ? 'y' : 'ies'} again.` };
    });
  };

  const outcome: Outcome = result && { kind: result.kind, message: result.message };
  return (
    <div className="webhook-actions">
      {!active && <p className="hint">The webhook is disabled: enable it to send a test event or replay deliveries.</p>}
      <div className="actions">
        <button type="button" onClick={() => void sendTest()} disabled={busy || !active}>
          Send test event
        </button>
      </div>
      <form className="inline-form" onSubmit={replay}>
        <label htmlFor={`${id}-since`}>Replay failed deliveries created since</label>
        <input id={`${id}-since`} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} required />
        <button type="submit" disabled={busy || !active}>
          Replay failed
        </button>
      </form>
      <div aria-live="polite" className="outcome">
        {outcome && (
          <p className={`message message-${outcome.kind}`}>
            {outcome.message}
            {result?.deliveryId && (
              <>
                {' '}
                <Link to={paths.delivery(result.deliveryId)}>View the test delivery</Link>
              </>
            )}
          </p>
        )}
      </div>
    </div>
  );
}
