// What SQL helpers take: a pool (one statement, its own commit) or a client inside a transaction.
import type pg from 'pg';

export type Queryable = Pick<pg.PoolClient, 'query'>;
