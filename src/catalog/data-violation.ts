// An ajv error as a person reads it, and the JSON pointer the contract gives with it (CONTRACT.md, "Errors": "the JSON
// pointer of the offending value, or of the missing property itself (`/bookingId`, not its parent)").
import type { ErrorObject } from 'ajv';
import { readDataPath } from '../domain/data-path.js';

export type DataViolation = Readonly<{
  /** JSON pointer into `data`, e.g. `/bookingId` or `/rooms/0/RoomId`; `` for data itself. */
  path: string;
  /** A sentence naming the place, e.g. `data.bookingId must be an integer, not the string "26006".` */
  message: string;
}>;

const escapePointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointerToken = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointerToken);
}

/** `/rooms/0/RoomId` → `data.rooms[0].RoomId` (what a person recognises; the pointer travels beside it). */
export function describePointer(pointer: string, root = 'data'): string {
  let text = root;
  for (const token of pointerTokens(pointer)) {
    if (/^\d+$/.test(token)) text += `[${token}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(token)) text += `.${token}`;
    else text += `[${JSON.stringify(token)}]`;
  }
  return text;
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** `the string "26006"`, `the number 5`, `null`, `an object`: what was there instead. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'an object';
    default:
      return 'nothing';
  }
}

const TYPE_NOUNS: Record<string, string> = { integer: 'integer', number: 'number', string: 'string', boolean: 'boolean (true or false)', object: 'object', array: 'list', null: 'null' };

const FORMAT_NOUNS: Record<string, string> = {
  'date-time': 'a date and time such as "2024-05-31T12:09:16+00:00"',
  date: 'a date such as "2024-06-01"',
  time: 'a time such as "10:00:00Z"',
  email: 'an e-mail address',
  uri: 'an absolute URI',
  uuid: 'a UUID',
};

function listOf(values: readonly unknown[]): string {
  const shown = values.slice(0, 8).map((value) => JSON.stringify(value));
  return values.length > 8 ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** What is wrong with the value, as the end of a sentence about it. */
function complaint(error: ErrorObject, value: unknown): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const wanted = String(params['type']).split(',').map((type) => article(TYPE_NOUNS[type] ?? type));
      return `must be ${wanted.join(' or ')}, not ${describeValue(value)}`;
    }
    case 'enum':
      return `must be one of ${listOf(params['allowedValues'] as unknown[])}, not ${describeValue(value)}`;
    case 'const':
      return `must be ${JSON.stringify(params['allowedValue'])}, not ${describeValue(value)}`;
    case 'format': {
      const format = String(params['format']);
      return `must be ${FORMAT_NOUNS[format] ?? `in the "${format}" format`}, not ${describeValue(value)}`;
    }
    case 'minLength':
      return `must be at least ${String(params['limit'])} characters long`;
    case 'maxLength':
      return `must be at most ${String(params['limit'])} characters long`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params['comparison'])} ${String(params['limit'])}, not ${describeValue(value)}`;
    case 'pattern':
      return `must match the pattern ${String(params['pattern'])}, not ${describeValue(value)}`;
    case 'minItems':
      return `must hold at least ${String(params['limit'])} items`;
    case 'maxItems':
      return `must hold at most ${String(params['limit'])} items`;
    case 'uniqueItems':
      return `must not hold the same item twice (items ${String(params['j'])} and ${String(params['i'])} are equal)`;
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'is not allowed here';
    case 'anyOf':
    case 'oneOf':
      return 'does not match any of the shapes allowed here';
    default:
      return error.message ?? 'is not valid';
  }
}

/** The first of ajv's errors (ajv stops at the first with allErrors off) as the contract's path and a sentence. */
export function toDataViolation(error: ErrorObject, data: unknown, root = 'data'): DataViolation {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const path = `${error.instancePath}/${escapePointerToken(String(params['missingProperty']))}`;
    return { path, message: `${describePointer(path, root)} is required but missing.` };
  }
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const property = String(params['additionalProperty'] ?? params['unevaluatedProperty']);
    const path = `${error.instancePath}/${escapePointerToken(property)}`;
    return { path, message: `${describePointer(path, root)} ${complaint(error, undefined)}.` };
  }
  if (error.keyword === 'dependentRequired') {
    const path = `${error.instancePath}/${escapePointerToken(String(params['missingProperty']))}`;
    return { path, message: `${describePointer(path, root)} is required when ${String(params['property'])} is present, but missing.` };
  }
  const value = readDataPath(data, pointerTokens(error.instancePath));
  return { path: error.instancePath, message: `${describePointer(error.instancePath, root)} ${complaint(error, value)}.` };
}
