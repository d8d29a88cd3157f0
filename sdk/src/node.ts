// The package's entry on Node (its `exports` "node" condition): the same API, with `ws` as the WebSocket when the
// runtime has none (Node 20; Node 22 has a global one), so that subscriptions work with no option on any Node.
import WebSocket from 'ws';
import { createHookstreamClient as createClient, type HookstreamClientOptions } from './hookstream.js';
import { createSubscriptionClient as createSubscriptions, type SubscriptionClientOptions } from './subscriptions.js';

export * from './index.js';

const nodeWebSocket = (): unknown => (globalThis as { WebSocket?: unknown }).WebSocket ?? WebSocket;

export function createHookstreamClient(options: HookstreamClientOptions): ReturnType<typeof createClient> {
  return createClient({ ...options, webSocketImpl: options.webSocketImpl ?? nodeWebSocket() });
}

export function createSubscriptionClient(options: SubscriptionClientOptions): ReturnType<typeof createSubscriptions> {
  return createSubscriptions({ ...options, webSocketImpl: options.webSocketImpl ?? nodeWebSocket() });
}
