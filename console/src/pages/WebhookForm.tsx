// Create and edit a webhook: how it is delivered (an HTTP endpoint, or e-mail to 1–5 addresses), events (from the
// platform's catalog), method, payload shape, ordering, health checks, its own retry schedule and timeout, transform,
// rate limit and custom headers. Header values are write-only: editing shows the names and replaces all headers only
// on request. A refusal is shown beside the field it is about.
import { CatalogDocument, type DeliveryOrdering, type HeaderInput, type HttpMethod, type WebhookChannel, type WebhookFieldsFragment } from '@sdk/generated';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { covers, TEST_CATEGORY } from '../catalog';
import { ErrorMessage, FieldProblem, Loading } from '../components';
import { ORDERING_LABELS } from '../format';
import { useQuery } from '../hooks';
import { EventPicker } from './EventPicker';
import { TransformEditor } from './TransformEditor';

export type WebhookFormValues = {
  name: string;
  url: string;
  description: string | null;
  events: string[];
  httpMethod: HttpMethod;
  sendData: boolean;
  rateLimitPerSecond: number | null;
  active: boolean;
  /** null: leave the webhook's headers as they are (edit only). */
  headers: HeaderInput[] | null;
  /** JSONata over the standard body; null: the standard body. */
  transform: string | null;
  ordering: DeliveryOrdering;
  healthCheck: boolean;
  /** The webhook's own delays before each retry; null: the service's RETRY_SCHEDULE. */
  retrySchedule: string[] | null;
  /** The webhook's own per-attempt timeout; null: the service's DELIVERY_TIMEOUT. */
  timeout: string | null;
};

/** The fields this form shows a refusal beside; any other goes under the form. */
const FORM_FIELDS = ['name', 'url', 'description', 'events', 'httpMethod', 'sendData', 'rateLimitPerSecond', 'headers', 'transform', 'ordering', 'healthCheck', 'retrySchedule', 'timeout'];

const ORDERINGS: readonly DeliveryOrdering[] = ['NONE', 'PER_KEY', 'LATEST_PER_KEY'];
/** The fields inside the collapsed delivery options: open when one of them is refused, or set to anything but the defaults. */
const OPTION_FIELDS: readonly string[] = ['ordering', 'healthCheck', 'retrySchedule', 'timeout'];
const MAILTO = 'mailto:';

const HTTP_METHODS: readonly HttpMethod[] = ['POST', 'PUT', 'PATCH'];

export function WebhookForm({
  initial,
  submitLabel,
  onSubmit,
  problem,
  busy,
}: {
  initial: WebhookFieldsFragment | null;
  submitLabel: string;
  onSubmit(values: WebhookFormValues): void;
  problem: ApiError | null;
  busy: boolean;
}) {
  const id = useId();
  const catalog = useQuery(CatalogDocument, {});
  const [name, setName] = useState(initial?.name ?? '');
  const [channel, setChannel] = useState<WebhookChannel>(initial?.channel ?? 'HTTP');
  const [url, setUrl] = useState(initial?.channel === 'EMAIL' ? '' : (initial?.url ?? ''));
  const [addresses, setAddresses] = useState(initial?.channel === 'EMAIL' ? initial.url.slice(MAILTO.length).split(',').join(', ') : '');
  const [ordering, setOrdering] = useState<DeliveryOrdering>(initial?.ordering ?? 'NONE');
  const [healthCheck, setHealthCheck] = useState(initial?.healthCheck ?? false);
  const [ownSchedule, setOwnSchedule] = useState(initial?.retrySchedule != null);
  const [retrySchedule, setRetrySchedule] = useState((initial?.retrySchedule ?? []).join(', '));
  const [timeout, setTimeoutValue] = useState(initial?.timeout ?? '');
  const [optionsOpen, setOptionsOpen] = useState(
    initial !== null && (initial.ordering !== 'NONE' || initial.healthCheck || initial.retrySchedule !== null || initial.timeout !== null),
  );
  const [description, setDescription] = useState(initial?.description ?? '');
  const [events, setEvents] = useState<Set<string>>(() => new Set(initial?.events ?? []));
  const [httpMethod, setHttpMethod] = useState<HttpMethod>(initial?.httpMethod ?? 'POST');
  const [sendData, setSendData] = useState(initial?.sendData ?? true);
  const [rateLimit, setRateLimit] = useState(initial?.rateLimitPerSecond != null ? String(initial.rateLimitPerSecond) : '');
  const [active, setActive] = useState(initial?.active ?? true);
  const [replaceHeaders, setReplaceHeaders] = useState(initial === null);
  const [headers, setHeaders] = useState<HeaderInput[]>([]);
  const [transform, setTransform] = useState(initial?.transform ?? '');
  const [localProblem, setLocalProblem] = useState<{ field: string; message: string } | null>(null);

  // The form's own checks speak like the service's refusals, in the same place.
  const shown = useMemo(() => (localProblem ? new ApiError(localProblem.message, 'BAD_USER_INPUT', localProblem.field) : problem), [localProblem, problem]);
  const invalid = (field: string) => (shown?.field === field ? true : undefined);
  const describedBy = (field: string, hint?: string) => [hint, shown?.field === field ? `${id}-${field}-problem` : undefined].filter(Boolean).join(' ') || undefined;
  const types = catalog.data?.eventTypes ?? [];
  // The preview offers the webhook's own types first, then the rest of the platform's.
  const previewTypes = useMemo(() => {
    const eligible = types.filter((type) => type.category !== TEST_CATEGORY);
    const own = eligible.filter((type) => covers([...events], type));
    return [...own, ...eligible.filter((type) => !own.includes(type))];
  }, [types, events]);
  const toggle = (pattern: string, on: boolean) =>
    setEvents((previous) => {
      const next = new Set(previous);
      if (on) next.add(pattern);
      else next.delete(pattern);
      return next;
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (events.size === 0) {
      setLocalProblem({ field: 'events', message: 'Choose at least one event.' });
      return;
    }
    const rate = rateLimit.trim() === '' ? null : Number(rateLimit);
    if (rate !== null && (!Number.isInteger(rate) || rate < 1)) {
      setLocalProblem({ field: 'rateLimitPerSecond', message: 'The rate limit must be a whole number of requests a second, 1 or more, or empty for none.' });
      return;
    }
    const email = channel === 'EMAIL';
    const list = addresses.split(/[,;\s]+/).filter((address) => address !== '');
    if (email && list.length === 0) {
      setLocalProblem({ field: 'url', message: 'Give at least one e-mail address.' });
      return;
    }
    setLocalProblem(null);
    onSubmit({
      name: name.trim(),
      url: email ? `${MAILTO}${list.join(',')}` : url.trim(),
      ordering,
      // Health checks GET an HTTP endpoint: an e-mail webhook has none.
      healthCheck: !email && healthCheck,
      retrySchedule: ownSchedule ? retrySchedule.split(',').map((delay) => delay.trim()).filter((delay) => delay !== '') : null,
      timeout: timeout.trim() === '' ? null : timeout.trim(),
      description: description.trim() === '' ? null : description,
      events: [...events],
      httpMethod,
      sendData,
      rateLimitPerSecond: rate,
      active,
      headers: replaceHeaders ? headers.filter((header) => header.name.trim() !== '').map((header) => ({ name: header.name.trim(), value: header.value })) : null,
      transform: transform.trim() === '' ? null : transform,
    });
  };

  const elsewhere = shown && !(shown.field && FORM_FIELDS.includes(shown.field));
  return (
    <form className="form" onSubmit={submit} noValidate aria-describedby={elsewhere ? `${id}-problem` : undefined}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} aria-invalid={invalid('name')} aria-describedby={describedBy('name')} />
        <FieldProblem problem={shown} fields={['name']} id={`${id}-name-problem`} />
      </div>
      <div className="field-row channel-row">
        <div className="field channel">
          <label htmlFor={`${id}-channel`}>Delivered by</label>
          <select id={`${id}-channel`} value={channel} onChange={(e) => setChannel(e.target.value as WebhookChannel)}>
            <option value="HTTP">HTTP request</option>
            <option value="EMAIL">E-mail</option>
          </select>
        </div>
        {channel === 'HTTP' ? (
          <div className="field">
            <label htmlFor={`${id}-url`}>Endpoint URL</label>
            <input
              id={`${id}-url`}
              type="url"
              inputMode="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              placeholder="https://example.com/webhooks/hookstream"
              aria-invalid={invalid('url')}
              aria-describedby={describedBy('url', `${id}-url-hint`)}
            />
            <FieldProblem problem={shown} fields={['url']} id={`${id}-url-problem`} />
            <p id={`${id}-url-hint`} className="hint">
              Hookstream sends each event here as a signed HTTP request (Standard Webhooks headers).
            </p>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={`${id}-addresses`}>E-mail addresses</label>
            <input
              id={`${id}-addresses`}
              type="text"
              inputMode="email"
              value={addresses}
              onChange={(e) => setAddresses(e.target.value)}
              required
              placeholder="front-desk@hotel.example, night@hotel.example"
              aria-invalid={invalid('url')}
              aria-describedby={describedBy('url', `${id}-addresses-hint`)}
            />
            <FieldProblem problem={shown} fields={['url']} id={`${id}-url-problem`} />
            <p id={`${id}-addresses-hint`} className="hint">
              One to five addresses, separated by commas. Each event is one e-mail: the signed JSON body as the text and as an attachment, the signature in
              its headers.
            </p>
          </div>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <textarea id={`${id}-description`} value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={1000} aria-invalid={invalid('description')} aria-describedby={describedBy('description')} />
        <FieldProblem problem={shown} fields={['description']} id={`${id}-description-problem`} />
      </div>

      {catalog.error && <ErrorMessage error={catalog.error} what="the event types" />}
      {catalog.loading && !catalog.data && <Loading what="event types" />}
      {catalog.data && (
        <EventPicker
          types={types}
          events={events}
          onToggle={toggle}
          invalid={invalid('events') === true}
          describedBy={describedBy('events')}
        />
      )}
      <FieldProblem problem={shown} fields={['events']} id={`${id}-events-problem`} />

      <div className="field-row">
        {channel === 'HTTP' && (
          <div className="field">
            <label htmlFor={`${id}-method`}>HTTP method</label>
            <select id={`${id}-method`} value={httpMethod} onChange={(e) => setHttpMethod(e.target.value as HttpMethod)}>
              {HTTP_METHODS.map((method) => (
                <option key={method} value={method}>
                  {method}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-rate`}>Rate limit, requests a second (optional)</label>
          <input
            id={`${id}-rate`}
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={rateLimit}
            onChange={(e) => setRateLimit(e.target.value)}
            aria-invalid={invalid('rateLimitPerSecond')}
            aria-describedby={describedBy('rateLimitPerSecond')}
          />
          <FieldProblem problem={shown} fields={['rateLimitPerSecond']} id={`${id}-rateLimitPerSecond-problem`} />
        </div>
      </div>
      <div className="check">
        <input id={`${id}-send-data`} type="checkbox" checked={sendData} onChange={(e) => setSendData(e.target.checked)} aria-describedby={`${id}-send-data-hint`} />
        <label htmlFor={`${id}-send-data`}>Send the full data</label>
        <span id={`${id}-send-data-hint`} className="hint">
          Off: the body's <code>data</code> holds only the entity's <code>id</code>.
        </span>
      </div>
      <details className="delivery-options" open={optionsOpen || OPTION_FIELDS.includes(shown?.field ?? '')} onToggle={(e) => setOptionsOpen(e.currentTarget.open)}>
        <summary>Ordering, health checks, retries and timeout</summary>
        <div className="field">
          <label htmlFor={`${id}-ordering`}>Ordering</label>
          <select id={`${id}-ordering`} value={ordering} onChange={(e) => setOrdering(e.target.value as DeliveryOrdering)} aria-invalid={invalid('ordering')} aria-describedby={describedBy('ordering', `${id}-ordering-hint`)}>
            {ORDERINGS.map((value) => (
              <option key={value} value={value}>
                {ORDERING_LABELS[value]}
              </option>
            ))}
          </select>
          <FieldProblem problem={shown} fields={['ordering']} id={`${id}-ordering-problem`} />
          <p id={`${id}-ordering-hint`} className="hint">
            The key is each event's ordering key (by default the entity's id): other keys never wait.
          </p>
        </div>
        {channel === 'HTTP' && (
          <div className="check">
            <input id={`${id}-health-check`} type="checkbox" checked={healthCheck} onChange={(e) => setHealthCheck(e.target.checked)} aria-invalid={invalid('healthCheck')} aria-describedby={describedBy('healthCheck', `${id}-health-check-hint`)} />
            <label htmlFor={`${id}-health-check`}>Health checks</label>
            <span id={`${id}-health-check-hint`} className="hint">
              A <code>GET</code> of the endpoint (no body, no signature) when saved or re-enabled and, while it fails, every few minutes; 2xx is healthy.
            </span>
            <FieldProblem problem={shown} fields={['healthCheck']} id={`${id}-healthCheck-problem`} />
          </div>
        )}
        <fieldset className="retries">
          <legend>Retries and timeout</legend>
          <div className="check">
            <input id={`${id}-own-schedule`} type="checkbox" checked={ownSchedule} onChange={(e) => setOwnSchedule(e.target.checked)} />
            <label htmlFor={`${id}-own-schedule`}>Own retry schedule (instead of the service's)</label>
          </div>
          {ownSchedule && (
            <div className="field">
              <label htmlFor={`${id}-retry-schedule`}>Delays before each retry</label>
              <input
                id={`${id}-retry-schedule`}
                value={retrySchedule}
                onChange={(e) => setRetrySchedule(e.target.value)}
                placeholder="30s, 5m, 1h"
                spellCheck={false}
                aria-invalid={invalid('retrySchedule')}
                aria-describedby={describedBy('retrySchedule', `${id}-retry-schedule-hint`)}
              />
              <FieldProblem problem={shown} fields={['retrySchedule']} id={`${id}-retrySchedule-problem`} />
              <p id={`${id}-retry-schedule-hint`} className="hint">
                Durations (<code>ms</code>, <code>s</code>, <code>m</code>, <code>h</code>, <code>d</code>), separated by commas; empty: no retries. Never more
                or longer ones than the service's own schedule.
              </p>
            </div>
          )}
          <div className="field">
            <label htmlFor={`${id}-timeout`}>Timeout per attempt (optional)</label>
            <input
              id={`${id}-timeout`}
              value={timeout}
              onChange={(e) => setTimeoutValue(e.target.value)}
              placeholder="the service's"
              spellCheck={false}
              aria-invalid={invalid('timeout')}
              aria-describedby={describedBy('timeout', `${id}-timeout-hint`)}
            />
            <FieldProblem problem={shown} fields={['timeout']} id={`${id}-timeout-problem`} />
            <p id={`${id}-timeout-hint`} className="hint">
              A duration such as <code>10s</code>, at most the service's delivery timeout.
            </p>
          </div>
        </fieldset>
      </details>
      {initial === null && (
        <div className="check">
          <input id={`${id}-active`} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          <label htmlFor={`${id}-active`}>Active (deliver events from now on)</label>
        </div>
      )}

      {catalog.data && <TransformEditor transform={transform} onChange={setTransform} types={previewTypes} problem={shown} />}

      {channel === 'HTTP' && (
        <fieldset aria-invalid={invalid('headers')} aria-describedby={describedBy('headers')}>
          <legend>Custom headers</legend>
          <FieldProblem problem={shown} fields={['headers']} id={`${id}-headers-problem`} />
          {initial !== null && (
            <>
              <p className="hint">
                {initial.headerNames.length
                  ? `Sent now: ${initial.headerNames.join(', ')}. Values are write-only and never shown.`
                  : 'No custom headers are sent now.'}
              </p>
              <div className="check">
                <input id={`${id}-replace-headers`} type="checkbox" checked={replaceHeaders} onChange={(e) => setReplaceHeaders(e.target.checked)} />
                <label htmlFor={`${id}-replace-headers`}>Replace all custom headers</label>
              </div>
            </>
          )}
          {replaceHeaders && <HeadersEditor headers={headers} onChange={setHeaders} idPrefix={id} />}
        </fieldset>
      )}

      <div id={`${id}-problem`} aria-live="assertive">
        {elsewhere && <p className="message message-error">{shown.message}</p>}
        {shown && !elsewhere && <p className="message message-error">The webhook was not saved: see the highlighted field above.</p>}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : submitLabel}
      </button>
    </form>
  );
}

function HeadersEditor({ headers, onChange, idPrefix }: { headers: HeaderInput[]; onChange(headers: HeaderInput[]): void; idPrefix: string }) {
  const update = (index: number, change: Partial<HeaderInput>) => onChange(headers.map((header, i) => (i === index ? { ...header, ...change } : header)));
  return (
    <div className="rows">
      {headers.length === 0 && <p className="hint">None. Add e.g. an Authorization header your endpoint expects.</p>}
      {headers.map((header, index) => (
        <div className="row" key={index}>
          <div className="field">
            <label htmlFor={`${idPrefix}-header-${index}-name`}>Header {index + 1} name</label>
            <input id={`${idPrefix}-header-${index}-name`} value={header.name} onChange={(e) => update(index, { name: e.target.value })} autoComplete="off" spellCheck={false} />
          </div>
          <div className="field">
            <label htmlFor={`${idPrefix}-header-${index}-value`}>Header {index + 1} value</label>
            <input id={`${idPrefix}-header-${index}-value`} value={header.value} onChange={(e) => update(index, { value: e.target.value })} autoComplete="off" spellCheck={false} />
          </div>
          <button type="button" onClick={() => onChange(headers.filter((_, i) => i !== index))} aria-label={`Remove header ${index + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...headers, { name: '', value: '' }])}>
        Add header
      </button>
    </div>
  );
}
