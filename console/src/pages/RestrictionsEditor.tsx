// A webhook's restrictions: booking events pass only when their resource/service (or its group/category) is listed.
// Saved all at once with setWebhookRestrictions (an empty list removes them).
import { SetWebhookRestrictionsDocument, type RestrictionItemInput, type RestrictionType, type WebhookFieldsFragment } from '@sdk/generated';
import { useId, useState, type FormEvent } from 'react';
import { OutcomeMessage } from '../components';
import { subscribesToBookings } from '../format';
import { useAction, useSession } from '../hooks';

const RESTRICTION_TYPES: readonly { value: RestrictionType; label: string }[] = [
  { value: 'RESOURCE', label: 'Resource' },
  { value: 'RESOURCE_GROUP', label: 'Resource group' },
  { value: 'RESOURCE_CATEGORY', label: 'Resource category' },
  { value: 'SERVICE', label: 'Service' },
  { value: 'SERVICE_GROUP', label: 'Service group' },
];

export function RestrictionsEditor({ webhook, onSaved }: { webhook: WebhookFieldsFragment; onSaved(): void }) {
  const { api } = useSession();
  const id = useId();
  const [rows, setRows] = useState<RestrictionItemInput[]>(() => webhook.restrictions.map(({ type, targetId }) => ({ type, targetId })));
  const action = useAction();
  const allowed = subscribesToBookings(webhook.events);

  const update = (index: number, change: Partial<RestrictionItemInput>) => setRows((previous) => previous.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const save = (event: FormEvent) => {
    event.preventDefault();
    const restrictions = rows.filter((row) => row.targetId.trim() !== '').map((row) => ({ type: row.type, targetId: row.targetId.trim() }));
    void action.run(async () => {
      const { setWebhookRestrictions } = await api.call(SetWebhookRestrictionsDocument, { webhookId: webhook.id, restrictions });
      setRows(setWebhookRestrictions.webhook.restrictions.map(({ type, targetId }) => ({ type, targetId })));
      onSaved();
      return restrictions.length ? `Saved ${restrictions.length} restriction${restrictions.length === 1 ? '' : 's'}.` : 'Restrictions removed: every booking event passes.';
    });
  };

  if (!allowed && webhook.restrictions.length === 0) {
    return <p className="hint">Restrictions apply to booking events only; this webhook subscribes to no <code>bookings.*</code> event.</p>;
  }
  return (
    <form className="form" onSubmit={save}>
      <p className="hint">
        With no restrictions every booking event passes. With some, a booking event passes when any of them matches its resource,
        service, group or category.
      </p>
      <div className="rows">
        {rows.length === 0 && <p className="muted">No restrictions.</p>}
        {rows.map((row, index) => (
          <div className="row" key={index}>
            <div className="field">
              <label htmlFor={`${id}-${index}-type`}>Restriction {index + 1} type</label>
              <select id={`${id}-${index}-type`} value={row.type} onChange={(e) => update(index, { type: e.target.value as RestrictionType })}>
                {RESTRICTION_TYPES.map((type) => (
                  <option key={type.value} value={type.value}>
                    {type.label}
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
        <button type="button" onClick={() => setRows((previous) => [...previous, { type: 'RESOURCE', targetId: '' }])}>
          Add restriction
        </button>
      </div>
      <OutcomeMessage outcome={action.outcome} />
      <button type="submit" className="primary" disabled={action.busy}>
        Save restrictions
      </button>
    </form>
  );
}
