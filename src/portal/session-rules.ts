// What a portal session may not run at all, checked once per operation before anything executes (an envelop plugin,
// beside the rate limits): a read-only session runs no mutation; no session publishes (the platform's backend does,
// with the API key: a session is the console's, for the account's admins); and a session limited to some webhooks
// creates no webhook (the new one would be beyond its own reach). Everything else a session may do is bounded by its
// scope where rows are loaded (src/schema/scope.ts).
import type { Plugin } from '@envelop/core';
import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Context } from '../context.js';
import { notPermitted } from '../errors.js';

/** Mutations only the API key may run. */
const API_KEY_ONLY = new Set(['publishEvent', 'publishEvents']);
/** Mutations that reach beyond a session limited to some webhooks. */
const ACCOUNT_WIDE_ONLY = new Set(['createWebhook']);

/** The names of an operation's root fields, through fragments at the root. */
function rootFieldNames(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...rootFieldNames(document, selection.selectionSet, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) names.push(...rootFieldNames(document, fragment.selectionSet, seen));
    }
  }
  return names;
}

/** Why a session may not run this mutation, or null when it may. */
export function refusalOf(session: NonNullable<Context['session']>, fieldNames: readonly string[]): string | null {
  if (session.readOnly) return 'This portal session is read-only: it cannot change anything.';
  const publish = fieldNames.find((name) => API_KEY_ONLY.has(name));
  if (publish) return `${publish} needs the account's API key; a portal session cannot publish.`;
  const wide = fieldNames.find((name) => ACCOUNT_WIDE_ONLY.has(name));
  if (wide && session.webhookIds !== null) return `This portal session is limited to some webhooks: ${wide} needs an account-wide session or the API key.`;
  return null;
}

export function createPortalSessionRulesPlugin(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const session = (args.contextValue as Context).session;
      if (!session) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const refusal = refusalOf(session, rootFieldNames(args.document, operation.selectionSet));
      if (refusal) setResultAndStopExecution({ errors: [notPermitted(refusal)] });
    },
  };
}
