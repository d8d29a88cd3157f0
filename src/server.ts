// One node:http server: yoga (HTTP + SSE) and graphql-ws (WebSocket) on the same /graphql path, plus health probes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DocumentNode, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate, type Context, type ServerDeps } from './context.js';
import { isSessionLive } from './db/portal-session.js';
import { HookstreamError, unauthenticated } from './errors.js';
import { watchSession } from './portal/session-watch.js';
import { GRAPHQL_PATH, maskError, type HookstreamYoga } from './yoga.js';

/** Answers 413 (PAYLOAD_TOO_LARGE) and closes the connection once the answer is out; the rest of the body is discarded. */
function answerTooLarge(request: IncomingMessage, response: ServerResponse, message: string): void {
  const body = { errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
  response.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
  request.resume();
}

/** Answers 413 before reading a body whose declared size is over the limit. */
function refuseOversizedBody(request: IncomingMessage, response: ServerResponse, maxBytes: number): boolean {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (!(declared > maxBytes)) return false;
  answerTooLarge(request, response, `The request body is ${declared} bytes; the limit is ${maxBytes}.`);
  return true;
}

/**
 * A body of undeclared size (`Transfer-Encoding: chunked`) cannot be refused up front: read it here, counting, and
 * give up as soon as it passes the limit, so that a client cannot make yoga buffer an unbounded body.
 * Resolves to the body, or to null when it was too large (and a 413 has been answered).
 */
function readUndeclaredBody(request: IncomingMessage, response: ServerResponse, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      tooLarge = true;
      chunks.length = 0;
      answerTooLarge(request, response, `The request body is over the limit of ${maxBytes} bytes.`);
      resolve(null);
    });
    request.once('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    request.once('error', reject);
  });
}

export type HttpServer = {
  server: Server;
  port: number;
  close(): Promise<void>;
};

type Probe = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/** Starts listening; `probes` answer paths such as /healthz before yoga sees the request. */
export async function startHttpServer(options: {
  deps: ServerDeps;
  yoga: HookstreamYoga | null;
  port: number;
  host: string;
  probes?: Probe[];
}): Promise<HttpServer> {
  const { deps, yoga } = options;
  const server = createServer(async (request, response) => {
    for (const probe of options.probes ?? []) if (await probe(request, response)) return;
    if (yoga && refuseOversizedBody(request, response, deps.config.maxRequestBytes)) return;
    if (yoga && request.headers['content-length'] === undefined && request.headers['transfer-encoding'] !== undefined) {
      const body = await readUndeclaredBody(request, response, deps.config.maxRequestBytes).catch(() => null);
      if (body === null) {
        if (!response.headersSent) response.destroy(); // the client went away in the middle of its body
        return;
      }
      // @whatwg-node/server (under yoga) takes a `body` already read from the request as the request's body.
      (request as IncomingMessage & { body?: Buffer }).body = body;
    }
    if (yoga) return void yoga.handle(request, response);
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });

  let wsServer: WebSocketServer | null = null;
  if (yoga) {
    wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
    useServer<Record<string, unknown>, { context?: Context }>(
      {
        // Auth happens at connection_init: payload { authorization: "Bearer <key or portal token>" }; a portal
        // session is checked again on every operation, and watched while the connection is open.
        onConnect: async (ctx) => {
          const authorization = ctx.connectionParams?.['authorization'] ?? ctx.connectionParams?.['Authorization'];
          try {
            const context = await authenticate(deps, typeof authorization === 'string' ? authorization : null);
            ctx.extra.context = context;
            // A portal session's connection closes (4401, as a refused key) the moment the session expires or is
            // revoked, ending every subscription on it.
            if (context.session) {
              const socket = ctx.extra.socket;
              const stopWatching = watchSession(deps.db.pool, context.session, () => socket.close(CloseCode.Unauthorized, 'UNAUTHENTICATED'));
              socket.once('close', stopWatching);
            }
            return true;
          } catch (error) {
            // A refused credential is the caller's mistake, logged by authenticate at info; anything else is ours.
            if (!(error instanceof HookstreamError)) deps.log.error({ err: error }, 'graphql-ws authentication failed');
            ctx.extra.socket.close(CloseCode.Unauthorized, 'UNAUTHENTICATED');
            return false;
          }
        },
        execute: (args: any) => args.rootValue.execute(args),
        subscribe: (args: any) => args.rootValue.subscribe(args),
        onSubscribe: async (ctx, id, params) => {
          // Every operation on a portal session's connection checks the session again: expired or revoked, it closes.
          const session = ctx.extra.context?.session;
          if (session && !(await isSessionLive(deps.db.pool, session.id))) {
            ctx.extra.socket.close(CloseCode.Unauthorized, 'UNAUTHENTICATED');
            return [unauthenticated('The portal session has expired or was revoked.')];
          }
          // Each subscription holds a LISTEN fan-out and a row load per change: cap them per connection. graphql-ws
          // registers this operation's id before it calls onSubscribe, so the ones already open are the others.
          const open = Object.keys(ctx.subscriptions).filter((openId) => openId !== id).length;
          if (open >= deps.config.maxSubscriptionsPerConnection) {
            return [new HookstreamError('LIMIT_EXCEEDED', `At most ${deps.config.maxSubscriptionsPerConnection} subscriptions per connection.`)];
          }
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params,
            hookstreamContext: ctx.extra.context,
          });
          // A syntax error, or an operationName naming no operation (request-shape.ts), is this subscription's error
          // message, not a crash of the socket (graphql-ws closes it with 4500 when onSubscribe throws).
          let document: DocumentNode;
          try {
            document = parse(params.query);
          } catch (error) {
            return [maskError(error, 'Unexpected error.') as GraphQLError];
          }
          const args = {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
          const errors = validate(args.schema, args.document);
          if (errors.length) return errors;
          return args;
        },
      },
      wsServer,
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const client of wsServer?.clients ?? []) client.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => (wsServer ? wsServer.close(() => resolve()) : resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
