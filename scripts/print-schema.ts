// The checked-in schema.graphql is exactly this: the Pothos schema, printed.
import { printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}
