// Row ids are UUIDv7: time-ordered, so new rows append to the primary-key index and ids sort like creation times.
// They are made here rather than by the database so that raw SQL and Prisma agree, on PostgreSQL 15 and 18 alike.
import { v7 as uuidv7, validate as isUuid } from 'uuid';

export const newId = (): string => uuidv7();
export { isUuid };
