// The console opened from a portal link (createPortalSession's `url`, `/console#session=<token>`) in headless
// Chromium: it signs in with the session's token alone (the API key never reaches the browser), takes the token out
// of the address bar, shows only what the session reaches and offers no change a read-only session could not make;
// live updates flow over the session; revoking the session signs the console out.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../src/sdk/client.js';
import { CreatePortalSessionDocument, CreateWebhookDocument, PublishEventDocument, RevokePortalSessionDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/ws-client.js';

const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

describe.skipIf(!HAS_CHROMIUM)('the console opened from a portal link', () => {
  let app: TestApp;
  let receiver: Receiver;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let apiKey: string;
  let owner: GraphqlClient;
  let frontDesk: string;
  let accounting: string;
  let session: { id: string; token: string | null; url: string };
  const pageErrors: string[] = [];
  /** Every credential the browser sent: Authorization headers and graphql-ws connection_init payloads. */
  const sentCredentials: string[] = [];
  const sentFrames: string[] = [];

  beforeAll(async () => {
    app = await startTestApp({ WORKER_POLL_INTERVAL: '50ms' });
    receiver = await startReceiver();
    const account = await app.newAccount({ name: 'Harbour Hotel' });
    apiKey = account.apiKey;
    owner = account.client;
    frontDesk = (await owner.data(CreateWebhookDocument, { input: { name: 'Front desk', url: receiver.url, events: ['bookings.*'] } })).createWebhook.webhook.id;
    accounting = (await owner.data(CreateWebhookDocument, { input: { name: 'Accounting', url: receiver.url, events: ['bookings.*', 'invoices.*'] } })).createWebhook.webhook.id;
    await owner.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'bk_1' } } });
    await receiver.waitFor(2);
    // The platform's backend, with the API key: a read-only console for the front desk's webhook only.
    session = (await owner.data(CreatePortalSessionDocument, { input: { webhookIds: [frontDesk], readOnly: true, ttlSeconds: 600 } })).createPortalSession;

    userDataDir = await mkdtemp(join(tmpdir(), 'hookstream-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('request', (request) => {
      const authorization = request.headers()['authorization'];
      if (authorization) sentCredentials.push(authorization);
    });
    page.on('websocket', (socket) => socket.on('framesent', (frame) => sentFrames.push(String(frame.payload))));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await app?.stop();
    await receiver?.close();
  });

  it('signs in from the link and takes the token out of the address bar', async () => {
    // The link is `<PUBLIC_URL>/console#session=…`; the test app listens on a port of its own.
    expect(session.url).toMatch(new RegExp(`/console#session=${session.token}$`));
    await page.goto(`${app.url}${new URL(session.url).pathname}${new URL(session.url).hash}`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('Harbour Hotel').waitFor();
    expect(await page.getByTestId('portal-session').textContent()).toContain('Portal session, read-only');
    expect(page.url()).toBe(`${app.url}/console`);
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('hookstream.apiKey'))).toBe(session.token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('lists only the session’s webhook and offers nothing to change', async () => {
    const rows = page.locator('tr[data-webhook-id]');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-webhook-id')).toBe(frontDesk);
    expect(await page.locator(`tr[data-webhook-id="${accounting}"]`).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New webhook' }).count()).toBe(0);
    expect(await rows.first().getByRole('button').count()).toBe(0);

    await rows.first().getByRole('link', { name: 'Front desk', exact: true }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    await page.getByText('This portal session is read-only').waitFor();
    expect(await page.getByRole('button', { name: /Disable webhook|Rotate secret|Delete webhook|Save changes/ }).count()).toBe(0);
  });

  it('shows the call history live, over the session', async () => {
    await page.getByRole('main').getByRole('link', { name: 'Call history' }).click();
    await page.getByRole('heading', { name: 'Call history of Front desk' }).waitFor();
    const rows = page.locator('tr[data-delivery-id]');
    await expect.poll(() => rows.count()).toBe(1);
    await waitUntil(async () => ((await app.metrics.subscribers.get()).values[0]?.value ?? 0) >= 1, 10_000, 'the history page’s subscription');
    await owner.data(PublishEventDocument, { input: { type: 'bookings.updated', data: { id: 'bk_1' } } });
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.first().getAttribute('data-status')).toBe('SUCCEEDED');

    await rows.first().getByRole('link', { name: /^Details/ }).click();
    await page.getByRole('heading', { name: 'bookings.updated delivery' }).waitFor();
    expect(await page.getByRole('button', { name: 'Retry delivery' }).count()).toBe(0);
  });

  it('never saw the API key: every credential it sent was the session’s token', () => {
    expect(sentCredentials.length).toBeGreaterThan(0);
    expect(new Set(sentCredentials)).toEqual(new Set([`Bearer ${session.token}`]));
    const init = sentFrames.find((frame) => frame.includes('connection_init'));
    expect(init).toContain(session.token!);
    expect([...sentCredentials, ...sentFrames].some((sent) => sent.includes(apiKey))).toBe(false);
  });

  it('signs out when the session is revoked', async () => {
    await owner.data(RevokePortalSessionDocument, { id: session.id });
    await page.getByText('This portal session has ended').waitFor();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('hookstream.apiKey'))).toBeNull();
    // Refused requests (401) and the closed socket are expected; nothing else went wrong in the page.
    expect(pageErrors.filter((message) => !message.includes('401'))).toEqual([]);
  });
});
