// The real service (`src/main.ts`) as a child process on a fixed port, so that a test can SIGKILL it at any moment and
// start it again where clients expect it. Output is kept (the tail of it) to explain a failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createGraphqlClient, type GraphqlClient } from '../../src/sdk/client.js';
import { childEnv } from './process.js';

/** A loopback port that was free a moment ago (the service binds it, and binds it again after each restart). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type ServiceProcess = {
  port: number;
  url: string;
  /** The running child, or null between a kill and the next start. */
  child(): ChildProcess | null;
  /** Spawns the service and waits until /readyz answers 200. */
  start(timeoutMs?: number): Promise<void>;
  /** SIGKILL: no shutdown hook runs, in-flight transactions are cut wherever they are. */
  kill(): Promise<void>;
  /** Whether /readyz answers 200 right now. */
  ready(): Promise<boolean>;
  client(apiKey: string): GraphqlClient;
  /** The last lines the service printed, across every start. */
  output(): string;
  starts: number;
};

const OUTPUT_TAIL_CHARS = 20_000;

export function serviceProcess(options: { databaseUrl: string; port: number; env?: Record<string, string> }): ServiceProcess {
  const url = `http://127.0.0.1:${options.port}`;
  let child: ChildProcess | null = null;
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_TAIL_CHARS);
  };

  const ready = () =>
    fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );

  const service: ServiceProcess = {
    port: options.port,
    url,
    starts: 0,
    child: () => child,
    ready,
    output: () => output,
    client: (apiKey) => createGraphqlClient(`${url}/graphql`, apiKey),
    async start(timeoutMs = 60_000) {
      if (child) throw new Error('the service is already running');
      service.starts += 1;
      keep(`\n--- start #${service.starts} ---\n`);
      const started = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: childEnv({ DATABASE_URL: options.databaseUrl, PORT: String(options.port), HOST: '127.0.0.1', ...options.env }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      started.stdout!.setEncoding('utf8').on('data', keep);
      started.stderr!.setEncoding('utf8').on('data', keep);
      started.once('exit', (code, signal) => keep(`\n--- exited: code ${code}, signal ${signal} ---\n`));
      const deadline = Date.now() + timeoutMs;
      while (!(await ready())) {
        if (started.exitCode !== null || started.signalCode !== null) throw new Error(`the service exited while starting:\n${output}`);
        if (Date.now() > deadline) throw new Error(`the service was not ready after ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  return service;
}
