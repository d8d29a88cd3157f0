// Create and edit a webhook: name, endpoint, events (from the eventTypes catalog), method, payload shape, rate limit
// and custom headers. Header values are write-only: editing shows the names and replaces all headers only on request.
import { EventTypesDocument, type EventTypesQuery, type HeaderInput, type HttpMethod, type WebhookFieldsFragment } from '@sdk/generated';
import { useId, useMemo, useState, type FormEvent } from 'react';
import type { ApiError } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useQuery } from '../hooks';

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
};

const HTTP_METHODS: readonly HttpMethod[] = ['POST', 'PUT', 'PATCH'];

type EventType = EventTypesQuery['eventTypes'][number];

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
  const catalog = useQuery(EventTypesDocument, {});
  const [name, setName] = useState(initial?.name ?? '');
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [events, setEvents] = useState<Set<string>>(() => new Set(initial?.events ?? []));
  const [httpMethod, setHttpMethod] = useState<HttpMethod>(initial?.httpMethod ?? 'POST');
  const [sendData, setSendData] = useState(initial?.sendData ?? true);
  const [rateLimit, setRateLimit] = useState(initial?.rateLimitPerSecond != null ? String(initial.rateLimitPerSecond) : '');
  const [active, setActive] = useState(initial?.active ?? true);
  const [replaceHeaders, setReplaceHeaders] = useState(initial === null);
  const [headers, setHeaders] = useState<HeaderInput[]>([]);
  const [localProblem, setLocalProblem] = useState<string | null>(null);

  const categories = useMemo(() => groupByCategory(catalog.data?.eventTypes ?? []), [catalog.data]);
  const invalid = (field: string) => (problem?.field === field ? true : undefined);
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
      setLocalProblem('Choose at least one event.');
      return;
    }
    const rate = rateLimit.trim() === '' ? null : Number(rateLimit);
    if (rate !== null && (!Number.isInteger(rate) || rate < 1)) {
      setLocalProblem('The rate limit must be a whole number of requests a second, 1 or more, or empty for none.');
      return;
    }
    setLocalProblem(null);
    onSubmit({
      name: name.trim(),
      url: url.trim(),
      description: description.trim() === '' ? null : description,
      events: [...events],
      httpMethod,
      sendData,
      rateLimitPerSecond: rate,
      active,
      headers: replaceHeaders ? headers.filter((header) => header.name.trim() !== '').map((header) => ({ name: header.name.trim(), value: header.value })) : null,
    });
  };

  const allEvents = events.has('*');
  return (
    <form className="form" onSubmit={submit} noValidate aria-describedby={problem || localProblem ? `${id}-problem` : undefined}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} aria-invalid={invalid('name')} />
      </div>
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
          aria-describedby={`${id}-url-hint`}
        />
        <p id={`${id}-url-hint`} className="hint">
          Hookstream sends each event here as a signed HTTP request (Standard Webhooks headers).
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <textarea id={`${id}-description`} value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={1000} aria-invalid={invalid('description')} />
      </div>

      <fieldset className="events" aria-invalid={invalid('events')}>
        <legend>Events</legend>
        {catalog.error && <ErrorMessage error={catalog.error} what="the event types" />}
        {catalog.loading && !catalog.data && <Loading what="event types" />}
        <div className="check">
          <input id={`${id}-all`} type="checkbox" checked={allEvents} onChange={(e) => toggle('*', e.target.checked)} />
          <label htmlFor={`${id}-all`}>
            All events <code>*</code>
          </label>
        </div>
        {categories.map(([category, types]) => {
          const wildcard = `${category}.*`;
          const wholeCategory = allEvents || events.has(wildcard);
          return (
            <fieldset key={category} className="event-category" disabled={allEvents}>
              <legend>{category}</legend>
              <div className="check">
                <input id={`${id}-${category}`} type="checkbox" checked={events.has(wildcard)} onChange={(e) => toggle(wildcard, e.target.checked)} />
                <label htmlFor={`${id}-${category}`}>
                  Every {category} event <code>{wildcard}</code>
                </label>
              </div>
              <ul className="event-list">
                {types.map((type) => (
                  <li key={type.name} className="check">
                    <input
                      id={`${id}-${type.name}`}
                      type="checkbox"
                      checked={wholeCategory || events.has(type.name)}
                      disabled={wholeCategory}
                      onChange={(e) => toggle(type.name, e.target.checked)}
                      aria-describedby={`${id}-${type.name}-description`}
                    />
                    <label htmlFor={`${id}-${type.name}`}>{type.name}</label>
                    <span id={`${id}-${type.name}-description`} className="hint">
                      {type.description}
                    </span>
                  </li>
                ))}
              </ul>
            </fieldset>
          );
        })}
        {/* Patterns the catalog does not list (e.g. from an older catalog) stay visible and removable. */}
        {[...events]
          .filter((pattern) => pattern !== '*' && !pattern.endsWith('.*') && catalog.data && !catalog.data.eventTypes.some((type) => type.name === pattern))
          .map((pattern) => (
            <div className="check" key={pattern}>
              <input id={`${id}-other-${pattern}`} type="checkbox" checked onChange={() => toggle(pattern, false)} />
              <label htmlFor={`${id}-other-${pattern}`}>{pattern}</label>
            </div>
          ))}
      </fieldset>

      <div className="field-row">
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
        <div className="field">
          <label htmlFor={`${id}-rate`}>Rate limit, requests a second (optional)</label>
          <input id={`${id}-rate`} type="number" min={1} step={1} inputMode="numeric" value={rateLimit} onChange={(e) => setRateLimit(e.target.value)} aria-invalid={invalid('rateLimitPerSecond')} />
        </div>
      </div>
      <div className="check">
        <input id={`${id}-send-data`} type="checkbox" checked={sendData} onChange={(e) => setSendData(e.target.checked)} aria-describedby={`${id}-send-data-hint`} />
        <label htmlFor={`${id}-send-data`}>Send the full data</label>
        <span id={`${id}-send-data-hint`} className="hint">
          Off: the body's <code>data</code> holds only the entity's <code>id</code>.
        </span>
      </div>
      {initial === null && (
        <div className="check">
          <input id={`${id}-active`} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          <label htmlFor={`${id}-active`}>Active (deliver events from now on)</label>
        </div>
      )}

      <fieldset aria-invalid={invalid('headers')}>
        <legend>Custom headers</legend>
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

      <div id={`${id}-problem`} aria-live="assertive">
        {localProblem && <p className="message message-error">{localProblem}</p>}
        {problem && (
          <p className="message message-error">
            {problem.message}
            {problem.field ? ` (field: ${problem.field})` : ''}
          </p>
        )}
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

function groupByCategory(types: readonly EventType[]): [string, EventType[]][] {
  const groups = new Map<string, EventType[]>();
  for (const type of types) groups.set(type.category, [...(groups.get(type.category) ?? []), type]);
  return [...groups];
}
