// A minimal typed GraphQL client over fetch for the generated SDK documents (src/sdk/generated.ts). The tests use it;
// a platform's backend can too.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export type GraphqlError = { message: string; path?: (string | number)[]; extensions?: { code?: string; field?: string; [key: string]: unknown } };
export type GraphqlResult<T> = { data: T | null; errors?: GraphqlError[]; status: number };

export type GraphqlClient = {
  request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<GraphqlResult<TData>>;
  /** Like request, but throws unless the answer has data and no errors. */
  data<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<TData>;
};

export function createGraphqlClient(endpoint: string, apiKey: string | null): GraphqlClient {
  const printed = new WeakMap<object, string>();
  async function request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables) {
    let query = printed.get(document);
    if (!query) printed.set(document, (query = print(document)));
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
    const body = (await response.json()) as { data?: TData | null; errors?: GraphqlError[] };
    return { data: body.data ?? null, errors: body.errors, status: response.status };
  }
  return {
    request,
    async data(document, variables) {
      const result = await request(document, variables);
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
  };
}
