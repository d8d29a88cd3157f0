// Typed subscriptions over graphql-ws (`deliveryUpdated`, `webhookUpdated`, any subscription document): one WebSocket
// per client, opened on the first subscription and closed after the last (graphql-ws's lazy mode), authenticated by
// the `connection_init` payload `{ authorization: "Bearer …" }` as the contract says.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import { HookstreamError, type GraphqlError } from './errors.js';

/** The close code the service ends a socket with when its credential is refused, expires or is revoked. */
const CLOSE_UNAUTHORIZED = 4401;

export type SubscriptionClientOptions = {
  /** The GraphQL endpoint, `http(s)://…/graphql` or `ws(s)://…/graphql`. */
  url: string;
  /** The account's API key or a portal session's token. */
  apiKey: string | null;
  /**
   * A WebSocket class (`ws`'s on Node 20, which has no global one). Default: the global WebSocket; the package's
   * Node entry fills in `ws` when there is none.
   */
  webSocketImpl?: unknown;
  /** Anything else for graphql-ws's createClient (retries, keep-alive, `on` listeners…). */
  graphqlWs?: Omit<Partial<ClientOptions>, 'url' | 'connectionParams' | 'webSocketImpl'>;
};

export type SubscriptionSink<TData> = {
  next(data: TData): void;
  /** A refused subscription (NOT_FOUND, UNAUTHENTICATED…) or a lost socket, as a HookstreamError; then it is over. */
  error?(error: HookstreamError): void;
  complete?(): void;
};

export type SubscriptionClient = {
  /** Starts a subscription; returns the function that ends it. */
  subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, sink: SubscriptionSink<TData>): () => void;
  /** The same as an async iterator: `for await (const { deliveryUpdated } of client.iterate(…))`; `break` ends it. */
  iterate<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): AsyncIterableIterator<TData>;
  /** Closes the socket and ends every subscription. */
  dispose(): Promise<void>;
  /** graphql-ws's own client, for its events (`connected`, `closed`…). */
  readonly graphqlWs: Client;
};

/** `http://h/graphql` → `ws://h/graphql` (and https → wss); a ws(s) URL stays as it is. */
export function webSocketUrl(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:');
}

const isCloseEvent = (value: unknown): value is { code: number; reason: string } =>
  typeof value === 'object' && value !== null && 'code' in value && typeof (value as { code: unknown }).code === 'number';

/** What graphql-ws hands a sink's `error` (GraphQL errors, a CloseEvent or an Error), as one HookstreamError. */
export function toSubscriptionError(error: unknown): HookstreamError {
  if (error instanceof HookstreamError) return error;
  if (Array.isArray(error)) return new HookstreamError(error as GraphqlError[], 200);
  if (isCloseEvent(error)) {
    const code = error.code === CLOSE_UNAUTHORIZED ? 'UNAUTHENTICATED' : 'NETWORK';
    return new HookstreamError([{ message: `the subscription socket closed (${error.code}${error.reason ? `: ${error.reason}` : ''})`, extensions: { code } }], 0);
  }
  return new HookstreamError([{ message: error instanceof Error ? error.message : String(error), extensions: { code: 'NETWORK' } }], 0);
}

export function createSubscriptionClient(options: SubscriptionClientOptions): SubscriptionClient {
  const client = createClient({
    lazy: true,
    // A refused credential will be refused again: no retries for it.
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === CLOSE_UNAUTHORIZED),
    ...options.graphqlWs,
    url: webSocketUrl(options.url),
    connectionParams: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
  });
  const printed = new WeakMap<object, string>();
  const query = (document: object) => {
    let text = printed.get(document);
    if (!text) printed.set(document, (text = print(document as never)));
    return text;
  };

  function subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, sink: SubscriptionSink<TData>): () => void {
    return client.subscribe<TData>(
      { query: query(document), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (result) => {
          if (result.data) sink.next(result.data);
          else sink.error?.(new HookstreamError((result.errors ?? []) as GraphqlError[], 200));
        },
        error: (error) => sink.error?.(toSubscriptionError(error)),
        complete: () => sink.complete?.(),
      },
    );
  }

  async function* iterate<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): AsyncGenerator<TData> {
    const results = client.iterate<TData>({ query: query(document), variables: (variables ?? {}) as Record<string, unknown> });
    try {
      for await (const result of results) {
        if (!result.data) throw new HookstreamError((result.errors ?? []) as GraphqlError[], 200);
        yield result.data;
      }
    } catch (error) {
      throw toSubscriptionError(error);
    }
  }

  return { subscribe, iterate, dispose: async () => client.dispose(), graphqlWs: client };
}
