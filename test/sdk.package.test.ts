// The SDK package as a platform installs it (slow: npm pack, npm install from the registry, a child process): packed
// from sdk/, installed into an empty project outside this repository with nothing but its declared dependencies, its
// .d.ts compiled against a typed consumer, and a plain-JS backend run against a live service: catalog, webhook, a
// graphql-ws subscription (through the package's `ws`, Node 20 having no WebSocket), publish → delivery → the
// receiver's request, publishEvents, a portal session and a refusal as a HookstreamError.
import { cp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { installIntoEmptyProject, packSdk, plainEnv, runCommand, SDK_DIR } from './helpers/sdk-package.js';

const CONSUMER_FIXTURE = join(SDK_DIR, 'test', 'consumer');
const TSC = resolve('node_modules', 'typescript', 'bin', 'tsc');

let app: TestApp;
let receiver: Receiver;
let project: string;
let packedFiles: string[];
let tarballDir: string;

beforeAll(async () => {
  let started = performance.now();
  const { tarball, files } = await packSdk();
  packedFiles = files;
  tarballDir = dirname(tarball);
  console.log(`npm pack (with the tsc build): ${Math.round(performance.now() - started)} ms`);
  started = performance.now();
  project = await installIntoEmptyProject(tarball);
  console.log(`npm install into an empty project: ${Math.round(performance.now() - started)} ms (${project})`);
  await cp(CONSUMER_FIXTURE, project, { recursive: true });
  app = await startTestApp({ RETRY_SCHEDULE: '100ms', WORKER_POLL_INTERVAL: '50ms' });
  receiver = await startReceiver();
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await receiver?.close();
  for (const dir of [project, tarballDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('@hookstream/client, packed and installed', () => {
  it('ships JS, declarations and the operations, and depends on nothing of this repository', async () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/node.js', 'dist/generated.d.ts', 'operations/deliveries.graphql']));
    expect(packedFiles.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
    const { stdout } = await runCommand('npm', ['ls', '--all', '--json'], { cwd: project, env: plainEnv() });
    const installed = Object.keys((JSON.parse(stdout) as { dependencies: Record<string, { dependencies?: object }> }).dependencies['@hookstream/client']?.dependencies ?? {}).sort();
    expect(installed).toEqual(['@graphql-typed-document-node/core', 'graphql', 'graphql-ws', 'ws']);
  });

  it('types: a typed consumer compiles against the installed .d.ts, and wrong inputs do not', async () => {
    const result = await runCommand(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, env: plainEnv(), timeoutMs: 120_000 });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('a backend in plain JS: publish → delivery at the receiver → live status over graphql-ws', async () => {
    const { apiKey, accountId } = await app.newAccount({ name: 'Packed SDK Spa' });
    const started = performance.now();
    const result = await runCommand(process.execPath, ['platform.mjs'], {
      cwd: project,
      env: plainEnv({ HOOKSTREAM_URL: `${app.url}/graphql`, HOOKSTREAM_API_KEY: apiKey, RECEIVER_URL: receiver.url }),
      timeoutMs: 60_000,
    });
    console.log(`the consumer ran for ${Math.round(performance.now() - started)} ms`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!);

    // Node 20 has no global WebSocket: there the subscription ran on the package's own `ws`.
    expect(out.webSocket).toBe(typeof globalThis.WebSocket);
    expect(out.viewer).toMatchObject({ name: 'Packed SDK Spa' });
    expect(out.viewer.id).toMatch(/^acct_/);
    expect(out.webhook.id).toMatch(/^wh_/);
    expect(out.secret).toMatch(/^whsec_/);
    expect(out.warmUp).toBeGreaterThan(0);

    expect(out.published).toMatchObject({ deliveryCount: 1, duplicate: false, event: { type: 'bookings.created', idempotencyKey: 'booking-1764-created' } });
    expect(out.again).toMatchObject({ duplicate: true, event: { id: out.published.event.id } });
    expect(out.statuses[0]).toBe('PENDING');
    expect(out.statuses.at(-1)).toBe('SUCCEEDED');

    // The delivery the subscription named is the publish's, and it is the request the receiver got.
    expect(out.delivery).toMatchObject({ status: 'SUCCEEDED', event: { id: out.published.event.id }, webhook: { id: out.webhook.id } });
    expect(out.delivery.attempts).toHaveLength(1);
    expect(out.delivery.attempts[0]).toMatchObject({ number: 1, responseStatus: 200 });
    const request = receiver.requests.find((candidate) => candidate.headers['webhook-id'] === out.delivery.id);
    expect(request, 'the receiver got the delivery').toBeDefined();
    expect(JSON.parse(request!.body)).toMatchObject({ event: 'bookings.created', event_id: out.published.event.id, webhook_id: out.webhook.id });
    expect(receiver.verify(request!, out.secret)).toBeTruthy();

    expect(out.batch.map((item: { event: { type: string }; deliveryCount: number }) => [item.event.type, item.deliveryCount])).toEqual([
      ['bookings.created', 1],
      ['bookings.updated', 1],
    ]);
    expect(out.portal).toMatchObject({ readOnly: true, webhookIds: [out.webhook.id], revoked: false });
    expect(out.portal.url).toMatch(/\/console#session=/);
    expect(out.refusal).toMatchObject({ isHookstreamError: true, code: 'BAD_USER_INPUT', field: 'type' });
    console.log(`account ${accountId}: statuses seen ${out.statuses.join(' → ')}; ${out.warmUp} warm-up update(s)`);
  }, 90_000);
});
