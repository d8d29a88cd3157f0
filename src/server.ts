// One node:http server: yoga (HTTP + SSE) and graphql-ws (WebSocket) on the same /graphql path, plus health probes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate, type Context, type ServerDeps } from './context.js';
import { HookstreamError } from './errors.js';
import { GRAPHQL_PATH, type HookstreamYoga } from './yoga.js';

/** Answers 413 (PAYLOAD_TOO_LARGE) before reading a body whose declared size is over the limit. */
function refuseOversizedBody(request: IncomingMessage, response: ServerResponse, maxBytes: number): boolean {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (!(declared > maxBytes)) return false;
  const body = { errors: [{ message: `The request body is ${declared} bytes; the limit is ${maxBytes}.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
  response.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
  request.resume();
  return true;
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
    if (yoga) return void yoga.handle(request, response);
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });

  let wsServer: WebSocketServer | null = null;
  if (yoga) {
    wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
    useServer<Record<string, unknown>, { context?: Context }>(
      {
        // Auth happens once, at connection_init: payload { authorization: "Bearer <key>" }.
        onConnect: async (ctx) => {
          const authorization = ctx.connectionParams?.['authorization'] ?? ctx.connectionParams?.['Authorization'];
          try {
            ctx.extra.context = await authenticate(deps, typeof authorization === 'string' ? authorization : null);
            return true;
          } catch (error) {
            if (!(error instanceof HookstreamError)) deps.log.error({ err: error }, 'graphql-ws authentication failed');
            ctx.extra.socket.close(CloseCode.Unauthorized, 'UNAUTHENTICATED');
            return false;
          }
        },
        execute: (args: any) => args.rootValue.execute(args),
        subscribe: (args: any) => args.rootValue.subscribe(args),
        onSubscribe: async (ctx, _id, params) => {
          // Each subscription holds a LISTEN fan-out and a row load per change: cap them per connection.
          const open = Object.keys(ctx.subscriptions).length;
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
          const args = {
            schema,
            operationName: params.operationName,
            document: parse(params.query),
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
