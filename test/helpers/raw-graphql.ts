// A GraphQL document written in the test itself, for operations the typed SDK does not carry (yet): untyped.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const gql = (source: string): TypedDocumentNode<any, Record<string, unknown>> => parse(source) as TypedDocumentNode<any, Record<string, unknown>>;
