// The service under test, as its own process — compiled JavaScript (`node dist/src/main.js`, as `npm start` runs it;
// buildService() compiles it first) — so that its CPU time and resident memory are its own and not the load
// generator's. Its log (LOG_LEVEL=warn) goes to a file shown when it fails.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { nowMs, sleep } from './clock.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `npm run build`: the service as the bench runs it (incremental: seconds when nothing changed). */
export function buildService(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * The only variables passed on from the caller's shell: none of the service's settings leaks in, so that a run
 * measures the defaults (plus what the bench sets) and is reproducible.
 */
const PASSED_ON = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TMP', 'TEMP'];

export type ServiceOptions = {
  databaseUrl: string;
  /** Its data directory (development secret key and the like): a temporary one, never the repository's .data. */
  dataDir: string;
  logFile: string;
  /** Extra environment, e.g. a short RETRY_SCHEDULE. */
  env?: Record<string, string>;
  /** Write V8 CPU profiles of the process (one file per thread) into this directory when it exits. */
  cpuProfileDir?: string;
  /** Told how to stop the process as soon as it is spawned, before it is ready (an interrupt may come meanwhile). */
  onSpawn?: (stop: () => Promise<void>) => void;
};

export type Service = {
  pid: number;
  port: number;
  url: string;
  /** nowMs() just before the process was spawned. */
  spawnedAt: number;
  stop(): Promise<void>;
  logTail(): string;
};

export async function startService(options: ServiceOptions): Promise<Service> {
  const port = await findFreePort();
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && PASSED_ON.includes(entry[0])),
  );
  Object.assign(env, {
    DATABASE_URL: options.databaseUrl,
    HOOKSTREAM_DATA_DIR: options.dataDir,
    // Webhook secrets are encrypted at rest with it; a fresh one per service, as an operator would set.
    HOOKSTREAM_SECRET_KEY: randomBytes(32).toString('base64'),
    PORT: String(port),
    HOST: '127.0.0.1',
    HOOKSTREAM_ROLE: 'all',
    ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'warn',
    WORKER_POLL_INTERVAL: '1s',
    ...options.env,
  });
  const profileFlags = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const logFd = openSync(options.logFile, 'a');
  const spawnedAt = nowMs();
  // BENCH_SERVICE_NODE_FLAGS: extra node flags for the service alone (e.g. V8 heap sizes), to try them in a run.
  const nodeFlags = (process.env.BENCH_SERVICE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, ...profileFlags, 'dist/src/main.js'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const logTail = () => {
    try {
      return readFileSync(options.logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM: main.ts stops gracefully and exits, which is also when --cpu-prof writes its profile.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  options.onSpawn?.(stop);

  const deadline = nowMs() + 90_000;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`the service exited (${exitCode}) while starting:\n${logTail()}`);
    if (nowMs() > deadline) {
      await stop();
      throw new Error(`the service was not ready within 90 s:\n${logTail()}`);
    }
    const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    if (ready) break;
    await sleep(100);
  }
  return { pid: child.pid!, port, url, spawnedAt, stop, logTail };
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
