// Global IDs are the public IDs of src/domain/public-id.ts (`wh_…`, `evt_…`, `dlv_…`): Pothos relay encodes every
// node's `id` with encodeGlobalId and decodes `node(id)` with decodeGlobalId (see builder.ts), and every ID argument
// is read with parseGlobalId. A malformed ID is the caller's mistake (BAD_USER_INPUT, naming the field); a well-formed
// ID of a row that is missing or belongs to another account is NOT_FOUND, so that no caller can tell the two apart.
import { parsePublicId, publicId, PUBLIC_ID_PREFIXES, type PublicIdType } from '../domain/public-id.js';
import { isUuid } from '../db/ids.js';
import { badInput } from '../errors.js';

function isPublicIdType(typename: string): typename is PublicIdType {
  return Object.hasOwn(PUBLIC_ID_PREFIXES, typename);
}

/** The `id` of a node as clients see it. Every node type has a prefix: a type without one is a programming error. */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  if (!isPublicIdType(typename)) throw new Error(`no public ID prefix for the GraphQL type ${typename}`);
  return publicId(typename, String(id));
}

/** `node(id)`: the type and row id of a public ID, or BAD_USER_INPUT on `id`. */
export function decodeGlobalId(value: string): { typename: string; id: string } {
  const parsed = parsePublicId(value);
  if (!parsed) throw badInput('id', '"id" is not a valid ID.');
  return { typename: parsed.typename, id: parsed.uuid };
}

/** The row id (UUID) of an ID argument that must name a `typename`; BAD_USER_INPUT on `field` otherwise. */
export function parseGlobalId(value: string, typename: PublicIdType, field: string): string {
  const parsed = parsePublicId(value);
  if (!parsed) throw badInput(field, `"${field}" is not a valid ID.`);
  if (parsed.typename !== typename) throw badInput(field, `"${field}" must be the ID of a ${typename}.`);
  return parsed.uuid;
}

/** The raw id that `node(id)` hands a prismaNode's findUnique: a malformed one would reach PostgreSQL's uuid parser. */
export function checkNodeUuid(id: string): string {
  if (!isUuid(id)) throw badInput('id', '"id" is not a valid ID.');
  return id;
}
