// The account's webhooks: what each listens to, whether it is on, and how its deliveries fare (stats.successRate).
// Stays current without reloading: webhookUpdated (disabled, re-enabled, edited) and deliveryUpdated (stats).
import { ConsoleDeliveryUpdatedDocument, ConsoleWebhooksDocument, ConsoleWebhookUpdatedDocument, SetWebhookActiveDocument } from '@sdk/generated';
import { ActiveBadge, ErrorMessage, HealthBadge, Loading, OutcomeMessage, PageHeading, Pager, pageLinks } from '../components';
import { formatRate } from '../format';
import { useAction, useDebounced, useLiveState, usePermissions, useQuery, useSession, useSubscription } from '../hooks';
import { Link, paths } from '../router';

const PAGE_SIZE = 25;

export function WebhooksPage({ search }: { search: string }) {
  const { api } = useSession();
  const { canChange, canCreateWebhooks } = usePermissions();
  const params = new URLSearchParams(search);
  const after = params.get('after');
  const before = params.get('before');
  const variables = before ? { last: PAGE_SIZE, before } : { first: PAGE_SIZE, after };
  const query = useQuery(ConsoleWebhooksDocument, variables);
  const refreshSoon = useDebounced(() => void query.refetch(true), 500);
  useSubscription(ConsoleWebhookUpdatedDocument, {}, refreshSoon);
  useSubscription(ConsoleDeliveryUpdatedDocument, {}, refreshSoon);
  useLiveState(refreshSoon);
  const action = useAction();

  const setActive = (id: string, name: string, active: boolean) =>
    action.run(async () => {
      await api.call(SetWebhookActiveDocument, { id, active });
      await query.refetch(true);
      return `${name} is now ${active ? 'enabled' : 'disabled'}.`;
    });

  const connection = query.data?.webhooks;
  return (
    <>
      <div className="page-header">
        <PageHeading>Webhooks</PageHeading>
        {canCreateWebhooks && (
          <Link to={paths.newWebhook()} className="button-link primary">
            New webhook
          </Link>
        )}
      </div>
      <OutcomeMessage outcome={action.outcome} />
      {query.error && <ErrorMessage error={query.error} what="the webhooks" />}
      {!connection && query.loading && <Loading what="webhooks" />}
      {connection && connection.totalCount === 0 && (
        <p className="empty">
          No webhooks yet.{' '}
          {canCreateWebhooks && (
            <>
              <Link to={paths.newWebhook()}>Create the first one</Link> to receive booking, order, invoice or customer events at an
              endpoint of yours.
            </>
          )}
        </p>
      )}
      {connection && connection.edges.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>
              {connection.totalCount} webhook{connection.totalCount === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Endpoint URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Failures in a row</th>
                <th scope="col">Success rate</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {connection.edges.map(({ node: webhook }) => (
                <tr key={webhook.id} data-webhook-id={webhook.id}>
                  <th scope="row">
                    <Link to={paths.webhook(webhook.id)}>{webhook.name}</Link>
                  </th>
                  <td className="url">
                    {webhook.channel === 'EMAIL' && <span className="badge status-pending">E-mail</span>} {webhook.url}
                  </td>
                  <td>
                    <ul className="tags">
                      {webhook.events.map((pattern) => (
                        <li key={pattern}>
                          <code>{pattern}</code>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <ActiveBadge active={webhook.active} />
                    {webhook.disabledReason && <div className="hint">{webhook.disabledReason}</div>}
                    {webhook.failingSince && webhook.active && <div className="hint">failing</div>}
                    {webhook.healthCheck && (
                      <div>
                        <HealthBadge health={webhook.health} />
                      </div>
                    )}
                  </td>
                  <td className="number">{webhook.failureCount}</td>
                  <td className="number">
                    {formatRate(webhook.stats.successRate)}
                    {webhook.stats.successRate != null && (
                      <div className="hint">
                        {webhook.stats.succeeded} of {webhook.stats.succeeded + webhook.stats.failed} finished
                      </div>
                    )}
                  </td>
                  <td className="row-actions">
                    <Link to={paths.webhook(webhook.id)} aria-label={`Manage ${webhook.name}`}>
                      Manage
                    </Link>
                    <Link to={paths.webhookHistory(webhook.id)} aria-label={`Call history of ${webhook.name}`}>
                      History
                    </Link>
                    {canChange && (
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() => void setActive(webhook.id, webhook.name, !webhook.active)}
                        aria-label={`${webhook.active ? 'Disable' : 'Enable'} ${webhook.name}`}
                      >
                        {webhook.active ? 'Disable' : 'Enable'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {connection && (
        <Pager
          {...pageLinks(connection.pageInfo, { after, before }, (cursor) =>
            cursor ? `${paths.webhooks()}?${new URLSearchParams(cursor as Record<string, string>)}` : paths.webhooks(),
          )}
        />
      )}
    </>
  );
}
