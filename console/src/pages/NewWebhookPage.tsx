import { CreateWebhookDocument } from '@sdk/generated';
import { useState } from 'react';
import { toApiError, type ApiError } from '../api';
import { PageHeading } from '../components';
import { usePermissions, useSession } from '../hooks';
import { Link, navigate, paths } from '../router';
import { WebhookForm, type WebhookFormValues } from './WebhookForm';

export function NewWebhookPage() {
  const { api, setFlashSecret } = useSession();
  const { canCreateWebhooks } = usePermissions();
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async (values: WebhookFormValues) => {
    setBusy(true);
    setProblem(null);
    try {
      const { createWebhook } = await api.call(CreateWebhookDocument, {
        input: {
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
          ...(values.retrySchedule ? { retrySchedule: values.retrySchedule } : {}),
          ...(values.timeout ? { timeout: values.timeout } : {}),
          active: values.active,
          headers: values.headers ?? [],
        },
      });
      // The secret is returned by this call only: the webhook's page shows it once.
      if (createWebhook.secret) setFlashSecret({ webhookId: createWebhook.webhook.id, secret: createWebhook.secret });
      navigate(paths.webhook(createWebhook.webhook.id));
    } catch (error) {
      setProblem(toApiError(error));
      setBusy(false);
    }
  };

  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.webhooks()}>Webhooks</Link> / New
      </p>
      <PageHeading>New webhook</PageHeading>
      {!canCreateWebhooks && <p className="message message-info">This portal session cannot create webhooks.</p>}
      {canCreateWebhooks && (
        <WebhookForm initial={null} submitLabel="Create webhook" onSubmit={(values) => void create(values)} problem={problem} busy={busy} />
      )}
    </>
  );
}
