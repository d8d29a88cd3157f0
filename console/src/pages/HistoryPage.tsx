// The call history, of one webhook or of the whole account: filterable by status, event type and time, paged with
// cursors, and live. deliveryUpdated puts a new delivery at the top of the first page and changes a listed row's
// status in place, without reloading. Changes that arrive while a page loads are replayed onto it once it is there.
import {
  ConsoleDeliveriesDocument,
  ConsoleDeliveryLatestDocument,
  ConsoleDeliveryUpdatedDocument,
  ConsoleWebhookDocument,
  EventTypesDocument,
  type ConsoleDeliveriesQuery,
  type ConsoleDeliveryRowFragment,
  type DeliveryFilter,
  type DeliveryStatus,
} from '@sdk/generated';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { toApiError, type ApiError } from '../api';
import { ActiveBadge, ErrorMessage, Loading, PageHeading, Pager, pageLinks, StatusBadge, Time } from '../components';
import { DELIVERY_STATUSES, formatDateTime, isoToLocalInput, isScheduled, localInputToIso, STATUS_LABELS } from '../format';
import { useLiveState, usePermissions, useQuery, useSession, useSubscription } from '../hooks';
import { Link, navigate, paths } from '../router';
import { WebhookActions } from './WebhookActions';

const PAGE_SIZE = 25;

type Row = ConsoleDeliveryRowFragment;
type Page = { rows: Row[]; totalCount: number; pageInfo: ConsoleDeliveriesQuery['deliveries']['pageInfo'] };
type Filters = { status: DeliveryStatus[]; eventType: string | null; since: string | null; until: string | null };

function readFilters(params: URLSearchParams): Filters {
  return {
    status: params.getAll('status').filter((value): value is DeliveryStatus => (DELIVERY_STATUSES as readonly string[]).includes(value)),
    eventType: params.get('eventType') || null,
    since: params.get('since') || null,
    until: params.get('until') || null,
  };
}

function filterParams(filters: Filters, cursor: { after?: string; before?: string } | null = null): string {
  const params = new URLSearchParams();
  for (const status of filters.status) params.append('status', status);
  if (filters.eventType) params.set('eventType', filters.eventType);
  if (filters.since) params.set('since', filters.since);
  if (filters.until) params.set('until', filters.until);
  if (cursor?.after) params.set('after', cursor.after);
  if (cursor?.before) params.set('before', cursor.before);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The server's DeliveryFilter, checked again here for deliveries that arrive live. */
function matchesFilters(row: Row, filters: Filters, webhookId: string | null): boolean {
  if (webhookId && row.webhook.id !== webhookId) return false;
  if (filters.status.length && !filters.status.includes(row.status)) return false;
  if (filters.eventType && row.eventType !== filters.eventType) return false;
  const created = Date.parse(row.createdAt);
  if (filters.since && created < Date.parse(filters.since)) return false;
  if (filters.until && created >= Date.parse(filters.until)) return false;
  return true;
}

/** Newest first, as the server orders them: createdAt, then id. */
function newestFirst(a: Row, b: Row): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function HistoryPage({ webhookId, search }: { webhookId: string | null; search: string }) {
  const { api } = useSession();
  const params = new URLSearchParams(search);
  const filters = readFilters(params);
  const after = params.get('after');
  const before = params.get('before');
  const onFirstPage = !after && !before;
  const basePath = webhookId ? paths.webhookHistory(webhookId) : paths.history();

  const filter: DeliveryFilter = {
    ...(webhookId ? { webhookId } : {}),
    ...(filters.status.length ? { status: filters.status } : {}),
    ...(filters.eventType ? { eventType: filters.eventType } : {}),
    ...(filters.since ? { since: filters.since } : {}),
    ...(filters.until ? { until: filters.until } : {}),
  };
  const variablesKey = JSON.stringify(before ? { last: PAGE_SIZE, before, filter } : { first: PAGE_SIZE, after, filter });
  const filtersKey = JSON.stringify(filters);

  const [page, setPageState] = useState<Page | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [arrivedElsewhere, setArrivedElsewhere] = useState(0);
  const arrivedElsewhereIds = useRef(new Set<string>());
  const [arrivedHere, setArrivedHere] = useState(0);
  const [freshIds, setFreshIds] = useState<ReadonlySet<string>>(new Set());
  // The page as last set, readable synchronously by the subscription handler (state updates are deferred).
  const pageRef = useRef<Page | null>(null);
  const loadingRef = useRef(true);
  const heldChanges = useRef<Row[]>([]);
  const latestRequest = useRef(0);

  const setPage = (next: Page | null) => {
    pageRef.current = next;
    setPageState(next);
  };

  const replaceRow = (row: Row) => {
    const current = pageRef.current;
    if (!current) return;
    const index = current.rows.findIndex((existing) => existing.id === row.id);
    if (index < 0) return;
    const rows = [...current.rows];
    rows[index] = row;
    setPage({ ...current, rows });
  };

  /**
   * One delivery change. A listed row changes in place. An unlisted one that now matches the filters goes where it
   * belongs by creation time: newer than everything listed means new, at the top of the first page (other pages count
   * it and offer a link); within the page's range it is inserted; older rows belong to later pages.
   */
  const applyChange = (row: Row, heldDuringLoad: boolean) => {
    const current = pageRef.current;
    if (!current) return;
    if (current.rows.some((existing) => existing.id === row.id)) {
      // A change held while the page loaded may be older than what the page shows: read the row as it is now.
      if (heldDuringLoad) {
        void api.call(ConsoleDeliveryLatestDocument, { id: row.id }).then(({ delivery }) => delivery && replaceRow(delivery), () => {});
      } else {
        replaceRow(row);
      }
      return;
    }
    if (!matchesFilters(row, JSON.parse(filtersKey) as Filters, webhookId)) return;
    const newest = current.rows[0];
    const oldest = current.rows[current.rows.length - 1];
    const isNewest = !newest || newestFirst(row, newest) < 0;
    if (isNewest && !onFirstPage) {
      if (!arrivedElsewhereIds.current.has(row.id)) {
        arrivedElsewhereIds.current.add(row.id);
        setArrivedElsewhere(arrivedElsewhereIds.current.size);
        setPage({ ...current, totalCount: current.totalCount + 1 });
      }
      return;
    }
    const withinPage = isNewest || (oldest && newestFirst(row, oldest) <= 0) || (!before && !current.pageInfo.hasNextPage);
    if (!withinPage) return;
    setPage({ ...current, rows: [...current.rows, row].sort(newestFirst), totalCount: current.totalCount + 1 });
    if (isNewest) setArrivedHere((count) => count + 1);
    setFreshIds((previous) => new Set(previous).add(row.id));
  };

  const load = useCallback(
    async (quiet: boolean) => {
      const request = ++latestRequest.current;
      loadingRef.current = true;
      heldChanges.current = [];
      if (!quiet) setLoading(true);
      try {
        const { deliveries } = await api.call(ConsoleDeliveriesDocument, JSON.parse(variablesKey));
        if (request !== latestRequest.current) return;
        setPage({ rows: deliveries.edges.map((edge) => edge.node), totalCount: deliveries.totalCount, pageInfo: deliveries.pageInfo });
        setError(null);
      } catch (caught) {
        if (request !== latestRequest.current) return;
        setError(toApiError(caught));
      }
      loadingRef.current = false;
      setLoading(false);
      const held = heldChanges.current;
      heldChanges.current = [];
      for (const row of held) applyChange(row, true);
    },
    // applyChange depends on nothing but refs and what variablesKey already encodes (cursors, filters, webhook).
    [api, variablesKey],
  );

  useEffect(() => {
    arrivedElsewhereIds.current = new Set();
    setArrivedElsewhere(0);
    setArrivedHere(0);
    setFreshIds(new Set());
    void load(false);
  }, [load]);

  useSubscription(ConsoleDeliveryUpdatedDocument, webhookId ? { webhookId } : {}, ({ deliveryUpdated }) => {
    if (loadingRef.current) heldChanges.current.push(deliveryUpdated);
    else applyChange(deliveryUpdated, false);
  });
  // After a dropped connection, changes may have been missed: read the page again.
  const live = useLiveState(() => void load(true));

  const links = page
    ? pageLinks(page.pageInfo, { after, before }, (cursor) => `${basePath}${filterParams(filters, cursor)}`)
    : { first: null, previous: null, next: null };
  return (
    <>
      {webhookId ? <WebhookHeading webhookId={webhookId} /> : <PageHeading>Call history</PageHeading>}
      <FilterForm key={filtersKey} filters={filters} onApply={(next) => navigate(`${basePath}${filterParams(next)}`)} onClear={() => navigate(basePath)} />

      <p className="muted live-note" data-testid="history-live">
        {live === 'live'
          ? onFirstPage
            ? 'Live: new deliveries appear at the top, and statuses change in place.'
            : 'Live: statuses change in place; new deliveries are counted above.'
          : 'Live updates are reconnecting; the list may be behind.'}
      </p>
      <div className="visually-hidden" aria-live="polite">
        {arrivedHere > 0 && `${arrivedHere} new deliver${arrivedHere === 1 ? 'y' : 'ies'} added at the top.`}
      </div>
      {arrivedElsewhere > 0 && (
        <p className="message message-info" role="status">
          {arrivedElsewhere} new deliver{arrivedElsewhere === 1 ? 'y has' : 'ies have'} arrived.{' '}
          <Link to={`${basePath}${filterParams(filters)}`}>Show the newest</Link>
        </p>
      )}
      {error && <ErrorMessage error={error} what="the call history" />}
      {!page && loading && <Loading what="the call history" />}
      {page && page.rows.length === 0 && (
        <p className="empty">{Object.keys(filter).length > (webhookId ? 1 : 0) ? 'No deliveries match these filters.' : 'No deliveries yet. They appear here as events are published.'}</p>
      )}
      {page && page.rows.length > 0 && (
        <div className="table-wrap">
          <table className="history" aria-busy={loading}>
            <caption>
              {page.totalCount} deliver{page.totalCount === 1 ? 'y' : 'ies'}
              {loading ? ' (refreshing…)' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                {!webhookId && <th scope="col">Webhook</th>}
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last response</th>
                <th scope="col">
                  <span className="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((row) => (
                <tr key={row.id} data-delivery-id={row.id} data-status={row.status} className={freshIds.has(row.id) ? 'row-fresh' : undefined}>
                  <td>
                    <Time iso={row.createdAt} />
                  </td>
                  <td>
                    <code>{row.eventType}</code>
                    {row.orderingKey !== null && (
                      <div className="hint">
                        key <code>{row.orderingKey}</code>
                        {row.sequence !== null && ` · #${row.sequence}`}
                      </div>
                    )}
                  </td>
                  {!webhookId && (
                    <td>
                      <Link to={paths.webhook(row.webhook.id)}>{row.webhook.name}</Link>
                    </td>
                  )}
                  <td>
                    <StatusBadge status={row.status} />
                    {row.status === 'RETRYING' && row.nextAttemptAt && (
                      <div className="hint">
                        next attempt <Time iso={row.nextAttemptAt} />
                      </div>
                    )}
                    {isScheduled(row) && (
                      <div className="hint" data-testid="scheduled-for">
                        scheduled for <Time iso={row.nextAttemptAt} />
                      </div>
                    )}
                    {row.expiresAt && (row.status === 'PENDING' || row.status === 'RETRYING') && (
                      <div className="hint">
                        expires <Time iso={row.expiresAt} />
                      </div>
                    )}
                    {row.archived && <div className="hint">archived</div>}
                  </td>
                  <td className="number">
                    {row.attemptCount}
                    {row.manualRetries > 0 && <div className="hint">{row.manualRetries} manual</div>}
                  </td>
                  <td>
                    {row.lastResponseStatus != null ? `HTTP ${row.lastResponseStatus}` : row.attemptCount > 0 ? 'No response' : '—'}
                    {row.failureReason && row.status !== 'SUCCEEDED' && row.failureReason !== `HTTP ${row.lastResponseStatus}` && (
                      <div className="hint">{row.failureReason}</div>
                    )}
                  </td>
                  <td>
                    <Link to={paths.delivery(row.id)} aria-label={`Details of the ${row.eventType} delivery of ${formatDateTime(row.createdAt)}`}>
                      Details
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager {...links} labels={{ first: 'Newest', previous: '← Newer', next: 'Older →' }} />
    </>
  );
}

function WebhookHeading({ webhookId }: { webhookId: string }) {
  const { canChange } = usePermissions();
  const query = useQuery(ConsoleWebhookDocument, { id: webhookId });
  const webhook = query.data?.webhook;
  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.webhooks()}>Webhooks</Link> / {webhook ? <Link to={paths.webhook(webhook.id)}>{webhook.name}</Link> : '…'} / Call history
      </p>
      <div className="page-header">
        <PageHeading>Call history{webhook ? ` of ${webhook.name}` : ''}</PageHeading>
        {webhook && <ActiveBadge active={webhook.active} />}
      </div>
      {query.error && <ErrorMessage error={query.error} what="the webhook" />}
      {webhook && canChange && (
        <details className="panel">
          <summary>Send a test event or replay failed deliveries</summary>
          <WebhookActions webhookId={webhook.id} active={webhook.active} onDone={() => void query.refetch(true)} />
        </details>
      )}
    </>
  );
}

function FilterForm({ filters, onApply, onClear }: { filters: Filters; onApply(filters: Filters): void; onClear(): void }) {
  const id = useId();
  const catalog = useQuery(EventTypesDocument, {});
  const [status, setStatus] = useState<DeliveryStatus[]>(filters.status);
  const [eventType, setEventType] = useState(filters.eventType ?? '');
  const [since, setSince] = useState(isoToLocalInput(filters.since));
  const [until, setUntil] = useState(isoToLocalInput(filters.until));
  const active = filters.status.length > 0 || filters.eventType !== null || filters.since !== null || filters.until !== null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ status, eventType: eventType || null, since: localInputToIso(since), until: localInputToIso(until) });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter deliveries">
      <fieldset>
        <legend>Status</legend>
        {DELIVERY_STATUSES.map((value) => (
          <span className="check" key={value}>
            <input
              id={`${id}-${value}`}
              type="checkbox"
              checked={status.includes(value)}
              onChange={(e) => setStatus((previous) => (e.target.checked ? [...previous, value] : previous.filter((s) => s !== value)))}
            />
            <label htmlFor={`${id}-${value}`}>{STATUS_LABELS[value]}</label>
          </span>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-event-type`}>Event type</label>
        <select id={`${id}-event-type`} value={eventType} onChange={(e) => setEventType(e.target.value)}>
          <option value="">All event types</option>
          {(catalog.data?.eventTypes ?? []).map((type) => (
            <option key={type.name} value={type.name}>
              {type.name}
            </option>
          ))}
          {eventType && !catalog.data?.eventTypes.some((type) => type.name === eventType) && <option value={eventType}>{eventType}</option>}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-since`}>Created from</label>
        <input id={`${id}-since`} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-until`}>Created before</label>
        <input id={`${id}-until`} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
      </div>
      <div className="filter-buttons">
        <button type="submit" className="primary">
          Apply filters
        </button>
        {active && (
          <button type="button" onClick={onClear}>
            Clear filters
          </button>
        )}
      </div>
    </form>
  );
}
