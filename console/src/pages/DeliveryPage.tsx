// One delivery: the exact payload, and every attempt with the headers sent, the response status and body, and how
// long it took. Retry sends it once more (trigger MANUAL); the new attempt appears live through deliveryUpdated.
import { ConsoleDeliveryDocument, ConsoleDeliveryUpdatedDocument, RetryDeliveryDocument, type ConsoleDeliveryQuery } from '@sdk/generated';
import { ErrorMessage, JsonBlock, Loading, OutcomeMessage, PageHeading, StatusBadge, Time } from '../components';
import { formatDuration, isScheduled, TRIGGER_LABELS } from '../format';
import { useAction, useLiveState, usePermissions, useQuery, useSession, useSubscription } from '../hooks';
import { Link, paths } from '../router';
import { WebhookActions } from './WebhookActions';

type Delivery = NonNullable<ConsoleDeliveryQuery['delivery']>;
type Attempt = Delivery['attempts'][number];

export function DeliveryPage({ deliveryId }: { deliveryId: string }) {
  const { api } = useSession();
  const { canChange } = usePermissions();
  const query = useQuery(ConsoleDeliveryDocument, { id: deliveryId });
  const delivery = query.data?.delivery ?? null;
  const action = useAction();

  // Attempts are not part of the change itself: any change of this delivery reloads it.
  useSubscription(
    ConsoleDeliveryUpdatedDocument,
    { webhookId: delivery?.webhook.id ?? null },
    ({ deliveryUpdated }) => {
      if (deliveryUpdated.id === deliveryId) void query.refetch(true);
    },
    delivery !== null,
  );
  useLiveState(() => void query.refetch(true));

  const retry = () =>
    action.run(async () => {
      await api.call(RetryDeliveryDocument, { id: deliveryId });
      await query.refetch(true);
      return 'Retry queued: the new attempt appears below when it is made.';
    });

  const retryable = delivery !== null && (delivery.status === 'SUCCEEDED' || delivery.status === 'FAILED') && !delivery.archived;
  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.history()}>Call history</Link>
        {delivery && (
          <>
            {' / '}
            <Link to={paths.webhookHistory(delivery.webhook.id)}>{delivery.webhook.name}</Link>
          </>
        )}{' '}
        / Delivery
      </p>
      {!delivery && <PageHeading>Delivery</PageHeading>}
      {query.error && <ErrorMessage error={query.error} what="the delivery" />}
      {!delivery && query.loading && <Loading what="the delivery" />}
      {delivery && (
        <>
          <div className="page-header">
            <PageHeading>
              <code>{delivery.eventType}</code> delivery
            </PageHeading>
            <StatusBadge status={delivery.status} />
          </div>
          <dl className="facts">
            <div>
              <dt>Webhook</dt>
              <dd>
                <Link to={paths.webhook(delivery.webhook.id)}>{delivery.webhook.name}</Link> <span className="url">{delivery.webhook.url}</span>
              </dd>
            </div>
            <div>
              <dt>Delivery ID</dt>
              <dd>
                <code>{delivery.id}</code>
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <Time iso={delivery.createdAt} />
              </dd>
            </div>
            <div>
              <dt>Delivered</dt>
              <dd>
                <Time iso={delivery.deliveredAt} />
              </dd>
            </div>
            {delivery.nextAttemptAt && (
              <div>
                <dt>{isScheduled(delivery) ? 'Scheduled for' : 'Next attempt'}</dt>
                <dd>
                  <Time iso={delivery.nextAttemptAt} />
                </dd>
              </div>
            )}
            <div>
              <dt>Attempts</dt>
              <dd>
                {delivery.attemptCount}
                {delivery.manualRetries > 0 && ` (${delivery.manualRetries} manual)`}
              </dd>
            </div>
            {delivery.expiresAt && (
              <div>
                <dt>Expires</dt>
                <dd>
                  <Time iso={delivery.expiresAt} />
                </dd>
              </div>
            )}
            {delivery.orderingKey !== null && (
              <div>
                <dt>Ordering key</dt>
                <dd>
                  <code>{delivery.orderingKey}</code>
                  {delivery.sequence !== null && ` (#${delivery.sequence} of its key)`}
                </dd>
              </div>
            )}
            {delivery.failureReason && (
              <div>
                <dt>Failure reason</dt>
                <dd>{delivery.failureReason}</dd>
              </div>
            )}
            <div>
              <dt>Event</dt>
              <dd>
                <code>{delivery.event.id}</code>, occurred <Time iso={delivery.event.occurredAt} />
                {delivery.event.idempotencyKey && (
                  <>
                    , idempotency key <code>{delivery.event.idempotencyKey}</code>
                  </>
                )}
              </dd>
            </div>
          </dl>

          {canChange && (
            <section aria-labelledby="delivery-actions-heading">
              <h2 id="delivery-actions-heading">Actions</h2>
              <div className="actions">
                <button type="button" className="primary" onClick={() => void retry()} disabled={!retryable || action.busy}>
                  Retry delivery
                </button>
              </div>
              {!retryable && (
                <p className="hint">
                  {delivery.archived ? 'Archived deliveries cannot be sent again.' : 'A delivery can be retried once it has succeeded or failed.'}
                </p>
              )}
              <OutcomeMessage outcome={action.outcome} />
              <WebhookActions webhookId={delivery.webhook.id} active={delivery.webhook.active} />
            </section>
          )}

          <section aria-labelledby="payload-heading">
            <h2 id="payload-heading">Payload</h2>
            {delivery.archived ? <p className="muted">Archived: the payload was purged.</p> : <JsonBlock value={delivery.payload} label="Payload sent" />}
          </section>

          <section aria-labelledby="attempts-heading">
            <h2 id="attempts-heading">Attempts ({delivery.attempts.length})</h2>
            {delivery.attempts.length === 0 && <p className="muted">No attempt made yet.</p>}
            <ol className="attempts">
              {[...delivery.attempts]
                .sort((a, b) => a.number - b.number)
                .map((attempt) => (
                  <AttemptItem key={attempt.number} attempt={attempt} email={delivery.webhook.url.toLowerCase().startsWith('mailto:')} />
                ))}
            </ol>
          </section>
        </>
      )}
    </>
  );
}

/** One attempt, in its channel's terms: an HTTP exchange, or an e-mail's envelope and the SMTP server's reply. */
function AttemptItem({ attempt, email }: { attempt: Attempt; email: boolean }) {
  // A failed attempt always says why; an e-mail written to a file in development has no reply code, and succeeded.
  const ok = attempt.error == null;
  const protocol = email ? 'SMTP' : 'HTTP';
  const headers = attempt.requestHeaders && typeof attempt.requestHeaders === 'object' ? Object.entries(attempt.requestHeaders as Record<string, unknown>) : [];
  const headingId = `attempt-${attempt.number}`;
  return (
    <li className="attempt" data-attempt-number={attempt.number} data-trigger={attempt.trigger}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          Attempt {attempt.number} · {TRIGGER_LABELS[attempt.trigger]} ·{' '}
          <span className={`badge ${ok ? 'status-succeeded' : 'status-failed'}`}>
            <span aria-hidden="true">{ok ? '✓ ' : '✕ '}</span>
            {ok ? 'Succeeded' : 'Failed'}
          </span>
        </h3>
        <dl className="facts">
          <div>
            <dt>Started</dt>
            <dd>
              <Time iso={attempt.startedAt} />
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(attempt.durationMs)}</dd>
          </div>
          <div>
            <dt>{email ? 'Reply' : 'Response status'}</dt>
            <dd>{attempt.responseStatus != null ? `${protocol} ${attempt.responseStatus}` : 'No response'}</dd>
          </div>
          {attempt.error && (
            <div>
              <dt>Error</dt>
              <dd>{attempt.error}</dd>
            </div>
          )}
        </dl>
        <h4>{email ? 'Envelope and headers' : 'Request headers'}</h4>
        {headers.length ? (
          <table className="headers">
            <thead>
              <tr>
                <th scope="col">Header</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {headers.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>
                    <code className="wrap">{typeof value === 'string' ? value : JSON.stringify(value)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">Not recorded.</p>
        )}
        <h4>{email ? 'What the mail server said' : 'Response body'}</h4>
        {attempt.responseBody ? (
          <pre className="code" tabIndex={0} aria-label={`Response body of attempt ${attempt.number}`}>
            {attempt.responseBody}
          </pre>
        ) : (
          <p className="muted">{attempt.responseBody === '' ? 'Empty.' : 'None.'}</p>
        )}
      </article>
    </li>
  );
}
