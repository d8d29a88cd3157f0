// The peers of scenario (1), from the bench's side: a worker process per peer (peer-process.ts) and, in this
// process, its publisher (pg-boss `send` or graphile-worker `addJob`, as a platform would call it in its own process).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeerKind, PeerJob } from './peer-delivery.js';
import { openGraphilePublisher } from './peer-graphile.js';
import { openPgBossPublisher } from './peer-pgboss.js';
import type { PeerMessage } from './peer-process.js';

export const PEER_NAMES: Readonly<Record<PeerKind, string>> = Object.freeze({ pgboss: 'pg-boss', graphile: 'graphile-worker' });

export type PeerWorker = {
  kind: PeerKind;
  pid: number;
  /** Errors the worker reported (distinct messages, the first 20). */
  errors: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
};

/** Forks the peer's worker process and waits until it has prepared its database (migrated, queue created). */
export async function startPeerWorker(
  kind: PeerKind,
  options: { databaseUrl: string; receiverPort: number; path: string; log: (message: string) => void; onSpawn: (stop: () => Promise<void>) => void },
): Promise<PeerWorker> {
  const entry = fileURLToPath(new URL('./peer-process.ts', import.meta.url));
  // The child's stdout goes to our stderr: stdout is the table and the JSON line.
  const child: ChildProcess = fork(entry, [kind, options.databaseUrl, String(options.receiverPort), options.path], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
  const errors: string[] = [];
  const waiters = new Map<string, () => void>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: PeerMessage) => {
    if (message.type === 'error') {
      errors.push(message.message);
      options.log(`  ${PEER_NAMES[kind]} worker: ${message.message}`);
    } else waiters.get(message.type)?.();
  });
  const waitFor = (type: PeerMessage['type'], timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${PEER_NAMES[kind]} worker: no "${type}" within ${timeoutMs / 1000} s; ${errors.join('; ')}`)), timeoutMs);
      waiters.set(type, () => (clearTimeout(timer), resolve()));
      void exited.then(() => (clearTimeout(timer), reject(new Error(`${PEER_NAMES[kind]} worker exited before "${type}"; ${errors.join('; ')}`))));
    });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  options.onSpawn(stop);
  await waitFor('ready', 60_000);
  return {
    kind,
    pid: child.pid!,
    errors,
    async start() {
      const started = waitFor('started', 30_000);
      child.send({ type: 'start' });
      await started;
    },
    stop,
  };
}

export type PeerPublisher = { publish(job: PeerJob): Promise<void>; close(): Promise<void> };

export function openPeerPublisher(kind: PeerKind, databaseUrl: string, connections: number): Promise<PeerPublisher> {
  return kind === 'pgboss' ? openPgBossPublisher(databaseUrl, connections) : openGraphilePublisher(databaseUrl, connections);
}
