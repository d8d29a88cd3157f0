// The GraphQL-over-HTTP request itself — method, media types, the JSON body or query string, which operation to run —
// checked by us before yoga's own checks, so that every request-level error is BAD_USER_INPUT (with the request
// parameter as `field` where there is one) and a message of ours: never a library's text, never a parser's echo of the
// body, never an empty 406/415. A yoga plugin: our parsers replace yoga's for GET and JSON POST, and yoga's checks
// behind them (batching, parameter shapes, mutation over GET) then find nothing to refuse.
import { getOperationAST, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { HookstreamError } from './errors.js';

const REQUEST_PARAMETERS: ReadonlySet<string> = new Set(['query', 'variables', 'operationName', 'extensions']);
/** What yoga's result processors can answer (its SSE, multipart and regular processors). */
const ANSWERABLE_MEDIA_TYPES = ['application/json', 'application/graphql-response+json', 'text/event-stream', 'multipart/mixed'] as const;
const JSON_BODY_MEDIA_TYPES = ['application/json', 'application/graphql+json'] as const;

/** BAD_USER_INPUT with the HTTP status a request-level error is answered with (yoga reads `extensions.http`). */
export function requestError(message: string, status: number, options: { field?: string; headers?: Record<string, string> } = {}): HookstreamError {
  return new HookstreamError('BAD_USER_INPUT', message, {
    ...(options.field ? { field: options.field } : {}),
    http: { status, ...(options.headers ? { headers: options.headers } : {}) },
  });
}

export function createRequestShapePlugin(): Plugin {
  return {
    onRequestParse({ request, setRequestParser, endResponse, fetchAPI }) {
      // Checked first, and answered by hand: with nothing the client accepts, yoga would answer an empty 406, and only
      // after running the operation — a mutation's effects included.
      if (!acceptsAnswerableMediaType(request)) {
        const error = requestError(`Nothing in "Accept" can be answered: ask for ${ANSWERABLE_MEDIA_TYPES.join(', ')}.`, 406);
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] }), {
            status: 406,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
        return;
      }
      if (request.method === 'GET') return void setRequestParser(parseGetRequest);
      if (request.method !== 'POST') {
        throw requestError(`GraphQL is served over GET and POST, not ${request.method}.`, 405, { headers: { Allow: 'GET, POST' } });
      }
      if (!hasMediaType(request.headers.get('content-type'), JSON_BODY_MEDIA_TYPES)) {
        throw requestError('POST a JSON body with "Content-Type: application/json".', 415);
      }
      setRequestParser(parseJsonBody);
    },

    // After parsing (a syntax error keeps graphql-js's message: it is about the caller's document, with a location),
    // and before yoga's own operation check, which would answer OPERATION_RESOLUTION_FAILURE. An error thrown here is
    // not put in yoga's parse cache, so a later request with the same document and another operationName is unharmed.
    onParse({ context }) {
      return ({ result }) => {
        if (!isDocument(result)) return;
        const { params, request } = context as { params?: GraphQLParams; request?: Request };
        const operation = getOperationAST(result, params?.operationName);
        if (!operation) throw operationNotFound(result, params?.operationName);
        if (!request) return; // graphql-ws: no HTTP method or media type to check
        if (operation.operation === 'mutation' && request.method !== 'POST') {
          throw requestError('A mutation must be sent with POST.', 405, { headers: { Allow: 'POST' } });
        }
        if (operation.operation === 'subscription' && !acceptsMediaType(request, 'text/event-stream')) {
          throw requestError('A subscription over HTTP is answered as server-sent events: send "Accept: text/event-stream" (or use graphql-ws).', 406);
        }
      };
    },
  };
}

// ---- parsers ------------------------------------------------------------------------------------------------------

async function parseJsonBody(request: Request): Promise<GraphQLParams> {
  const text = await request.text();
  if (text.trim() === '') throw requestError('The request body is empty: send a JSON object { "query": …, "variables": … }.', 400);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw requestError('The request body is not valid JSON.', 400);
  }
  if (Array.isArray(body)) throw requestError('One operation per request: a batch (a JSON array) is not supported.', 400);
  if (!isPlainObject(body)) throw requestError('The request body must be a JSON object { "query": …, "variables": … }.', 400);
  return checkRequestParameters(body);
}

function parseGetRequest(request: Request): GraphQLParams {
  const search = new URL(request.url, 'http://localhost').searchParams;
  const parameters: Record<string, unknown> = {};
  for (const [name, value] of search) {
    if (name in parameters) throw requestError(`"${name}" is given more than once.`, 400, { field: name });
    parameters[name] = name === 'variables' || name === 'extensions' ? parseJsonParameter(name, value) : value;
  }
  return checkRequestParameters(parameters);
}

function parseJsonParameter(name: string, value: string): unknown {
  if (value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw requestError(`"${name}" is not valid JSON.`, 400, { field: name });
  }
}

/** query: a string; variables and extensions: objects; operationName: a string; nothing else. */
function checkRequestParameters(parameters: Record<string, unknown>): GraphQLParams {
  for (const [name, value] of Object.entries(parameters)) {
    if (!REQUEST_PARAMETERS.has(name) && value != null) {
      throw requestError(`Unknown request parameter "${name}": a request has query, variables, operationName and extensions.`, 400, { field: name });
    }
  }
  const { query, variables, operationName, extensions } = parameters;
  if (typeof query !== 'string' || query.trim() === '') throw requestError('"query" is required: the GraphQL document, as a string.', 400, { field: 'query' });
  if (variables != null && !isPlainObject(variables)) throw requestError('"variables" must be a JSON object of the variables by name.', 400, { field: 'variables' });
  if (operationName != null && typeof operationName !== 'string') throw requestError('"operationName" must be a string.', 400, { field: 'operationName' });
  if (extensions != null && !isPlainObject(extensions)) throw requestError('"extensions" must be a JSON object.', 400, { field: 'extensions' });
  return {
    query,
    ...(variables != null ? { variables: variables as Record<string, unknown> } : {}),
    // An empty operationName is what some clients send for "the only operation".
    ...(operationName ? { operationName: operationName as string } : {}),
    ...(extensions != null ? { extensions: extensions as Record<string, unknown> } : {}),
  };
}

function operationNotFound(document: DocumentNode, operationName: string | undefined): HookstreamError {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const names = operations.flatMap((operation) => (operation.name ? [operation.name.value] : []));
  if (operations.length === 0) return requestError('The document has no operation to run.', 400, { field: 'query' });
  if (operationName === undefined) {
    return requestError(`The document has ${operations.length} operations (${names.join(', ')}): "operationName" must name the one to run.`, 400, { field: 'operationName' });
  }
  return requestError(`"operationName" names no operation of the document; it has: ${names.length ? names.join(', ') : 'one anonymous operation'}.`, 400, {
    field: 'operationName',
  });
}

// ---- media types --------------------------------------------------------------------------------------------------

/** The media types of an Accept header, parameters dropped; none: anything. Yoga answers in UTF-8 only. */
function acceptedMediaTypes(request: Request): string[] {
  const accept = request.headers.get('accept');
  if (!accept?.trim()) return ['*/*'];
  return accept
    .toLowerCase()
    .split(',')
    .flatMap((entry) => {
      const [mediaType, ...parameters] = entry.split(';').map((part) => part.trim());
      const charset = parameters.find((parameter) => parameter.startsWith('charset='));
      return mediaType && (!charset || charset === 'charset=utf-8') ? [mediaType] : [];
    });
}

function matchesMediaType(asked: string, offered: string): boolean {
  const [askedType, askedSubtype] = asked.split('/');
  const [type, subtype] = offered.split('/');
  return (askedType === '*' || askedType === type) && (askedSubtype === '*' || askedSubtype === subtype);
}

const acceptsMediaType = (request: Request, offered: string) => acceptedMediaTypes(request).some((asked) => matchesMediaType(asked, offered));

const acceptsAnswerableMediaType = (request: Request) => ANSWERABLE_MEDIA_TYPES.some((offered) => acceptsMediaType(request, offered));

function hasMediaType(contentType: string | null, mediaTypes: readonly string[]): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType !== undefined && mediaTypes.includes(mediaType);
}

const isDocument = (value: unknown): value is DocumentNode => typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === Kind.DOCUMENT;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
