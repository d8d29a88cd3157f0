// Small helpers for asserting on GraphQL answers and building Relay global IDs in tests.
import { expect } from 'vitest';
import { newId } from '../../src/db/ids.js';
import type { GraphqlError, GraphqlResult } from '../../src/sdk/client.js';

/** A Relay global ID as Pothos encodes it: base64 of `Typename:rawId`. */
export const globalId = (typename: string, rawId: string): string => Buffer.from(`${typename}:${rawId}`, 'utf8').toString('base64');

/** The raw database id inside a global ID, checking its type name. */
export function rawId(id: string, typename: string): string {
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  expect(decoded.slice(0, separator)).toBe(typename);
  return decoded.slice(separator + 1);
}

/** A well-formed ID of a row that does not exist. */
export const missingId = (typename: string): string => globalId(typename, newId());

/** Asserts the answer failed with exactly one error of `code` (and `field`, when given); returns that error. */
export function expectError(result: GraphqlResult<unknown>, code: string, field?: string): GraphqlError {
  expect(result.errors, `expected a ${code} error, got ${JSON.stringify(result)}`).toHaveLength(1);
  const [error] = result.errors!;
  expect(error!.extensions?.code).toBe(code);
  if (field !== undefined) expect(error!.extensions?.field).toBe(field);
  return error!;
}

/** An error without the parts that name where it happened, to compare two answers. */
export function withoutPath(error: GraphqlError | undefined): Omit<GraphqlError, 'path'> | undefined {
  if (!error) return error;
  const { path: _path, ...rest } = error;
  return rest;
}
