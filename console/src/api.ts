// The console's only way to the service: the SDK package's fetch client (sdk/src/client.ts) over fetch to /graphql for queries
// and mutations, and graphql-ws to ws(s)://<this host>/graphql for subscriptions. Both carry the credential: the
// account's API key, or a portal session's token (a portal link), which the console uses without ever seeing a key.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createGraphqlClient, type GraphqlError } from '@sdk/client';
import { ConsoleSignInDocument, type ConsoleSignInQuery } from '@sdk/generated';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

export const GRAPHQL_PATH = '/graphql';

/** A failed operation: the contract's `extensions.code` (and `field`), or NETWORK when the service was unreachable. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(error instanceof Error ? error.message : String(error), 'UNKNOWN');
}

export type LiveState = 'connecting' | 'live' | 'offline';

export type Api = {
  /** Runs a query or mutation; resolves with its data or rejects with an ApiError. */
  call<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData>;
  /** Starts a subscription; returns the function that ends it. */
  subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, onData: (data: TData) => void): () => void;
  liveState(): LiveState;
  /** Called on every change of the live connection's state; `reconnected` after the socket came back from a drop. */
  onLiveChange(listener: (state: LiveState, reconnected: boolean) => void): () => void;
  close(): void;
};

const WS_UNAUTHORIZED = 4401;

function webSocketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}${GRAPHQL_PATH}`;
}

function firstError(errors: GraphqlError[]): ApiError {
  const [error] = errors;
  const code = error?.extensions?.code ?? 'UNKNOWN';
  return new ApiError(error?.message ?? 'The request failed.', code, error?.extensions?.field ?? null);
}

/** A refused credential: HTTP 401. (A read-only portal session's mutation is UNAUTHENTICATED with 403: still signed in.) */
const isRefusedCredential = (result: { status: number; errors?: GraphqlError[] }) =>
  result.status === 401 || (result.status !== 403 && result.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED') === true);

export type SignInInfo = { viewer: ConsoleSignInQuery['viewer']; portalSession: ConsoleSignInQuery['portalSession'] };

/**
 * Checks a credential before a session starts (no socket is opened for a wrong one): the account's name and, for a
 * portal session, what it may do; or an ApiError.
 */
export async function fetchSignIn(credential: string): Promise<SignInInfo> {
  let result;
  try {
    result = await createGraphqlClient(GRAPHQL_PATH, credential).request(ConsoleSignInDocument, {});
  } catch (error) {
    throw new ApiError(`Could not reach Hookstream (${error instanceof Error ? error.message : String(error)}).`, 'NETWORK');
  }
  if (isRefusedCredential(result)) {
    throw new ApiError(credential.startsWith('hsp_') ? 'This portal link has expired or was revoked: ask for a new one.' : 'That API key was not accepted.', 'UNAUTHENTICATED');
  }
  if (result.errors?.length) throw firstError(result.errors);
  if (!result.data) throw new ApiError(`The service answered HTTP ${result.status} without data.`, 'UNKNOWN');
  return result.data;
}

/** One API per signed-in session. `onUnauthenticated` runs when the service refuses the credential (HTTP 401, close 4401). */
export function createApi(apiKey: string, onUnauthenticated: () => void): Api {
  const http = createGraphqlClient(GRAPHQL_PATH, apiKey);
  let state: LiveState = 'connecting';
  let everConnected = false;
  const listeners = new Set<(state: LiveState, reconnected: boolean) => void>();
  const setState = (next: LiveState, reconnected = false) => {
    state = next;
    for (const listener of listeners) listener(next, reconnected);
  };

  const ws: Client = createClient({
    url: webSocketUrl(),
    connectionParams: { authorization: `Bearer ${apiKey}` },
    // One socket for the whole session, opened at sign-in, so the first subscription of a page starts at once.
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    // 1 s, 2 s, 4 s … capped at 30 s, with jitter so a restarted server is not hit by every console at once.
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** retries) + Math.random() * 1000)),
    // Failures reach the `closed` listener below; the default would log them to the console as well.
    onNonLazyError: () => {},
    shouldRetry: (event) => !(typeof event === 'object' && event !== null && 'code' in event && event.code === WS_UNAUTHORIZED),
    on: {
      connecting: () => setState('connecting'),
      connected: () => {
        setState('live', everConnected);
        everConnected = true;
      },
      closed: (event) => {
        setState('offline');
        if (typeof event === 'object' && event !== null && 'code' in event && event.code === WS_UNAUTHORIZED) onUnauthenticated();
      },
    },
  });

  return {
    async call(document, variables) {
      let result;
      try {
        result = await http.request(document, variables);
      } catch (error) {
        throw new ApiError(`Could not reach Hookstream (${error instanceof Error ? error.message : String(error)}).`, 'NETWORK');
      }
      if (isRefusedCredential(result)) {
        onUnauthenticated();
        throw new ApiError('The credential was refused.', 'UNAUTHENTICATED');
      }
      if (result.errors?.length) throw firstError(result.errors);
      if (!result.data) throw new ApiError(`The service answered HTTP ${result.status} without data.`, 'UNKNOWN');
      return result.data;
    },
    subscribe(document, variables, onData) {
      return ws.subscribe<never>(
        { query: print(document), variables: (variables ?? {}) as Record<string, unknown> },
        {
          next: (result) => {
            if (result.data) onData(result.data);
          },
          // A refused subscription (e.g. its webhook was deleted) ends quietly; the page shows what it last loaded.
          error: () => {},
          complete: () => {},
        },
      );
    },
    liveState: () => state,
    onLiveChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      listeners.clear();
      void ws.dispose();
    },
  };
}
