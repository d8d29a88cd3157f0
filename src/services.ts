// What the GraphQL layer may ask of the engine beyond the database. Kept as one object so that tests build the same
// graph the service runs.
import type { LookupAddress } from 'node:dns';
import type { Catalog } from './catalog/catalog.js';
import type { ApiKeyLookup } from './db/account.js';
import type { DeliveryEngine } from './delivery/engine.js';
import type { SecretBox } from './domain/secret-box.js';
import type { Metrics } from './metrics.js';
import type { ChangePubSub } from './pubsub.js';
import type { TransformRunner } from './transform/transform-runner.js';

export type Services = {
  /** The account of an API key, looked up in the database on every request (batched with the requests beside it). */
  findAccountByApiKey: ApiKeyLookup;
  /** Resolves a host name to its addresses (the URL policy checks every one). */
  lookupHost(hostname: string): Promise<LookupAddress[]>;
  /** The delivery engine: publishing, manual actions, webhook changes. Resolvers validate, then call it. */
  engine: DeliveryEngine;
  /** Changes from every process (LISTEN), for subscriptions. */
  pubSub: ChangePubSub;
  metrics?: Metrics;
  /** Encrypts webhook secrets and header values at rest (HOOKSTREAM_SECRET_KEY). */
  secretBox: SecretBox;
  /** The platform's event catalog (HOOKSTREAM_CATALOG), loaded and checked at start-up. */
  catalog: Catalog;
  /** Evaluates webhook transforms off the main thread, bounded in time and size. */
  transforms: TransformRunner;
};
