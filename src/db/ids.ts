// Row ids are UUIDv7: time-ordered, so new rows append to the primary-key index and ids sort like creation times.
// They are made here rather than by the database so that raw SQL and Prisma agree, on PostgreSQL 15 and 18 alike.
// The history tables are partitioned on them: a range of ids is a range of time (docs/partitioning.md).
import { v7 as uuidv7, validate as isUuid } from 'uuid';

export const newId = (): string => uuidv7();
export { isUuid };

/** The smallest UUIDv7 of the millisecond `at`: ids below it were made before (SQL: hookstream_uuid7_floor). */
export function uuid7Floor(at: Date): string {
  const hex = Math.max(0, Math.floor(at.getTime())).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
