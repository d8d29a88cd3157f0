// A webhook's restrictions, by the platform's context dimensions (anny's resources and services, a Channex or Sirvoy
// property…): an event of a dimension's categories passes only when its id for that dimension is listed. Saved all at
// once with setWebhookRestrictions (an empty list removes them).
import { CatalogDocument, SetWebhookRestrictionsDocument, type WebhookFieldsFragment } from '@sdk/generated';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { dimensionsFor } from '../catalog';
import { ErrorMessage, Loading, OutcomeMessage } from '../components';
import { useAction, useQuery, useSession } from '../hooks';

type Row = { dimension: string; targetId: string };

/** `resource_group` → `Resource group`. */
const labelOf = (dimension: string) => `${dimension.charAt(0).toUpperCase()}${dimension.slice(1).replace(/_/g, ' ')}`;

export function RestrictionsEditor({ webhook, onSaved }: { webhook: WebhookFieldsFragment; onSaved(): void }) {
  const { api } = useSession();
  const id = useId();
  const catalog = useQuery(CatalogDocument, {});
  const [rows, setRows] = useState<Row[]>(() => webhook.restrictions.map(({ dimension, targetId }) => ({ dimension, targetId })));
  const action = useAction();
  const allowed = useMemo(() => (catalog.data ? dimensionsFor(webhook.events, catalog.data) : []), [catalog.data, webhook.events]);

  if (catalog.error) return <ErrorMessage error={catalog.error} what="the context dimensions" />;
  if (!catalog.data) return <Loading what="the context dimensions" />;

  // Dimensions already in use stay selectable, even if the events have moved away from them since.
  const choices = [...allowed, ...catalog.data.contextDimensions.filter((dimension) => !allowed.includes(dimension) && rows.some((row) => row.dimension === dimension.name))];
  const categories = [...new Set(allowed.flatMap((dimension) => dimension.categories))];
  const update = (index: number, change: Partial<Row>) => setRows((previous) => previous.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const save = (event: FormEvent) => {
    event.preventDefault();
    const restrictions = rows.filter((row) => row.targetId.trim() !== '').map((row) => ({ dimension: row.dimension, targetId: row.targetId.trim() }));
    void action.run(async () => {
      const { setWebhookRestrictions } = await api.call(SetWebhookRestrictionsDocument, { webhookId: webhook.id, restrictions });
      setRows(setWebhookRestrictions.webhook.restrictions.map(({ dimension, targetId }) => ({ dimension, targetId })));
      onSaved();
      return restrictions.length ? `Saved ${restrictions.length} restriction${restrictions.length === 1 ? '' : 's'}.` : 'Restrictions removed: every event passes.';
    });
  };

  if (allowed.length === 0 && webhook.restrictions.length === 0) {
    return (
      <p className="hint">
        {catalog.data.contextDimensions.length === 0
          ? "This platform's catalog has no context dimensions to restrict by."
          : `Restrictions apply to ${[...new Set(catalog.data.contextDimensions.flatMap((dimension) => dimension.categories))].join(', ')} events; this webhook subscribes to none of them.`}
      </p>
    );
  }
  return (
    <form className="form" onSubmit={save}>
      <p className="hint">
        With no restrictions every event passes. With some, an event of {categories.map((category) => `${category}.*`).join(', ')} passes when any of them matches
        its {allowed.map((dimension) => labelOf(dimension.name).toLowerCase()).join(', ')}; other events are not filtered.
      </p>
      <div className="rows">
        {rows.length === 0 && <p className="muted">No restrictions.</p>}
        {rows.map((row, index) => (
          <div className="row" key={index}>
            <div className="field">
              <label htmlFor={`${id}-${index}-dimension`}>Restriction {index + 1} by</label>
              <select id={`${id}-${index}-dimension`} value={row.dimension} onChange={(e) => update(index, { dimension: e.target.value })}>
                {choices.map((dimension) => (
                  <option key={dimension.name} value={dimension.name} title={dimension.description}>
                    {labelOf(dimension.name)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-${index}-target`}>Restriction {index + 1} ID</label>
              <input id={`${id}-${index}-target`} value={row.targetId} onChange={(e) => update(index, { targetId: e.target.value })} maxLength={200} spellCheck={false} />
            </div>
            <button type="button" onClick={() => setRows((previous) => previous.filter((_, i) => i !== index))} aria-label={`Remove restriction ${index + 1}`}>
              Remove
            </button>
          </div>
        ))}
        {choices.length > 0 && (
          <button type="button" onClick={() => setRows((previous) => [...previous, { dimension: choices[0]!.name, targetId: '' }])}>
            Add restriction
          </button>
        )}
      </div>
      <OutcomeMessage outcome={action.outcome} />
      <button type="submit" className="primary" disabled={action.busy}>
        Save restrictions
      </button>
    </form>
  );
}
