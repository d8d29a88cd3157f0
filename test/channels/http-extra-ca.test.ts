// NODE_EXTRA_CA_CERTS, the operator's way to trust a private CA (CONTRACT.md "Channels"): Node reads it once at
// start-up, so this runs the channel in a child process started with it set, and once without as the control.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { childEnv, runScript } from '../helpers/process.js';
import { createTestCa, startHttpsReceiver, type HttpsReceiver } from '../helpers/tls.js';

const HOST = 'private-ca.hookstream.test';
const script = join(import.meta.dirname, 'scripts', 'send-attempt.ts');
let receiver: HttpsReceiver;
let dir: string;
let caFile: string;

beforeAll(async () => {
  const ca = createTestCa('Hookstream Private CA');
  receiver = await startHttpsReceiver(ca.issue([HOST]));
  dir = await mkdtemp(join(tmpdir(), 'hookstream-ca-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert);
});
afterAll(async () => {
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sendFromChild(env: Record<string, string>) {
  // The runner's own NODE_EXTRA_CA_CERTS, if any, must not leak into the control run.
  const { NODE_EXTRA_CA_CERTS: _inherited, ...base } = childEnv({});
  const result = await runScript(script, [receiver.urlFor(HOST), HOST, '127.0.0.1'], { ...base, ...env }, 60_000);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { kind: string; status: number | null; error?: string };
}

it('trusts a private CA named by NODE_EXTRA_CA_CERTS, and not without it', { timeout: 120_000 }, async () => {
  const withCa = await sendFromChild({ NODE_EXTRA_CA_CERTS: caFile });
  expect(withCa).toMatchObject({ kind: 'success', status: 200 });
  expect(receiver.requests).toHaveLength(1);

  const without = await sendFromChild({});
  expect(without).toMatchObject({ kind: 'failure', status: null, error: 'TLS: certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
  expect(receiver.requests).toHaveLength(1);
});
