// Data hooks over the session's Api: a query that can refetch quietly, and a subscription tied to a component's life.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { toApiError, type Api, type ApiError, type LiveState } from './api';

/** What a portal session may do; null when signed in with the API key (everything). */
export type PortalAccess = { readOnly: boolean; limitedToSomeWebhooks: boolean; expiresAt: string };

export type Session = {
  api: Api;
  accountName: string;
  portal: PortalAccess | null;
  signOut(): void;
  /** A signing secret to show once on the next page (after createWebhook); taken by the page that shows it. */
  flashSecret: { webhookId: string; secret: string } | null;
  setFlashSecret(value: { webhookId: string; secret: string } | null): void;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}

/** What the signed-in credential may change: nothing for a read-only portal session; no new webhook for a limited one. */
export function usePermissions(): { canChange: boolean; canCreateWebhooks: boolean } {
  const { portal } = useSession();
  const canChange = !portal?.readOnly;
  return { canChange, canCreateWebhooks: canChange && !portal?.limitedToSomeWebhooks };
}

export type QueryState<TData> = {
  data: TData | null;
  error: ApiError | null;
  loading: boolean;
  /** Loads again; `quiet` keeps the current data on screen meanwhile (live refreshes). */
  refetch(quiet?: boolean): Promise<void>;
};

export function useQuery<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): QueryState<TData> {
  const { api } = useSession();
  const key = JSON.stringify(variables ?? {});
  const [state, setState] = useState<{ data: TData | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const latest = useRef(0);

  const refetch = useCallback(
    async (quiet = false) => {
      const request = ++latest.current;
      if (!quiet) setState((previous) => ({ data: previous.data, error: null, loading: true }));
      try {
        const data = await api.call(document, JSON.parse(key) as TVariables);
        if (request === latest.current) setState({ data, error: null, loading: false });
      } catch (error) {
        if (request === latest.current) setState((previous) => ({ data: previous.data, error: toApiError(error), loading: false }));
      }
    },
    [api, document, key],
  );

  useEffect(() => {
    void refetch();
  }, [refetch]);

  return { ...state, refetch };
}

/** Subscribes while mounted and while `enabled`; `onData` may change on every render. */
export function useSubscription<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  onData: (data: TData) => void,
  enabled = true,
): void {
  const { api } = useSession();
  const key = JSON.stringify(variables ?? {});
  const handler = useRef(onData);
  handler.current = onData;
  useEffect(() => {
    if (!enabled) return;
    return api.subscribe(document, JSON.parse(key) as TVariables, (data) => handler.current(data));
  }, [api, document, key, enabled]);
}

/** The live connection's state, and a callback after every reconnect (pages reload what they may have missed). */
export function useLiveState(onReconnect?: () => void): LiveState {
  const { api } = useSession();
  const [state, setState] = useState<LiveState>(() => api.liveState());
  const handler = useRef(onReconnect);
  handler.current = onReconnect;
  useEffect(() => {
    setState(api.liveState());
    return api.onLiveChange((next, reconnected) => {
      setState(next);
      if (reconnected) handler.current?.();
    });
  }, [api]);
  return state;
}

/** Runs `callback` at most once per `delayMs` however often `trigger` is called (e.g. stats after many deliveries). */
export function useDebounced(callback: () => void, delayMs: number): () => void {
  const handler = useRef(callback);
  handler.current = callback;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      handler.current();
    }, delayMs);
  }, [delayMs]);
}

/** A one-line outcome of an action, for an aria-live region. */
export type Outcome = { kind: 'success' | 'error'; message: string } | null;

export function useAction(): {
  outcome: Outcome;
  busy: boolean;
  run(action: () => Promise<string | void>): Promise<boolean>;
  clear(): void;
} {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (action: () => Promise<string | void>) => {
    setBusy(true);
    setOutcome(null);
    try {
      const message = await action();
      setOutcome(message ? { kind: 'success', message } : null);
      return true;
    } catch (error) {
      const apiError = toApiError(error);
      setOutcome({ kind: 'error', message: apiError.field ? `${apiError.message} (field: ${apiError.field})` : apiError.message });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { outcome, busy, run, clear: () => setOutcome(null) };
}
