// A minimal typed GraphQL client over fetch for the generated documents (generated.ts): queries and mutations. The
// typed operations of hookstream.ts, the project's tests and the console all go through it.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { HookstreamError, type GraphqlError } from './errors.js';

export type { GraphqlError } from './errors.js';
export type GraphqlResult<T> = { data: T | null; errors?: GraphqlError[]; status: number };

export type GraphqlClient = {
  /** Runs a document; resolves with the answer as it came, errors included. */
  request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<GraphqlResult<TData>>;
  /** Like request, but throws a HookstreamError unless the answer has data and no errors. */
  data<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<TData>;
};

export type GraphqlClientOptions = {
  /** Another fetch (a proxy agent, retries, instrumentation); default the global one. */
  fetch?: typeof fetch;
  /** Sent with every request, beside `authorization`. */
  headers?: Record<string, string>;
};

/** `apiKey`: the account's API key or a portal session's token, sent as `Authorization: Bearer …`; null sends none. */
export function createGraphqlClient(endpoint: string, apiKey: string | null, options: GraphqlClientOptions = {}): GraphqlClient {
  const fetchImpl = options.fetch ?? fetch;
  // A document is printed once per client, not on every call.
  const printed = new WeakMap<object, string>();
  async function request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<GraphqlResult<TData>> {
    let query = printed.get(document);
    if (!query) printed.set(document, (query = print(document)));
    const response = await fetchImpl(endpoint, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
    const text = await response.text();
    let body: { data?: TData | null; errors?: GraphqlError[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not the service's answer (a proxy's error page, say): an error that says what came instead.
      throw new HookstreamError([{ message: `not a GraphQL answer (HTTP ${response.status}): ${text.slice(0, 200)}`, extensions: { code: 'UNKNOWN' } }], response.status);
    }
    return { data: body.data ?? null, ...(body.errors ? { errors: body.errors } : {}), status: response.status };
  }
  return {
    request,
    async data(document, variables) {
      const result = await request(document, variables);
      if (result.errors?.length || !result.data) throw new HookstreamError(result.errors ?? [], result.status);
      return result.data;
    },
  };
}
