// graphql-ws subscriptions against a running app, collecting every item received.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export type Collected<T> = { items: T[]; errors: unknown[]; done: boolean; dispose(): void };

export function createWsClient(httpUrl: string, apiKey: string | null, onClosed?: (event: { code: number; reason: string }) => void): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    // A refused or closed connection reaches `onClosed`; graphql-ws would also print the whole CloseEvent.
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed?.(event as { code: number; reason: string }) },
  });
}

export function collect<TData, TVariables extends Record<string, unknown>>(client: Client, document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Collected<TData> {
  const collected: Collected<TData> = { items: [], errors: [], done: false, dispose: () => {} };
  collected.dispose = client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (value) => (value.data ? collected.items.push(value.data) : collected.errors.push(value.errors)),
      error: (error) => collected.errors.push(error),
      complete: () => (collected.done = true),
    },
  );
  return collected;
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
