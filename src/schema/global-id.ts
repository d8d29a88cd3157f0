// Strict decoding of Relay global IDs taken as arguments. A malformed ID is the caller's mistake (BAD_USER_INPUT,
// naming the field); a well-formed ID of a row that is missing or belongs to another account is NOT_FOUND, so that
// no caller can tell the two apart.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { isUuid } from '../db/ids.js';
import { badInput } from '../errors.js';

export function parseGlobalId(value: string, typename: string, field: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(value);
  } catch {
    throw badInput(field, `"${field}" is not a valid ID.`);
  }
  if (decoded.typename !== typename || !isUuid(decoded.id)) {
    throw badInput(field, `"${field}" must be the ID of a ${typename}.`);
  }
  return decoded.id;
}

/** The raw id that `node(id)` hands a prismaNode's findUnique: a malformed one would reach PostgreSQL's uuid parser. */
export function checkNodeUuid(id: string): string {
  if (!isUuid(id)) throw badInput('id', '"id" is not a valid ID.');
  return id;
}
