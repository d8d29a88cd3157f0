// What the GraphQL layer may ask of the engine beyond the database: filled in as the engine grows (publishing,
// pub/sub for subscriptions). Kept as one object so that tests can build the same graph the service runs.
import type { LookupAddress } from 'node:dns';

export type Services = {
  /** Resolves a host name to its addresses (the URL policy checks every one). */
  lookupHost(hostname: string): Promise<LookupAddress[]>;
};
