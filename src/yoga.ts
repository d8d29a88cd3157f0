// The GraphQL HTTP/SSE handler, importable without a socket: tests call `yoga.fetch()` in-process, server.ts mounts it.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { PothosError, PothosValidationError } from '@pothos/core';
import { GraphQLError, Kind } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { createAccountRateLimitPlugin } from './account-rate-limit.js';
import { authenticate, type Context, type ServerDeps } from './context.js';
import { ERROR_CODES, HookstreamError } from './errors.js';
import type { Logger } from './logger.js';
import { createPortalSessionRulesPlugin } from './portal/session-rules.js';
import { createRequestShapePlugin } from './request-shape.js';
import { schema } from './schema/index.js';
import { createStorableInputPlugin } from './storable-input.js';
import { createOperationSpanPlugin } from './telemetry/index.js';

export const GRAPHQL_PATH = '/graphql';

/** Query-shape limits (graphql-armor): a query too deep, too wide or too costly is refused before it runs. */
export const QUERY_LIMITS = Object.freeze({ maxDepth: 12, maxAliases: 15, maxDirectives: 20, maxTokens: 2000, maxCost: 10_000 });

export function createArmorPlugin() {
  return EnvelopArmorPlugin({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    costLimit: { maxCost: QUERY_LIMITS.maxCost },
    blockFieldSuggestion: { enabled: true },
  });
}

export type HookstreamYoga = YogaServerInstance<Record<string, unknown>, Context>;

export function createHookstreamYoga(deps: ServerDeps): HookstreamYoga {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: deps.config.isProduction ? false : { title: 'Hookstream', subscriptionsProtocol: 'WS' },
    landingPage: false,
    logging: {
      debug: (...args) => deps.log.debug(args.map(String).join(' ')),
      info: (...args) => deps.log.info(args.map(String).join(' ')),
      warn: (...args) => deps.log.warn(args.map(String).join(' ')),
      error: (...args) => logYogaError(deps.log, args),
    },
    // graphql-ws authenticates once at connection_init and hands its context in; HTTP and SSE authenticate here.
    context: (initial) =>
      (initial as { hookstreamContext?: Context }).hookstreamContext ?? authenticate(deps, initial.request.headers.get('authorization')),
    // No file uploads: a multipart POST is a wrong content type like any other (request-shape.ts).
    multipart: false,
    // server.ts bounds every body (MAX_REQUEST_BYTES) before yoga sees it, declared or chunked; yoga's own, looser
    // limit re-streamed each body through a TransformStream (a pipeline, an AbortController and a DOMException per
    // request: the DOMExceptions alone were 2 % of the service's busy time in the bench's scenario 1, --profile).
    maxRequestBodySize: false,
    plugins: [
      // Traces (OTEL_EXPORTER_OTLP_ENDPOINT) first, so that refused operations get their span too; off, not there at all.
      ...(deps.config.otelEndpoint ? [createOperationSpanPlugin()] : []),
      createRequestShapePlugin(),
      createArmorPlugin(),
      useContractCodesForValidation(),
      createPortalSessionRulesPlugin(),
      // Before the rate limit: a refused input spends none of the account's budget.
      createStorableInputPlugin(),
      createAccountRateLimitPlugin(deps.config),
    ],
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
  });
}

/** The codes of a caller's mistake: logged at info, never as an error of ours. */
const CALLER_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES));

/**
 * Yoga hands every error it masked (and its own failures) to `logging.error`. A caller's mistake — the masked error
 * carries a contract code — is logged at info with that code; anything else is a fault of ours, logged once as an
 * error with its stack.
 */
export function logYogaError(log: Logger, args: unknown[]): void {
  const [first] = args;
  if (!(first instanceof Error)) return void log.error(args.map(String).join(' '));
  const masked = maskError(first, 'Unexpected error.') as GraphQLError;
  const code = masked.extensions?.['code'];
  if (typeof code === 'string' && CALLER_CODES.has(code)) {
    const field = masked.extensions['field'];
    return void log.info({ code, ...(typeof field === 'string' ? { field } : {}), path: masked.path?.join('.') }, `refused: ${masked.message}`);
  }
  const original = first instanceof GraphQLError ? (first.originalError ?? first) : first;
  log.error({ err: original, path: first instanceof GraphQLError ? first.path?.join('.') : undefined }, 'unexpected error in a GraphQL operation');
}

/**
 * The one place errors are mapped for clients. Our HookstreamError passes as it is; errors raised before execution
 * (syntax, validation, variable coercion, query limits) are the caller's and get a contract code; anything else is
 * an internal fault, replaced by a generic message (and logged by logYogaError, which yoga calls with the original).
 */
export function maskError(error: unknown, message: string): Error {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const original = graphqlError?.originalError ?? error;
  if (original instanceof HookstreamError) {
    if (graphqlError && graphqlError !== original) {
      return new GraphQLError(original.message, { nodes: graphqlError.nodes, path: graphqlError.path, extensions: original.extensions });
    }
    return original;
  }
  // `node(id)` is Pothos's own field: an ID that does not decode, or names a type that is no node, is the caller's
  // mistake, reported like a malformed ID anywhere else.
  const fieldNode = graphqlError?.nodes?.[0];
  if (original instanceof PothosError && fieldNode?.kind === Kind.FIELD && fieldNode.name.value === 'node') {
    return new GraphQLError('"id" is not a valid ID.', { nodes: graphqlError?.nodes, path: graphqlError?.path, extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
  }
  // Pothos checks other relay arguments itself (cursors, page sizes) before our resolvers run: a failed check is the
  // caller's mistake, not an internal fault.
  if (original instanceof PothosValidationError) {
    const field = fieldOfPothosValidationError(original.message);
    return new GraphQLError(original.message, { nodes: graphqlError?.nodes, path: graphqlError?.path, extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
  }
  // Prisma's "record not found" (P2025), e.g. from `node(id)` of a row that is missing or another account's: the
  // contract answers both with NOT_FOUND, and with the same words.
  if (isRecordNotFound(original)) {
    return new GraphQLError('Not found.', { nodes: graphqlError?.nodes, path: graphqlError?.path, extensions: { code: 'NOT_FOUND' } });
  }
  // Before execution (no path): syntax, validation, query limits, and variables that do not coerce, whose originalError
  // is graphql-js's own GraphQLError ("Value "GET" does not exist in "HttpMethod" enum").
  if (graphqlError && !graphqlError.path && (!graphqlError.originalError || isGraphqlError(graphqlError.originalError))) {
    const limit = /limit|exceeded|too many/i.test(graphqlError.message);
    const code = (graphqlError.extensions['code'] as string | undefined) ?? (limit ? 'LIMIT_EXCEEDED' : 'BAD_USER_INPUT');
    // `originalError` is yoga's copy of a parser's own text (JSON.parse's, with the body echoed): never sent.
    const { originalError: _parserText, ...ownExtensions } = graphqlError.extensions;
    const extensions: Record<string, unknown> = { ...ownExtensions, code: LIBRARY_REQUEST_CODES.has(code) ? 'BAD_USER_INPUT' : code };
    const field = fieldOfCoercionError(graphqlError.message);
    if (field && extensions['code'] === 'BAD_USER_INPUT') extensions['field'] ??= field;
    return new GraphQLError(graphqlError.message, { nodes: graphqlError.nodes, extensions });
  }
  return new GraphQLError(message, { path: graphqlError?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** Codes graphql-js and yoga give the caller's mistakes; request-shape.ts pre-empts yoga's, this is the net below. */
const LIBRARY_REQUEST_CODES: ReadonlySet<string> = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE']);

function isGraphqlError(error: unknown): boolean {
  return error instanceof GraphQLError || (error instanceof Error && error.name === 'GraphQLError');
}

/**
 * Validation errors (an unknown field, graphql-armor's query limits) are returned by yoga as they are, without passing
 * through maskError: map them here, so that they too carry a contract code (BAD_USER_INPUT or LIMIT_EXCEEDED).
 */
function useContractCodesForValidation(): Plugin {
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map((error) => maskError(error, 'Unexpected error.')));
      },
  };
}

/** graphql-js says `Variable "$input" got invalid value … at "input.name"; …`: name the innermost input field. */
function fieldOfCoercionError(message: string): string | undefined {
  // `…; Field "url" of required type "String!" was not provided.` / `…; Field "bogus" is not defined by type "…".`:
  // the input object is fine, that one field is not.
  const named = /; Field "([A-Za-z_][A-Za-z0-9_]*)" (?:of required type|is not defined by type)/.exec(message);
  if (named?.[1]) return named[1];
  // `at "input.headers[0].name"`: the innermost field, its list index dropped (`headers[0]` is the `headers` field).
  const at = /at "([^"]+)"/.exec(message);
  if (at?.[1]) return at[1].split('.').map((part) => part.replace(/\[\d+\]/g, '')).filter((part) => part !== '' && !/^\d+$/.test(part)).pop();
  const variable = /Variable "\$([A-Za-z_][A-Za-z0-9_]*)"/.exec(message);
  if (variable?.[1]) return variable[1];
  const argument = /[Aa]rgument "(?:[A-Za-z_]+\.)?([A-Za-z_][A-Za-z0-9_]*)"/.exec(message);
  return argument?.[1];
}

/** Pothos names the argument in most of its messages (`Argument "first" must be…`); a bad global ID is `id`'s. */
function fieldOfPothosValidationError(message: string): string | undefined {
  const argument = /Arguments? "([A-Za-z_][A-Za-z0-9_]*)"/.exec(message);
  if (argument?.[1]) return argument[1];
  if (/global ID|^ID: /i.test(message)) return 'id';
  return undefined;
}

function isRecordNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2025' && (error as Error).name === 'PrismaClientKnownRequestError';
}
