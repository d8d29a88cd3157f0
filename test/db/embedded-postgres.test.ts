// CONTRACT.md: "With no DATABASE_URL it starts an embedded PostgreSQL under ./.data and migrates it, so a fresh clone
// needs nothing else." The account CLI and the service share that cluster: whichever starts it owns it, the other one
// reuses it while it runs, and the data outlives both.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createGraphqlClient } from '../../src/sdk/client.js';
import { ViewerDocument } from '../../src/sdk/generated.js';
import { childEnv, runScript } from '../helpers/process.js';

let dataDir: string | undefined;
let app: App | undefined;
afterAll(async () => {
  await app?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilClosed(port: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isListening(port))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe('the embedded PostgreSQL (no DATABASE_URL)', () => {
  it('is created by the CLI, reused by the service and by the CLI while the service runs, and stopped by its owner', { timeout: 180_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookstream-embedded-'));
    // As root, the cluster runs as the `postgres` system user, which must be able to reach it.
    await chmod(dataDir, 0o755);
    const cli = (...args: string[]) => runScript('src/cli/account.ts', args, childEnv({ HOOKSTREAM_DATA_DIR: dataDir! }), 150_000);

    // 1. The CLI initialises the cluster, migrates it, creates the account, and stops the cluster again.
    const created = await cli('create', '--name', 'Embedded Spa', '--json');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const { accountId, apiKey } = JSON.parse(created.stdout.trim()) as { accountId: string; apiKey: string };
    const state = JSON.parse(await readFile(join(dataDir, 'embedded-postgres.json'), 'utf8')) as { port: number; password: string };
    expect(state.port).toBeGreaterThan(0);
    expect(await isListening(state.port)).toBe(false);

    // 2. The service, with no DATABASE_URL, starts the same cluster again: the CLI's account is there.
    app = await startApp(loadConfig({ HOOKSTREAM_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), {
      logger: createLogger('silent'),
    });
    expect(await isListening(state.port)).toBe(true);
    const client = createGraphqlClient(`http://127.0.0.1:${app.http.port}/graphql`, apiKey);
    // The CLI prints the account's public ID, the one the API answers.
    expect((await client.data(ViewerDocument)).viewer).toMatchObject({ id: accountId, name: 'Embedded Spa' });

    // 3. The CLI, while the service runs, uses the running cluster rather than starting a second one, and leaves it up.
    const listed = await cli('list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ accountId, name: 'Embedded Spa', webhooks: 0 })]);
    expect(await isListening(state.port)).toBe(true);
    expect((await client.data(ViewerDocument)).viewer.name).toBe('Embedded Spa');

    // 4. Stopping the service stops the cluster it started.
    await app.stop();
    app = undefined;
    expect(await waitUntilClosed(state.port)).toBe(true);
  });
});
