// A span per GraphQL operation (an envelop plugin, first in src/yoga.ts's list, so that it sees operations the rules
// or rate limits refuse too). Execution runs inside the span's context: spans started meanwhile (a publish) are its
// children. Named as OpenTelemetry's GraphQL conventions say: `query Viewer`, `mutation publishEvent`…
import type { Plugin } from '@envelop/core';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Context } from '../context.js';
import { publicId } from '../domain/public-id.js';
import { SERVICE_VERSION, TRACER_NAME } from './sdk.js';

// Incubating in @opentelemetry/semantic-conventions: spelled here, as that package advises.
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';

function startOperationSpan(document: DocumentNode, operationName: string | null | undefined, ctx: Partial<Context>): Span {
  const operation = getOperationAST(document, operationName);
  const type = operation?.operation ?? 'query';
  // The operation's own name; unnamed, its first root field (an anonymous `{ viewer { id } }` is `query viewer`).
  const firstField = operation?.selectionSet.selections.find((selection) => selection.kind === 'Field');
  const name = operation?.name?.value ?? (firstField?.kind === 'Field' ? firstField.name.value : undefined);
  return trace.getTracer(TRACER_NAME, SERVICE_VERSION).startSpan(name ? `${type} ${name}` : type, {
    kind: SpanKind.SERVER,
    attributes: {
      [ATTR_GRAPHQL_OPERATION_TYPE]: type,
      ...(operation?.name ? { [ATTR_GRAPHQL_OPERATION_NAME]: operation.name.value } : {}),
      ...(ctx.account ? { 'hookstream.account.id': publicId('Account', ctx.account.id) } : {}),
      ...(ctx.session ? { 'hookstream.portal_session.id': publicId('PortalSession', ctx.session.id) } : {}),
    },
  });
}

/** Ends a span with its result: errors set the span's status, with the contract codes they carry. */
function endWithResult(span: Span, result: unknown): void {
  const errors = (result as ExecutionResult | null)?.errors as readonly GraphQLError[] | undefined;
  if (errors?.length) {
    const codes = [...new Set(errors.map((error) => String(error.extensions?.['code'] ?? 'UNKNOWN')))];
    span.setAttribute('hookstream.graphql.error_codes', codes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]!.message });
  }
  span.end();
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

export function createOperationSpanPlugin(): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const span = startOperationSpan(args.document, args.operationName, args.contextValue);
      setExecuteFn((executionArgs) => context.with(trace.setSpan(context.active(), span), () => executeFn(executionArgs)));
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return { onEnd: () => span.end() };
          endWithResult(span, result);
          return undefined;
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      // The span covers setting the subscription up (checks, the webhook lookup), not its whole life.
      const span = startOperationSpan(args.document, args.operationName, args.contextValue);
      setSubscribeFn((subscribeArgs) => context.with(trace.setSpan(context.active(), span), () => subscribeFn(subscribeArgs)));
      return {
        onSubscribeResult({ result }) {
          endWithResult(span, isAsyncIterable(result) ? null : result);
        },
        onSubscribeError({ error }) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}
