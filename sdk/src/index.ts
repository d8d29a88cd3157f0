// @hookstream/client: the typed SDK of Hookstream's GraphQL API. `createHookstreamClient` for a platform's backend;
// the generated documents and their types (generated.ts) for anything else, over the fetch client or graphql-ws.
export { createHookstreamClient, type HookstreamClient, type HookstreamClientOptions } from './hookstream.js';
export { createGraphqlClient, type GraphqlClient, type GraphqlClientOptions, type GraphqlResult } from './client.js';
export { createSubscriptionClient, toSubscriptionError, webSocketUrl, type SubscriptionClient, type SubscriptionClientOptions, type SubscriptionSink } from './subscriptions.js';
export { HookstreamError, type GraphqlError, type HookstreamErrorCode } from './errors.js';
export * from './generated.js';
