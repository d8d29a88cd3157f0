// Small shared pieces: status badges (words and colour), times, JSON, messages, the secret shown once.
import type { DeliveryStatus } from '@sdk/generated';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from './api';
import { formatDateTime, formatJson, STATUS_LABELS } from './format';
import type { Outcome } from './hooks';
import { Link } from './router';

const STATUS_SYMBOLS: Readonly<Record<DeliveryStatus, string>> = Object.freeze({
  PENDING: '…',
  RETRYING: '↻',
  SUCCEEDED: '✓',
  FAILED: '✕',
  EXPIRED: '⌛',
  SUPERSEDED: '⤳',
});

export function StatusBadge({ status }: { status: DeliveryStatus }) {
  return (
    <span className={`badge status-${status.toLowerCase()}`} data-status={status}>
      <span aria-hidden="true">{STATUS_SYMBOLS[status]} </span>
      {STATUS_LABELS[status]}
    </span>
  );
}

/** The last health check of a webhook, in words and colour; none yet: not checked. */
export function HealthBadge({ health }: { health: { ok: boolean; checkedAt: string; responseStatus?: number | null; error?: string | null } | null | undefined }) {
  if (!health) return <span className="badge status-disabled">Not checked yet</span>;
  return (
    <span className={`badge ${health.ok ? 'status-succeeded' : 'status-failed'}`} data-health={health.ok ? 'ok' : 'failing'}>
      <span aria-hidden="true">{health.ok ? '♥' : '✕'} </span>
      {health.ok ? 'Healthy' : 'Unhealthy'}
    </span>
  );
}

export function ActiveBadge({ active }: { active: boolean }) {
  return (
    <span className={`badge ${active ? 'status-succeeded' : 'status-disabled'}`}>
      <span aria-hidden="true">{active ? '●' : '○'} </span>
      {active ? 'Active' : 'Disabled'}
    </span>
  );
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <>—</>;
  return <time dateTime={iso}>{formatDateTime(iso)}</time>;
}

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="code" tabIndex={0} aria-label={label}>
      {formatJson(value)}
    </pre>
  );
}

export function ErrorMessage({ error, what }: { error: ApiError; what: string }) {
  return (
    <p className="message message-error" role="alert">
      Could not load {what}: {error.message}
      {error.code !== 'UNKNOWN' && error.code !== 'NETWORK' ? ` (${error.code})` : ''}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/**
 * A refusal shown beside the field it is about, as the sentence the service wrote for a person. `fields` are the
 * input names (`extensions.field`) this place answers for; give the paragraph's `id` to the input's
 * aria-describedby.
 */
export function FieldProblem({ problem, fields, id }: { problem: ApiError | null; fields: readonly string[]; id: string }) {
  if (!problem?.field || !fields.includes(problem.field)) return null;
  return (
    <p id={id} className="field-problem" role="alert">
      {problem.message}
    </p>
  );
}

/** The result of the last action, announced politely to screen readers. */
export function OutcomeMessage({ outcome }: { outcome: Outcome }) {
  return (
    <div aria-live="polite" className="outcome">
      {outcome && <p className={`message message-${outcome.kind}`}>{outcome.message}</p>}
    </div>
  );
}

/** A page's main heading; it takes the focus when the page opens, so keyboard and screen-reader users start there. */
export function PageHeading({ children }: { children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A signing secret: shown once, right after create or rotate, never again. */
export function SecretNotice({ secret, onDismiss }: { secret: string; onDismiss(): void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('Copying is not allowed here: select the secret and copy it by hand.');
    }
  };
  return (
    <section className="secret" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <p>
        This is the only time the secret is shown. Store it with the endpoint that verifies the <code>webhook-signature</code>{' '}
        header.
      </p>
      <p>
        <code className="secret-value" data-testid="signing-secret">
          {secret}
        </code>
      </p>
      <p className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy secret
        </button>
        <button type="button" onClick={onDismiss}>
          I have stored it
        </button>
      </p>
      <div aria-live="polite">{copied && <p className="muted">{copied}</p>}</div>
    </section>
  );
}

/** Cursor pagination links. `previous` goes towards the start of the list (newer deliveries), `next` away from it. */
export function Pager({
  first,
  previous,
  next,
  labels = { first: 'First page', previous: '← Previous page', next: 'Next page →' },
}: {
  first: string | null;
  previous: string | null;
  next: string | null;
  labels?: { first: string; previous: string; next: string };
}) {
  if (!first && !previous && !next) return null;
  return (
    <nav className="pager" aria-label="Pages">
      {first && <PagerLink to={first}>{labels.first}</PagerLink>}
      {previous && <PagerLink to={previous}>{labels.previous}</PagerLink>}
      {next && <PagerLink to={next}>{labels.next}</PagerLink>}
    </nav>
  );
}

/** The links of a Relay connection page loaded with `first/after` or (going back) `last/before`. */
export function pageLinks(
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null },
  cursors: { after: string | null; before: string | null },
  pathWith: (cursor: { after?: string; before?: string } | null) => string,
): { first: string | null; previous: string | null; next: string | null } {
  // Relay only promises hasPreviousPage when paging backwards and hasNextPage when paging forwards; the cursor we
  // came with says the rest.
  const hasPrevious = cursors.before ? pageInfo.hasPreviousPage : cursors.after !== null;
  const hasNext = cursors.before ? true : pageInfo.hasNextPage;
  return {
    first: cursors.after || cursors.before ? pathWith(null) : null,
    previous: hasPrevious && pageInfo.startCursor ? pathWith({ before: pageInfo.startCursor }) : null,
    next: hasNext && pageInfo.endCursor ? pathWith({ after: pageInfo.endCursor }) : null,
  };
}

function PagerLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Link to={to} className="button-link">
      {children}
    </Link>
  );
}
