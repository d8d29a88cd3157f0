// What the GraphQL layer may ask of the engine beyond the database. Kept as one object so that tests build the same
// graph the service runs.
import type { LookupAddress } from 'node:dns';
import type { DeliveryEngine } from './delivery/engine.js';
import type { SecretBox } from './domain/secret-box.js';
import type { Metrics } from './metrics.js';
import type { ChangePubSub } from './pubsub.js';

export type Services = {
  /** Resolves a host name to its addresses (the URL policy checks every one). */
  lookupHost(hostname: string): Promise<LookupAddress[]>;
  /** The delivery engine: publishing, manual actions, webhook changes. Resolvers validate, then call it. */
  engine: DeliveryEngine;
  /** Changes from every process (LISTEN), for subscriptions. */
  pubSub: ChangePubSub;
  metrics?: Metrics;
  /** Encrypts webhook secrets and header values at rest (HOOKSTREAM_SECRET_KEY). */
  secretBox: SecretBox;
};
