// The client a platform's backend uses: one typed method per operation it needs (publishing, webhooks, deliveries,
// events, portal sessions) and typed live updates over graphql-ws. Every method throws a HookstreamError (with the
// contract's `code` and `field`) when the service refuses; `request` runs any other document of generated.ts.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createGraphqlClient, type GraphqlClientOptions, type GraphqlResult } from './client.js';
import {
  CreatePortalSessionDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  DeliveriesDocument,
  DeliveryDocument,
  DeliveryUpdatedDocument,
  EventsDocument,
  EventTypesDocument,
  PublishEventDocument,
  PublishEventsDocument,
  ReplayFailedDeliveriesDocument,
  RetryDeliveryDocument,
  RevokePortalSessionDocument,
  RotateWebhookSecretDocument,
  SendTestEventDocument,
  SetWebhookActiveDocument,
  SetWebhookRestrictionsDocument,
  UpdateWebhookDocument,
  ViewerDocument,
  WebhookDocument,
  WebhooksDocument,
  WebhookUpdatedDocument,
  type CreatePortalSessionMutation,
  type CreateWebhookInput,
  type CreateWebhookMutation,
  type DeliveriesQuery,
  type DeliveriesQueryVariables,
  type DeliveryQuery,
  type DeliveryUpdatedSubscription,
  type EventsQuery,
  type EventTypesQuery,
  type EventsQueryVariables,
  type PortalSessionInput,
  type PublishEventInput,
  type PublishEventResultFragment,
  type RestrictionItemInput,
  type RetryDeliveryMutation,
  type RevokePortalSessionMutation,
  type RotateWebhookSecretMutation,
  type SendTestEventMutation,
  type SetWebhookActiveMutation,
  type SetWebhookRestrictionsMutation,
  type UpdateWebhookInput,
  type UpdateWebhookMutation,
  type ViewerQuery,
  type WebhookQuery,
  type WebhooksQuery,
  type WebhooksQueryVariables,
  type WebhookUpdatedSubscription,
} from './generated.js';
import { createSubscriptionClient, type SubscriptionClient, type SubscriptionClientOptions, type SubscriptionSink } from './subscriptions.js';

export type HookstreamClientOptions = GraphqlClientOptions & {
  /** The service's GraphQL endpoint, e.g. `https://hookstream.internal/graphql` (subscriptions use the same URL). */
  url: string;
  /** The account's API key (`npm run account -- create`), or a portal session's token. */
  apiKey: string;
} & Pick<SubscriptionClientOptions, 'webSocketImpl' | 'graphqlWs'>;


/** What createHookstreamClient returns. Every method throws a HookstreamError when the service refuses. */
export type HookstreamClient = {
  /** Any document (those of generated.ts, or your own typed ones); throws a HookstreamError on errors. */
  request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<TData>;
  /** Like request, but resolves with the answer as it came (`data`, `errors`, HTTP `status`). */
  requestRaw<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<GraphqlResult<TData>>;

  /** The account the credential belongs to. */
  viewer(): Promise<ViewerQuery['viewer']>;
  /** The platform's event catalog: every type an event may have, with its JSON Schema and an example. */
  eventTypes(): Promise<EventTypesQuery['eventTypes']>;

  /** Publishes one event to every matching active webhook of the account; resolves once it is stored. */
  publishEvent(input: PublishEventInput): Promise<PublishEventResultFragment>;
  /** Up to 100 events at once, all or nothing (a bad item fails the call, `field: "inputs.N.…"`); results in input order. */
  publishEvents(inputs: readonly PublishEventInput[]): Promise<PublishEventResultFragment[]>;

  webhooks: {
    list(variables?: WebhooksQueryVariables): Promise<WebhooksQuery['webhooks']>;
    /** null when this account has none with that ID. */
    get(id: string): Promise<WebhookQuery['webhook']>;
    /** The new webhook and its signing secret (`whsec_…`), shown only here. */
    create(input: CreateWebhookInput): Promise<CreateWebhookMutation['createWebhook']>;
    update(input: UpdateWebhookInput): Promise<UpdateWebhookMutation['updateWebhook']>;
    /** Resolves with the deleted webhook's ID. */
    delete(id: string): Promise<string>;
    /** Re-enabling resets the failure count. */
    setActive(id: string, active: boolean): Promise<SetWebhookActiveMutation['setWebhookActive']>;
    /** A new secret; the old one keeps signing beside it for 24 hours. */
    rotateSecret(id: string): Promise<RotateWebhookSecretMutation['rotateWebhookSecret']>;
    /** Replaces every restriction of the webhook. */
    setRestrictions(webhookId: string, restrictions: readonly RestrictionItemInput[]): Promise<SetWebhookRestrictionsMutation['setWebhookRestrictions']>;
  };

  deliveries: {
    list(variables?: DeliveriesQueryVariables): Promise<DeliveriesQuery['deliveries']>;
    /** With its attempts; the ID is the `webhook-id` header a receiver got. null when there is none. */
    get(id: string): Promise<DeliveryQuery['delivery']>;
    /** A manual retry of a SUCCEEDED or FAILED delivery. */
    retry(id: string): Promise<RetryDeliveryMutation['retryDelivery']>;
    /** Sends every FAILED delivery of the webhook since then again; resolves with how many. */
    replayFailed(webhookId: string, since: Date | string): Promise<number>;
    /** A `webhook.test` event to this webhook alone, through the normal pipeline. */
    sendTest(webhookId: string): Promise<SendTestEventMutation['sendTestEvent']>;
  };

  events: {
    list(variables?: EventsQueryVariables): Promise<EventsQuery['events']>;
  };

  portalSessions: {
    /** A console link for the account's admins (`url`: `…/console#session=…`) and its token, scoped as asked. */
    create(input?: PortalSessionInput): Promise<CreatePortalSessionMutation['createPortalSession']>;
    revoke(id: string): Promise<RevokePortalSessionMutation['revokePortalSession']>;
  };

  /**
   * Live status of deliveries (of one webhook, or of the whole account): `for await (const update of …)`. The
   * subscription starts with the loop's first turn; `break` ends it.
   */
  deliveryUpdates(variables?: { webhookId?: string }): AsyncIterableIterator<DeliveryUpdatedSubscription['deliveryUpdated']>;
  /** Webhook changes (disabled after failures, re-enabled, edited): of one webhook, or of the whole account. */
  webhookUpdates(variables?: { id?: string }): AsyncIterableIterator<WebhookUpdatedSubscription['webhookUpdated']>;
  /** Any subscription document, with callbacks; returns the function that ends it. */
  subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, sink: SubscriptionSink<TData>): () => void;

  /** Closes the subscription socket, if one was opened (queries and mutations need no closing). */
  close(): Promise<void>;
};

/** Each item's one root field: `{ deliveryUpdated: {…} }` → `{…}`. Ending the loop ends the subscription below. */
async function* fieldOf<T, K extends keyof T>(items: AsyncIterable<T>, key: K): AsyncGenerator<T[K]> {
  for await (const item of items) yield item[key];
}

const toIso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value);

export function createHookstreamClient(options: HookstreamClientOptions): HookstreamClient {
  const http = createGraphqlClient(options.url, options.apiKey, { ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.headers ? { headers: options.headers } : {}) });
  // The socket is made on the first subscription only: a backend that only publishes never opens one.
  let live: SubscriptionClient | null = null;
  const subscriptions = (): SubscriptionClient =>
    (live ??= createSubscriptionClient({
      url: options.url,
      apiKey: options.apiKey,
      ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
      ...(options.graphqlWs ? { graphqlWs: options.graphqlWs } : {}),
    }));
  const data = http.data;

  return {
    request: (document, variables) => data(document, variables),
    requestRaw: (document, variables) => http.request(document, variables),

    viewer: async () => (await data(ViewerDocument, {})).viewer,
    eventTypes: async () => (await data(EventTypesDocument, {})).eventTypes,

    publishEvent: async (input) => (await data(PublishEventDocument, { input })).publishEvent,
    publishEvents: async (inputs) => (await data(PublishEventsDocument, { inputs: [...inputs] })).publishEvents.results,

    webhooks: {
      list: async (variables = {}) => (await data(WebhooksDocument, variables)).webhooks,
      get: async (id) => (await data(WebhookDocument, { id })).webhook,
      create: async (input) => (await data(CreateWebhookDocument, { input })).createWebhook,
      update: async (input) => (await data(UpdateWebhookDocument, { input })).updateWebhook,
      delete: async (id) => (await data(DeleteWebhookDocument, { id })).deleteWebhook.deletedId,
      setActive: async (id, active) => (await data(SetWebhookActiveDocument, { id, active })).setWebhookActive,
      rotateSecret: async (id) => (await data(RotateWebhookSecretDocument, { id })).rotateWebhookSecret,
      setRestrictions: async (webhookId, restrictions) =>
        (await data(SetWebhookRestrictionsDocument, { webhookId, restrictions: [...restrictions] })).setWebhookRestrictions,
    },

    deliveries: {
      list: async (variables = {}) => (await data(DeliveriesDocument, variables)).deliveries,
      get: async (id) => (await data(DeliveryDocument, { id })).delivery,
      retry: async (id) => (await data(RetryDeliveryDocument, { id })).retryDelivery,
      replayFailed: async (webhookId, since) => (await data(ReplayFailedDeliveriesDocument, { webhookId, since: toIso(since) })).replayFailedDeliveries.count,
      sendTest: async (webhookId) => (await data(SendTestEventDocument, { webhookId })).sendTestEvent,
    },

    events: {
      list: async (variables = {}) => (await data(EventsDocument, variables)).events,
    },

    portalSessions: {
      create: async (input = {}) => (await data(CreatePortalSessionDocument, { input })).createPortalSession,
      revoke: async (id) => (await data(RevokePortalSessionDocument, { id })).revokePortalSession,
    },

    deliveryUpdates: (variables = {}) => fieldOf(subscriptions().iterate(DeliveryUpdatedDocument, variables), 'deliveryUpdated'),
    webhookUpdates: (variables = {}) => fieldOf(subscriptions().iterate(WebhookUpdatedDocument, variables), 'webhookUpdated'),
    subscribe: (document, variables, sink) => subscriptions().subscribe(document, variables, sink),

    close: async () => {
      await live?.dispose();
      live = null;
    },
  };
}
