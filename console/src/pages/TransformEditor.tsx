// A webhook's transform: a JSONata expression over the standard body, with a live preview of what the receiver would
// get (previewTransform over the chosen type's example), refreshed a moment after each change.
import { PreviewTransformDocument } from '@sdk/generated';
import { useEffect, useId, useState } from 'react';
import { toApiError } from '../api';
import type { CatalogEventType } from '../catalog';
import { FieldProblem, JsonBlock } from '../components';
import type { ApiError } from '../api';
import { useSession } from '../hooks';

const PREVIEW_DELAY_MS = 350;

export function TransformEditor({
  transform,
  onChange,
  types,
  problem,
}: {
  transform: string;
  onChange(transform: string): void;
  /** The types the preview may use: the webhook's own first. */
  types: readonly CatalogEventType[];
  problem: ApiError | null;
}) {
  const id = useId();
  const { api } = useSession();
  const [eventType, setEventType] = useState<string>('');
  const [preview, setPreview] = useState<{ body?: unknown; problem?: string } | null>(null);
  const invalid = problem?.field === 'transform';
  // Closed until wanted: most webhooks send the standard body. A refused transform opens it.
  const [open, setOpen] = useState(() => transform.trim() !== '');
  const chosenType = types.some((type) => type.name === eventType) ? eventType : (types[0]?.name ?? '');

  useEffect(() => {
    if (!chosenType || !(open || invalid)) return;
    let current = true;
    const timer = setTimeout(() => {
      api.call(PreviewTransformDocument, { transform, eventType: chosenType }).then(
        ({ previewTransform }) => current && setPreview({ body: previewTransform }),
        (error: unknown) => current && setPreview({ problem: toApiError(error).message }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, transform, chosenType, open, invalid]);

  return (
    <details className="transform" open={open || invalid} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <span className="category-name">Body transform</span> <span className="muted">{transform.trim() === '' ? 'optional: the standard body is sent' : 'set'}</span>
      </summary>
      <fieldset className="event-category-body">
      <legend className="visually-hidden">Body transform</legend>
      <div className="field">
        <label htmlFor={`${id}-expression`}>JSONata expression</label>
        <textarea
          id={`${id}-expression`}
          className="code-input"
          value={transform}
          onChange={(e) => onChange(e.target.value)}
          rows={3}
          spellCheck={false}
          placeholder={'e.g. { "type": event, "booking": data }'}
          aria-invalid={invalid || undefined}
          aria-describedby={`${id}-hint${invalid ? ` ${id}-problem` : ''}`}
        />
        <p id={`${id}-hint`} className="hint">
          Shapes the body the endpoint receives from <code>{'{event, event_id, webhook_id, triggered_at, occurred_at, data}'}</code>. Empty: that body as it is. The
          result is what is signed and sent.
        </p>
        <FieldProblem problem={problem} fields={['transform']} id={`${id}-problem`} />
      </div>
      {types.length > 0 && (
        <div className="transform-preview">
          <div className="field">
            <label htmlFor={`${id}-preview-type`}>Preview with the example of</label>
            <select id={`${id}-preview-type`} value={chosenType} onChange={(e) => setEventType(e.target.value)}>
              {types.map((type) => (
                <option key={type.name} value={type.name}>
                  {type.name}
                </option>
              ))}
            </select>
          </div>
          <div aria-live="polite" data-testid="transform-preview">
            {preview?.problem && <p className="field-problem">{preview.problem}</p>}
            {preview && !preview.problem && <JsonBlock value={preview.body} label="What the endpoint would receive" />}
          </div>
        </div>
      )}
      </fieldset>
    </details>
  );
}
