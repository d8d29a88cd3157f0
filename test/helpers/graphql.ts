// Small helpers for asserting on GraphQL answers and building IDs in tests.
import { expect } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { parsePublicId, publicId, PUBLIC_ID_PREFIXES, type PublicIdType } from '../../src/domain/public-id.js';
import type { GraphqlError, GraphqlResult } from '../../src/sdk/client.js';

/** The ID the API (and the wire) uses for a row: its public ID, e.g. `dlv_01jf…` for a Delivery's UUID. */
export const globalId = (typename: PublicIdType, rawId: string): string => publicId(typename, rawId);

/** The database id (UUID) inside an API ID, checking its type. */
export function rawId(id: string, typename: PublicIdType): string {
  const parsed = parsePublicId(id);
  expect(parsed, `${id} is not a public ID`).not.toBeNull();
  expect(parsed!.typename).toBe(typename);
  return parsed!.uuid;
}

/** An ID with the type's prefix and a suffix that is no TypeID (so no UUID): malformed, BAD_USER_INPUT. */
export const malformedId = (typename: PublicIdType): string => `${PUBLIC_ID_PREFIXES[typename]}_not0a0uuid`;

/** An ID in the old Relay form (base64 of `Type:uuid`), no longer accepted anywhere. */
export const legacyRelayId = (typename: string, uuid: string): string => Buffer.from(`${typename}:${uuid}`, 'utf8').toString('base64');

/** A well-formed ID of a row that does not exist. */
export const missingId = (typename: PublicIdType): string => globalId(typename, newId());

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
