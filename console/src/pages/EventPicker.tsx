// Choosing a webhook's events from the platform's catalog, for catalogs of 5 types or 40: the platform's types by
// category, each category collapsed to one line until opened (or until the search finds something in it), with each
// type's description and example payload; Hookstream's own notices (`hookstream.*`) in a section of their own, since
// `*` does not include them; `webhook.test` not at all (it is sent on request).
import { useId, useMemo, useState } from 'react';
import { covers, groupByCategory, matchesSearch, TEST_CATEGORY, type CatalogEventType } from '../catalog';
import { JsonBlock } from '../components';

export function EventPicker({
  types,
  events,
  onToggle,
  invalid,
  describedBy,
}: {
  types: readonly CatalogEventType[];
  events: ReadonlySet<string>;
  onToggle(pattern: string, on: boolean): void;
  invalid: boolean;
  describedBy: string | undefined;
}) {
  const id = useId();
  const [search, setSearch] = useState('');
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const platformTypes = useMemo(() => types.filter((type) => !type.operational && type.category !== TEST_CATEGORY), [types]);
  const operationalTypes = useMemo(() => types.filter((type) => type.operational), [types]);
  const searching = search.trim() !== '';
  const groups = useMemo(
    () =>
      groupByCategory(platformTypes)
        .map(([category, members]) => [category, searching ? members.filter((type) => matchesSearch(type, search)) : members] as const)
        .filter(([, members]) => members.length > 0),
    [platformTypes, search, searching],
  );
  const patterns = [...events];
  const allEvents = events.has('*');
  const operationalChosen = operationalTypes.filter((type) => covers(patterns, type)).length;
  // Open when the webhook already takes some (editing), closed otherwise: most webhooks take none.
  const [operationalOpen, setOperationalOpen] = useState(() => operationalChosen > 0);
  const setOpen = (category: string, open: boolean) =>
    setOpened((previous) => {
      if (previous.has(category) === open) return previous;
      const next = new Set(previous);
      if (open) next.add(category);
      else next.delete(category);
      return next;
    });

  return (
    <>
      <fieldset className="events" aria-invalid={invalid || undefined} aria-describedby={describedBy}>
        <legend>Events</legend>
        <div className="check">
          <input id={`${id}-all`} type="checkbox" checked={allEvents} onChange={(e) => onToggle('*', e.target.checked)} />
          <label htmlFor={`${id}-all`}>
            Every event of the platform <code>*</code>
          </label>
          <span className="hint">{platformTypes.length} types, and any added later.</span>
        </div>
        <div className="field event-search">
          <label htmlFor={`${id}-search`}>Find an event type</label>
          <input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="e.g. booking, invoice, cancelled" autoComplete="off" />
        </div>
        {searching && groups.length === 0 && <p className="muted">No event type matches “{search}”.</p>}
        {groups.map(([category, members]) => {
          const wildcard = `${category}.*`;
          const wholeCategory = allEvents || events.has(wildcard);
          const all = platformTypes.filter((type) => type.category === category);
          const chosen = all.filter((type) => covers(patterns, type)).length;
          return (
            <details
              key={category}
              className="event-category"
              open={searching || opened.has(category)}
              onToggle={(e) => !searching && setOpen(category, e.currentTarget.open)}
              data-category={category}
            >
              <summary>
                <span className="category-name">{category}</span>{' '}
                <span className="muted">
                  {chosen === 0 ? `${all.length} event type${all.length === 1 ? '' : 's'}` : chosen === all.length ? `all ${all.length} chosen` : `${chosen} of ${all.length} chosen`}
                </span>
              </summary>
              <fieldset className="event-category-body" disabled={allEvents}>
                <legend className="visually-hidden">{category} events</legend>
                <div className="check">
                  <input id={`${id}-${category}`} type="checkbox" checked={events.has(wildcard)} onChange={(e) => onToggle(wildcard, e.target.checked)} />
                  <label htmlFor={`${id}-${category}`}>
                    Every {category} event <code>{wildcard}</code>
                  </label>
                </div>
                <ul className="event-list">
                  {members.map((type) => (
                    <EventTypeChoice key={type.name} type={type} idPrefix={id} checked={wholeCategory || events.has(type.name)} disabled={wholeCategory} onToggle={onToggle} />
                  ))}
                </ul>
              </fieldset>
            </details>
          );
        })}
        {/* Patterns the catalog does not list (e.g. from an older catalog) stay visible and removable. */}
        {patterns
          .filter((pattern) => pattern !== '*' && !pattern.endsWith('.*') && !types.some((type) => type.name === pattern))
          .map((pattern) => (
            <div className="check" key={pattern}>
              <input id={`${id}-other-${pattern}`} type="checkbox" checked onChange={() => onToggle(pattern, false)} />
              <label htmlFor={`${id}-other-${pattern}`}>{pattern}</label>
              <span className="hint">not in the platform's catalog any more</span>
            </div>
          ))}
      </fieldset>

      {operationalTypes.length > 0 && (
        <details className="events operational" open={operationalOpen} onToggle={(e) => setOperationalOpen(e.currentTarget.open)}>
          <summary>
            <span className="category-name">Notices from Hookstream</span>{' '}
            <span className="muted">{operationalChosen === 0 ? `${operationalTypes.length} event types` : `${operationalChosen} of ${operationalTypes.length} chosen`}</span>
          </summary>
          <fieldset className="event-category-body" aria-describedby={`${id}-operational-hint`}>
            <legend className="visually-hidden">Notices from Hookstream</legend>
            <p id={`${id}-operational-hint`} className="hint">
              Hookstream's own events about this account's webhooks, e.g. to alert someone by e-mail. “Every event of the platform” does not include them.
            </p>
            <div className="check">
              <input id={`${id}-hookstream`} type="checkbox" checked={events.has('hookstream.*')} onChange={(e) => onToggle('hookstream.*', e.target.checked)} />
              <label htmlFor={`${id}-hookstream`}>
                Every notice <code>hookstream.*</code>
              </label>
            </div>
            <ul className="event-list">
              {operationalTypes.map((type) => (
                <EventTypeChoice
                  key={type.name}
                  type={type}
                  idPrefix={id}
                  checked={events.has('hookstream.*') || events.has(type.name)}
                  disabled={events.has('hookstream.*')}
                  onToggle={onToggle}
                />
              ))}
            </ul>
          </fieldset>
        </details>
      )}
    </>
  );
}

function EventTypeChoice({
  type,
  idPrefix,
  checked,
  disabled,
  onToggle,
}: {
  type: CatalogEventType;
  idPrefix: string;
  checked: boolean;
  disabled: boolean;
  onToggle(pattern: string, on: boolean): void;
}) {
  const inputId = `${idPrefix}-${type.name}`;
  return (
    <li className="check event-type" data-event-type={type.name}>
      <input id={inputId} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onToggle(type.name, e.target.checked)} aria-describedby={`${inputId}-description`} />
      <label htmlFor={inputId}>{type.name}</label>
      <span id={`${inputId}-description`} className="hint">
        {type.description}
        {type.deprecated ? ' (deprecated)' : ''}
        {type.version ? ` · version ${type.version}` : ''}
      </span>
      {type.example != null && (
        <details className="example">
          <summary>Example payload</summary>
          <JsonBlock value={type.example} label={`Example data of ${type.name}`} />
        </details>
      )}
    </li>
  );
}
