// One webhook: its numbers, its actions (enable/disable, test, replay, rotate secret, delete), its settings and its
// restrictions. Live: webhookUpdated (e.g. auto-disabled) and deliveryUpdated (stats) refresh it in place.
import {
  ConsoleDeliveryUpdatedDocument,
  ConsoleWebhookDocument,
  ConsoleWebhookUpdatedDocument,
  DeleteWebhookDocument,
  RotateWebhookSecretDocument,
  SetWebhookActiveDocument,
  UpdateWebhookDocument,
  type ConsoleWebhookQuery,
} from '@sdk/generated';
import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api';
import { ActiveBadge, ErrorMessage, HealthBadge, Loading, OutcomeMessage, PageHeading, SecretNotice, Time } from '../components';
import { CHANNEL_LABELS, formatRate, ORDERING_LABELS } from '../format';
import { useAction, useDebounced, useLiveState, usePermissions, useQuery, useSession, useSubscription } from '../hooks';
import { Link, navigate, paths } from '../router';
import { RestrictionsEditor } from './RestrictionsEditor';
import { WebhookActions } from './WebhookActions';
import { WebhookForm, type WebhookFormValues } from './WebhookForm';

type Webhook = NonNullable<ConsoleWebhookQuery['webhook']>;

export function WebhookPage({ webhookId }: { webhookId: string }) {
  const { flashSecret, setFlashSecret } = useSession();
  const query = useQuery(ConsoleWebhookDocument, { id: webhookId });
  // Taken once: after creation the secret arrives from the previous page, and is forgotten when this page closes.
  const [secret, setSecret] = useState<string | null>(() => (flashSecret?.webhookId === webhookId ? flashSecret.secret : null));
  useEffect(() => {
    if (flashSecret) setFlashSecret(null);
  }, [flashSecret, setFlashSecret]);

  const refreshSoon = useDebounced(() => void query.refetch(true), 500);
  useSubscription(ConsoleWebhookUpdatedDocument, { id: webhookId }, refreshSoon, query.data !== null);
  useSubscription(ConsoleDeliveryUpdatedDocument, { webhookId }, refreshSoon, query.data !== null);
  useLiveState(refreshSoon);

  const webhook = query.data?.webhook;
  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.webhooks()}>Webhooks</Link> / {webhook?.name ?? '…'}
      </p>
      {query.error && !webhook && <PageHeading>Webhook</PageHeading>}
      {query.error && <ErrorMessage error={query.error} what="the webhook" />}
      {!webhook && query.loading && <Loading what="the webhook" />}
      {webhook && (
        <WebhookDetails
          webhook={webhook}
          secret={secret}
          onSecret={setSecret}
          refresh={() => query.refetch(true)}
        />
      )}
    </>
  );
}

function WebhookDetails({ webhook, secret, onSecret, refresh }: { webhook: Webhook; secret: string | null; onSecret(secret: string | null): void; refresh(): Promise<void> }) {
  const { api } = useSession();
  const { canChange } = usePermissions();
  const action = useAction();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [editProblem, setEditProblem] = useState<ApiError | null>(null);
  const [editBusy, setEditBusy] = useState(false);
  const [editOutcome, setEditOutcome] = useState<string | null>(null);
  const [formKey, setFormKey] = useState(0);

  const setActive = (active: boolean) =>
    action.run(async () => {
      await api.call(SetWebhookActiveDocument, { id: webhook.id, active });
      await refresh();
      return active
        ? `Enabled: deliveries resume, and the failure count starts again at 0.${webhook.healthCheck ? ' A health check runs now.' : ''}`
        : 'Disabled: no new deliveries are sent.';
    });

  const rotate = () =>
    action.run(async () => {
      const { rotateWebhookSecret } = await api.call(RotateWebhookSecretDocument, { id: webhook.id });
      onSecret(rotateWebhookSecret.secret);
      return 'New secret issued. The old one keeps signing, beside it, for 24 hours.';
    });

  const remove = () =>
    action.run(async () => {
      await api.call(DeleteWebhookDocument, { id: webhook.id });
      navigate(paths.webhooks());
    });

  const save = async (values: WebhookFormValues) => {
    setEditBusy(true);
    setEditProblem(null);
    setEditOutcome(null);
    try {
      await api.call(UpdateWebhookDocument, {
        input: {
          id: webhook.id,
          name: values.name,
          url: values.url,
          description: values.description,
          events: values.events,
          httpMethod: values.httpMethod,
          sendData: values.sendData,
          rateLimitPerSecond: values.rateLimitPerSecond,
          transform: values.transform,
          ordering: values.ordering,
          healthCheck: values.healthCheck,
          retrySchedule: values.retrySchedule,
          timeout: values.timeout,
          ...(values.headers ? { headers: values.headers } : {}),
        },
      });
      await refresh();
      setFormKey((key) => key + 1);
      setEditOutcome('Settings saved.');
    } catch (error) {
      setEditProblem(toApiError(error));
    } finally {
      setEditBusy(false);
    }
  };

  const { stats } = webhook;
  return (
    <>
      <div className="page-header">
        <PageHeading>{webhook.name}</PageHeading>
        <ActiveBadge active={webhook.active} />
      </div>
      <p className="url">{webhook.url}</p>
      {webhook.description && <p>{webhook.description}</p>}
      {webhook.disabledReason && <p className="message message-error">Disabled: {webhook.disabledReason}</p>}
      {webhook.failingSince && (
        <p className="message message-warning" data-testid="failing-since">
          Failing since <Time iso={webhook.failingSince} />: no attempt has succeeded since then.
        </p>
      )}
      <dl className="facts" data-testid="webhook-delivery-settings">
        <div>
          <dt>Delivered by</dt>
          <dd data-testid="webhook-channel">{CHANNEL_LABELS[webhook.channel]}</dd>
        </div>
        <div>
          <dt>Ordering</dt>
          <dd data-testid="webhook-ordering">{ORDERING_LABELS[webhook.ordering]}</dd>
        </div>
        <div>
          <dt>Retries</dt>
          <dd data-testid="webhook-retries">
            {webhook.retrySchedule === null ? "The service's schedule" : webhook.retrySchedule.length === 0 ? 'None: one attempt' : `After ${webhook.retrySchedule.join(', ')}`}
          </dd>
        </div>
        <div>
          <dt>Timeout per attempt</dt>
          <dd data-testid="webhook-timeout">{webhook.timeout ?? "The service's"}</dd>
        </div>
        {webhook.channel === 'HTTP' && (
          <div>
            <dt>Health</dt>
            <dd data-testid="webhook-health">
              {webhook.healthCheck ? (
                <>
                  <HealthBadge health={webhook.health} />
                  {webhook.health && (
                    <span className="hint">
                      {' '}
                      {webhook.health.responseStatus != null ? `HTTP ${webhook.health.responseStatus}` : ''}
                      {webhook.health.error && webhook.health.error !== `HTTP ${webhook.health.responseStatus}` ? ` ${webhook.health.error}` : ''}, checked{' '}
                      <Time iso={webhook.health.checkedAt} />
                    </span>
                  )}
                </>
              ) : (
                'Not checked (health checks are off)'
              )}
            </dd>
          </div>
        )}
      </dl>
      {secret && <SecretNotice secret={secret} onDismiss={() => onSecret(null)} />}
      <p>
        <Link to={paths.webhookHistory(webhook.id)} className="button-link">
          Call history
        </Link>
      </p>

      <section aria-labelledby="stats-heading">
        <h2 id="stats-heading">Deliveries</h2>
        <dl className="stats">
          <div>
            <dt>Success rate</dt>
            <dd>{formatRate(stats.successRate)}</dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>{stats.total}</dd>
          </div>
          <div>
            <dt>Succeeded</dt>
            <dd>{stats.succeeded}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd>{stats.failed}</dd>
          </div>
          <div>
            <dt>Pending</dt>
            <dd>{stats.pending}</dd>
          </div>
          <div>
            <dt>Retrying</dt>
            <dd>{stats.retrying}</dd>
          </div>
          <div>
            <dt>Expired</dt>
            <dd>{stats.expired}</dd>
          </div>
          <div>
            <dt>Superseded</dt>
            <dd>{stats.superseded}</dd>
          </div>
          <div>
            <dt>Failed attempts in a row</dt>
            <dd>{webhook.failureCount}</dd>
          </div>
        </dl>
        <p className="hint">
          Created <Time iso={webhook.createdAt} />, last changed <Time iso={webhook.updatedAt} />.
        </p>
      </section>

      {!canChange && <p className="message message-info">This portal session is read-only: the webhook's settings cannot be changed here.</p>}
      {canChange && (
        <>
          <section aria-labelledby="actions-heading">
            <h2 id="actions-heading">Actions</h2>
            <div className="actions">
              <button type="button" onClick={() => void setActive(!webhook.active)} disabled={action.busy}>
                {webhook.active ? 'Disable webhook' : 'Enable webhook'}
              </button>
              <button type="button" onClick={() => void rotate()} disabled={action.busy}>
                Rotate secret
              </button>
              {!confirmingDelete && (
                <button type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
                  Delete webhook…
                </button>
              )}
            </div>
            {confirmingDelete && (
              <div className="confirm" role="group" aria-labelledby="delete-question">
                <p id="delete-question">
                  Delete <strong>{webhook.name}</strong> and its call history? This cannot be undone.
                </p>
                <div className="actions">
                  <button type="button" className="danger" onClick={() => void remove()} disabled={action.busy}>
                    Delete for good
                  </button>
                  <button type="button" onClick={() => setConfirmingDelete(false)} autoFocus>
                    Keep it
                  </button>
                </div>
              </div>
            )}
            <OutcomeMessage outcome={action.outcome} />
            <WebhookActions webhookId={webhook.id} active={webhook.active} onDone={() => void refresh()} />
          </section>

          <section aria-labelledby="settings-heading">
            <h2 id="settings-heading">Settings</h2>
            <WebhookForm key={formKey} initial={webhook} submitLabel="Save changes" onSubmit={(values) => void save(values)} problem={editProblem} busy={editBusy} />
            <div aria-live="polite">{editOutcome && <p className="message message-success">{editOutcome}</p>}</div>
          </section>

          <section aria-labelledby="restrictions-heading">
            <h2 id="restrictions-heading">Restrictions</h2>
            <RestrictionsEditor key={webhook.restrictions.map((r) => r.id).join()} webhook={webhook} onSaved={() => void refresh()} />
          </section>
        </>
      )}
    </>
  );
}
