// The browser console (console/, served under /console by src/console/serve.ts), driven in a real headless Chromium:
// sign in, create a webhook through the UI, publish through the typed SDK, and watch the delivery arrive and succeed
// on the history page without a reload; then its detail, and a manual retry. Also the static serving itself.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleHandler } from '../src/console/serve.js';
import type { GraphqlClient } from '../src/sdk/client.js';
import { CreateWebhookDocument, DeliveryDocument, PublishEventDocument, WebhooksDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/ws-client.js';

const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const SKIP_REASON = `skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (!HAS_CHROMIUM) console.warn(`console.e2e.test.ts: the browser tests are ${SKIP_REASON}`);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
// The committed screenshot is rewritten only when missing or asked for, so a test run leaves the work tree clean;
// otherwise the fresh one goes beside the JUnit report.
const COMMITTED_SCREENSHOT = 'docs/console-history.png';
const SCREENSHOT_PATH =
  process.env['UPDATE_SCREENSHOTS'] === '1' || !existsSync(COMMITTED_SCREENSHOT) ? COMMITTED_SCREENSHOT : '.data/console-history.png';

type RawResponse = { status: number; headers: IncomingHttpHeaders; body: string };

/** A request with the path exactly as given: fetch() would normalise `..` away before it left the test. */
function rawRequest(baseUrl: string, path: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ hostname, port, path, method }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function buildConsoleIfMissing(): Promise<void> {
  if (existsSync('console/dist/index.html')) return;
  await new Promise<void>((resolve, reject) => {
    const build = spawn('npm', ['run', 'build:console'], { stdio: 'inherit' });
    build.on('error', reject);
    build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build:console exited with ${code}`))));
  });
}

describe('serving the console (src/console/serve.ts)', () => {
  let root: string;
  let server: Server;
  let baseUrl: string;
  let missingBaseUrl: string;
  let missingServer: Server;

  /** A server that asks the handler first and answers 418 itself for what the handler declines. */
  async function serveWith(distDir: string): Promise<[Server, string]> {
    const handle = createConsoleHandler(distDir);
    const started = createServer(async (request, response) => {
      if (!(await handle(request, response))) response.writeHead(418).end('declined');
    });
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    return [started, `http://127.0.0.1:${(started.address() as AddressInfo).port}`];
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hookstream-console-'));
    await mkdir(join(root, 'dist', 'assets'), { recursive: true });
    await writeFile(join(root, 'dist', 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(root, 'dist', 'assets', 'index-AbC123.js'), 'console.log(1)');
    await writeFile(join(root, 'dist', 'assets', 'index-AbC123.css'), 'body{}');
    await writeFile(join(root, 'dist', 'favicon.svg'), '<svg/>');
    await writeFile(join(root, 'secret.txt'), 'outside the root');
    [server, baseUrl] = await serveWith(join(root, 'dist'));
    [missingServer, missingBaseUrl] = await serveWith(join(root, 'not-built'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await new Promise((resolve) => missingServer?.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('answers /console and client routes with index.html, revalidated, with a CSP', async () => {
    for (const path of ['/console', '/console/', '/console/deliveries/dlv_01jf8v3x2q0000000000000000', '/console/webhooks/new?x=1']) {
      const response = await rawRequest(baseUrl, path);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(response.body).toContain('<title>console</title>');
    }
  });

  it('serves hashed assets with their content type and a long cache, other files revalidated', async () => {
    const script = await rawRequest(baseUrl, '/console/assets/index-AbC123.js');
    expect(script).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await rawRequest(baseUrl, '/console/assets/index-AbC123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const icon = await rawRequest(baseUrl, '/console/favicon.svg');
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
    // A missing asset is a 404, never index.html that the browser would try to run.
    expect((await rawRequest(baseUrl, '/console/assets/gone-123.js')).status).toBe(404);
  });

  it('answers HEAD without a body', async () => {
    const head = await rawRequest(baseUrl, '/console/assets/index-AbC123.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(head.body).toBe('');
  });

  it('never serves a file outside console/dist', async () => {
    for (const path of ['/console/..%2fsecret.txt', '/console/%2e%2e%2fsecret.txt', '/console/assets/..%2f..%2fsecret.txt', '/console/..%5csecret.txt']) {
      const response = await rawRequest(baseUrl, path);
      expect(response.body, path).not.toContain('outside the root');
    }
    // Plain `..` segments are resolved by the URL parser before the handler looks: they leave /console entirely.
    expect((await rawRequest(baseUrl, '/console/../secret.txt')).status).toBe(418);
    expect((await rawRequest(baseUrl, '/console/%E0%A4%A')).status).toBe(400);
  });

  it('declines other paths and methods, so yoga and the other probes get them', async () => {
    expect((await rawRequest(baseUrl, '/consoles')).status).toBe(418);
    expect((await rawRequest(baseUrl, '/graphql')).status).toBe(418);
    expect((await rawRequest(baseUrl, '/healthz')).status).toBe(418);
    expect((await rawRequest(baseUrl, '/console/', 'POST')).status).toBe(418);
  });

  it('says how to build the console when console/dist is missing', async () => {
    const response = await rawRequest(missingBaseUrl, '/console/');
    expect(response.status).toBe(503);
    expect(response.body).toContain('npm run build:console');
  });
});

describe.skipIf(!HAS_CHROMIUM)(`the console in headless Chromium${HAS_CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let app: TestApp;
  let receiver: Receiver;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  let apiKey: string;
  let client: GraphqlClient;
  let secret: string;
  let webhookId: string;
  let succeededId: string;

  /** The number of open subscriptions on the app: a page's subscriptions are registered when it reaches `count`. */
  async function waitForSubscriptions(count: number): Promise<void> {
    await waitUntil(async () => (await app.metrics.subscribers.get()).values[0]?.value === count, 10_000, `${count} open subscription(s)`);
  }

  /** Marks the current document; a reload or navigation by the browser would lose the mark. */
  const markDocument = () => page.evaluate(() => ((window as unknown as { consoleTestMark: number }).consoleTestMark = 42));
  const documentMark = () => page.evaluate(() => (window as unknown as { consoleTestMark?: number }).consoleTestMark ?? null);

  beforeAll(async () => {
    await buildConsoleIfMissing();
    app = await startTestApp({ RETRY_SCHEDULE: '50ms', WORKER_POLL_INTERVAL: '50ms' });
    receiver = await startReceiver();
    userDataDir = await mkdtemp(join(tmpdir(), 'hookstream-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    // The console talks to its own origin only: no fonts, CDNs or anything else.
    // (Loopback only: a second service of the tests' own may run on another port.)
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.hostname !== '127.0.0.1' && url.protocol !== 'data:') foreignRequests.push(request.url());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await app?.stop();
    await receiver?.close();
  });

  it('signs in with an API key kept in sessionStorage only', async () => {
    const account = await app.newAccount({ name: 'Seaside Spa' });
    apiKey = account.apiKey;
    client = account.client;

    await page.goto(`${app.url}/console/`);
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');

    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('Seaside Spa').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('hookstream.apiKey'))).toBe(apiKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('creates a webhook through the form and shows its secret once', async () => {
    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.getByRole('heading', { name: 'New webhook' }).waitFor();
    const form = page.locator('form.form');
    await page.locator('details.operational > summary').waitFor();
    // Short whatever the catalog's size: one line per category until opened.
    const height = (await form.boundingBox())!.height;
    console.log(`create form: ${Math.round(height)} px tall with every category collapsed`);
    expect(height).toBeLessThan(1100);
    expect(await page.locator('details.event-category[open]').count()).toBe(0);
    // webhook.test is sent on request, not subscribed to; Hookstream's own notices have their section.
    expect(await page.getByLabel('webhook.test', { exact: true }).count()).toBe(0);
    expect(await page.getByText('webhook.*').count()).toBe(0);
    expect(await page.locator('details.operational').textContent()).toContain('5 event types');

    await page.getByLabel('Name').fill('Front desk sync');
    await page.getByLabel('Endpoint URL').fill('ftp://example.com/hooks');
    // The search opens the categories it finds something in.
    await page.getByLabel('Find an event type').fill('booking made');
    await page.getByLabel('bookings.created', { exact: true }).check();
    const bookings = page.locator('li[data-event-type="bookings.created"]');
    await bookings.getByText('Example payload').click();
    expect(await bookings.getByLabel('Example data of bookings.created').textContent()).toContain('Schreibtisch 4');
    await page.getByLabel('Find an event type').fill('');
    await page.locator('details[data-category="invoices"] > summary').click();
    await page.getByLabel('invoices.finalised', { exact: true }).check();
    expect(await page.locator('details[data-category="bookings"] > summary').textContent()).toContain('1 of 7 chosen');

    // A refusal appears beside its field, in a sentence.
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const urlField = page.locator('.field', { has: page.getByLabel('Endpoint URL') });
    await expect.poll(() => urlField.getByRole('alert').textContent()).toContain('Hookstream cannot send to this endpoint URL: URL must use http or https.');
    expect(await page.getByLabel('Endpoint URL').getAttribute('aria-invalid')).toBe('true');
    expect(await form.textContent()).not.toContain('(field: url)');
    await page.getByLabel('Endpoint URL').fill(receiver.url);

    // The transform editor previews what the endpoint would get, live; a transform that fails is refused beside it.
    await page.locator('details.transform > summary').click();
    const preview = page.getByTestId('transform-preview');
    await expect.poll(() => preview.textContent()).toContain('"event_id"');
    await page.getByLabel('JSONata expression').fill('{ "booking": data.number, "room": data.resource.name }');
    await expect.poll(() => preview.textContent()).toContain('"room": "Schreibtisch 4"');
    await page.getByLabel('JSONata expression').fill('$error("not for invoices")');
    await expect.poll(() => preview.textContent()).toContain('not for invoices');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const transformField = page.locator('.field', { has: page.getByLabel('JSONata expression') });
    await expect.poll(() => transformField.getByRole('alert').textContent()).toContain('The transform fails on the example of bookings.created');
    await page.getByLabel('JSONata expression').fill('');

    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 1 name').fill('Authorization');
    await page.getByLabel('Header 1 value').fill('Bearer front-desk-token');
    await page.getByRole('button', { name: 'Create webhook' }).click();

    await page.getByRole('heading', { name: 'Front desk sync', level: 1 }).waitFor();
    secret = (await page.getByTestId('signing-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);

    const { webhooks } = await client.data(WebhooksDocument, { first: 10 });
    expect(webhooks.totalCount).toBe(1);
    const webhook = webhooks.edges[0]!.node;
    webhookId = webhook.id;
    expect(webhook).toMatchObject({ name: 'Front desk sync', url: receiver.url, active: true, httpMethod: 'POST' });
    expect([...webhook.events].sort()).toEqual(['bookings.created', 'invoices.finalised']);
    expect(webhook.headerNames.map((name) => name.toLowerCase())).toEqual(['authorization']);

    // Shown once: the webhook's page, opened again, has no secret to show.
    await page.getByRole('link', { name: 'Webhooks', exact: true }).first().click();
    const row = page.locator(`tr[data-webhook-id="${webhookId}"]`);
    await expect.poll(() => row.textContent()).toContain('Front desk sync');
    expect(await row.textContent()).toContain('Active');
    await row.getByRole('link', { name: 'Front desk sync', exact: true }).click();
    await page.getByRole('heading', { name: 'Front desk sync', level: 1 }).waitFor();
    expect(await page.getByTestId('signing-secret').count()).toBe(0);

    // Restrictions by the catalog's dimensions: anny's five, since the webhook takes a booking event.
    await page.getByRole('button', { name: 'Add restriction' }).click();
    const dimensions = await page.getByLabel('Restriction 1 by').locator('option').allTextContents();
    expect(dimensions).toEqual(['Resource', 'Resource group', 'Resource category', 'Service', 'Service group']);
    await page.getByRole('button', { name: 'Remove restriction 1' }).click();
  });

  it('shows a published delivery arrive and succeed on the history page without reloading', async () => {
    await page.getByRole('main').getByRole('link', { name: 'Call history' }).click();
    await page.getByRole('heading', { name: 'Call history of Front desk sync' }).waitFor();
    await expect.poll(() => page.getByTestId('history-live').textContent()).toContain('Live:');
    await waitForSubscriptions(1);
    await markDocument();

    await client.data(PublishEventDocument, {
      input: { type: 'bookings.created', data: { id: 'bk_1001', resource: { id: 'room-12', name: 'Sea view room' }, customer: { name: 'Ada Lovelace' } } },
    });
    const rows = page.locator('tr[data-delivery-id]');
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => rows.first().getAttribute('data-status')).toBe('SUCCEEDED');
    expect(await rows.first().textContent()).toContain('Succeeded');
    expect(await rows.first().textContent()).toContain('HTTP 200');
    succeededId = (await rows.first().getAttribute('data-delivery-id')) ?? '';

    const [received] = await receiver.waitFor(1);
    expect(received!.headers['authorization']).toBe('Bearer front-desk-token');
    expect(receiver.verify(received!, secret)).toMatchObject({ event: 'bookings.created', data: { id: 'bk_1001' } });

    // A failing endpoint: the newer delivery goes on top and turns Retrying, then Failed, in place.
    receiver.reply({ status: 500, body: 'upstream down' }, { status: 500, body: 'upstream down' });
    await client.data(PublishEventDocument, { input: { type: 'invoices.finalised', data: { id: 'inv_2001', total: '120.00', currency: 'EUR' } } });
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.first().getAttribute('data-status')).toBe('FAILED');
    expect(await rows.first().textContent()).toContain('invoices.finalised');
    expect(await rows.first().textContent()).toContain('Failed');
    expect(await rows.nth(1).getAttribute('data-delivery-id')).toBe(succeededId);
    expect(await documentMark()).toBe(42);

    await page.screenshot({ path: SCREENSHOT_PATH, animations: 'disabled' });
    expect(existsSync(SCREENSHOT_PATH)).toBe(true);
  }, 60_000);

  it('filters the account-wide history by status and event type', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call history' }).click();
    await page.getByRole('heading', { name: 'Call history', exact: true }).waitFor();
    const rows = page.locator('tr[data-delivery-id]');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('Front desk sync');

    await page.getByLabel('Failed', { exact: true }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.url()).toContain('status=FAILED');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-status')).toBe('FAILED');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Event type').selectOption('bookings.created');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.url()).toContain('eventType=bookings.created');
    await expect.poll(() => rows.first().getAttribute('data-delivery-id')).toBe(succeededId);
    await expect.poll(() => rows.count()).toBe(1);
  });

  it("opens a delivery's detail and retries it: a MANUAL attempt appears live", async () => {
    await page.locator(`tr[data-delivery-id="${succeededId}"]`).getByRole('link', { name: /^Details/ }).click();
    await page.getByRole('heading', { name: 'bookings.created delivery' }).waitFor();
    const main = page.getByRole('main');
    expect(await main.getByLabel('Payload sent').textContent()).toContain('bk_1001');
    const first = page.locator('li[data-attempt-number="1"]');
    const firstText = (await first.textContent()) ?? '';
    expect(firstText).toContain('Automatic');
    expect(firstText).toContain('HTTP 200');
    expect(firstText).toMatch(/\d+ ms|\d+\.\d+ s/);
    expect(firstText).toContain('webhook-signature');
    expect(firstText).toContain('webhook-id');
    await waitForSubscriptions(1);
    await markDocument();

    // Keyboard only: real buttons take Enter.
    await page.getByRole('button', { name: 'Retry delivery' }).focus();
    await page.keyboard.press('Enter');
    const second = page.locator('li[data-attempt-number="2"]');
    await second.waitFor();
    expect(await second.getAttribute('data-trigger')).toBe('MANUAL');
    await expect.poll(() => second.textContent()).toContain('HTTP 200');
    expect(await second.textContent()).toContain('Manual');
    expect(await documentMark()).toBe(42);
    expect(receiver.requests.length).toBe(4);

    const { delivery } = await client.data(DeliveryDocument, { id: succeededId });
    expect(delivery?.attempts.map((attempt) => attempt.trigger)).toEqual(['AUTOMATIC', 'MANUAL']);
    expect(delivery?.manualRetries).toBe(1);
  }, 60_000);

  it('pages through the history with cursors, and counts deliveries that arrive meanwhile', async () => {
    const before = receiver.requests.length;
    for (let index = 0; index < 25; index += 1) {
      await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: `bk_${3000 + index}` } } });
    }
    await receiver.waitFor(before + 25);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call history' }).click();
    await page.getByRole('heading', { name: 'Call history', exact: true }).waitFor();
    const rows = page.locator('tr[data-delivery-id]');
    const caption = page.locator('table.history caption');
    await expect.poll(() => rows.count()).toBe(25);
    expect(await caption.textContent()).toContain('27 deliveries');
    const newestFirstPage = await rows.first().getAttribute('data-delivery-id');

    await page.getByRole('link', { name: 'Older →' }).click();
    await expect.poll(() => page.url()).toContain('after=');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.last().getAttribute('data-delivery-id')).toBe(succeededId);
    await waitForSubscriptions(1);

    // Not on the first page: a new delivery is counted, not inserted here.
    await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'bk_4000' } } });
    await page.getByText('1 new delivery has arrived.').waitFor();
    expect(await rows.count()).toBe(2);

    await page.getByRole('link', { name: '← Newer' }).click();
    await expect.poll(() => page.url()).toContain('before=');
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByRole('link', { name: 'Show the newest' }).or(page.getByRole('link', { name: 'Newest' })).first().click();
    await expect.poll(() => page.url()).not.toContain('before=');
    // The newest page: the delivery that arrived meanwhile on top, then the first page's former top row.
    await expect.poll(() => rows.nth(1).getAttribute('data-delivery-id')).toBe(newestFirstPage);
    expect(await caption.textContent()).toContain('28 deliveries');
    expect(await rows.count()).toBe(25);
  }, 60_000);

  it("a 40-type catalog (Zenoti's) keeps the create form short: collapsed categories, a search", async () => {
    const zenoti = await startTestApp({ HOOKSTREAM_CATALOG: 'zenoti' });
    try {
      const { apiKey: zenotiKey } = await zenoti.newAccount({ name: 'Downtown Spa' });
      await page.goto(`${zenoti.url}/console/`);
      await page.getByLabel('API key').fill(zenotiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'New webhook' }).click();
      await page.locator('details.operational > summary').waitFor();
      const categories = page.locator('details.event-category');
      expect(await categories.count()).toBe(8);
      const height = (await page.locator('form.form').boundingBox())!.height;
      console.log(`create form with Zenoti's 32 event types: ${Math.round(height)} px tall`);
      expect(height).toBeLessThan(1300);
      await page.getByLabel('Find an event type').fill('no show');
      await expect.poll(() => page.locator('li[data-event-type]:visible').count()).toBe(1);
      expect(await page.locator('li[data-event-type]:visible').getAttribute('data-event-type')).toBe('class.booking_no_show');
      await page.screenshot({ path: '.data/console-create-zenoti.png', fullPage: true });
    } finally {
      await zenoti.stop();
    }
  }, 90_000);

  it('e-mail webhooks, ordering, own retries and timeout in the form; channel, health and settings on the page', async () => {
    const harbour = await app.newAccount({ name: 'Harbour Hotel' });
    await page.goto(`${app.url}/console/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill(harbour.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Harbour Hotel').waitFor();

    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.getByRole('heading', { name: 'New webhook' }).waitFor();
    await page.getByLabel('Name').fill('Night audit by mail');
    await page.getByLabel('Delivered by').selectOption('EMAIL');
    // An e-mail webhook has no HTTP method, custom headers or health checks.
    expect(await page.getByLabel('HTTP method').count()).toBe(0);
    expect(await page.getByRole('group', { name: 'Custom headers' }).count()).toBe(0);
    await page.getByLabel('E-mail addresses').fill('night@hotel.example, audit@hotel.example');
    await page.getByLabel('Find an event type').fill('booking made');
    await page.getByLabel('bookings.created', { exact: true }).check();
    await page.locator('details.delivery-options > summary').click();
    expect(await page.getByLabel('Health checks').count()).toBe(0);
    await page.getByLabel('Ordering').selectOption('PER_KEY');
    await page.getByLabel('Own retry schedule (instead of the service\'s)').check();
    // RETRY_SCHEDULE here is one delay of 50 ms: more, or longer, is refused beside the field.
    await page.getByLabel('Delays before each retry').fill('10m, 1h');
    await page.getByLabel('Timeout per attempt (optional)').fill('5s');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const scheduleField = page.locator('.field', { has: page.getByLabel('Delays before each retry') });
    await expect.poll(() => scheduleField.getByRole('alert').textContent()).toContain('at most 1 delays');
    await page.getByLabel('Delays before each retry').fill('50ms');
    await page.getByRole('button', { name: 'Create webhook' }).click();

    await page.getByRole('heading', { name: 'Night audit by mail', level: 1 }).waitFor();
    expect(await page.locator('p.url').textContent()).toBe('mailto:night@hotel.example,audit@hotel.example');
    expect(await page.getByTestId('webhook-channel').textContent()).toBe('E-mail');
    expect(await page.getByTestId('webhook-ordering').textContent()).toContain('Per key');
    expect(await page.getByTestId('webhook-retries').textContent()).toBe('After 50ms');
    expect(await page.getByTestId('webhook-timeout').textContent()).toBe('5s');
    expect(await page.getByTestId('webhook-health').count()).toBe(0);
    const { webhooks } = await harbour.client.data(WebhooksDocument, { first: 10 });
    expect(webhooks.edges[0]!.node).toMatchObject({ channel: 'EMAIL', ordering: 'PER_KEY', retrySchedule: ['50ms'], timeout: '5s', healthCheck: false });
    // The edit form opens with its delivery options shown, as saved.
    expect(await page.locator('details.delivery-options').getAttribute('open')).not.toBeNull();
    expect(await page.getByLabel('E-mail addresses').inputValue()).toBe('night@hotel.example, audit@hotel.example');

    // An HTTP webhook with health checks: checked at once, shown on its page and in the list.
    const { createWebhook: checked } = await harbour.client.data(CreateWebhookDocument, { input: { name: 'Checked front desk', url: receiver.url, events: ['orders.*'], healthCheck: true } });
    await page.getByRole('link', { name: 'Webhooks', exact: true }).first().click();
    const row = page.locator(`tr[data-webhook-id="${checked.webhook.id}"]`);
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('Healthy');
    await row.getByRole('link', { name: 'Checked front desk', exact: true }).click();
    await expect.poll(() => page.getByTestId('webhook-health').textContent()).toContain('HTTP 200');
    expect(await page.getByTestId('webhook-health').textContent()).toContain('Healthy');
  }, 90_000);

  it('scheduled, expired and superseded deliveries in the history, its filters and the stats', async () => {
    // The signed-in account (Harbour Hotel) gets a LATEST_PER_KEY webhook; its lines are made to wait.
    const key = await page.evaluate(() => sessionStorage.getItem('hookstream.apiKey'));
    const harbour = app.client(key);
    const { createWebhook: board } = await harbour.data(CreateWebhookDocument, { input: { name: 'Room board', url: receiver.url, events: ['bookings.*'], ordering: 'LATEST_PER_KEY' } });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const publishOn = (orderingKey: string, extra: Record<string, string> = {}) =>
      harbour.data(PublishEventDocument, { input: { type: 'bookings.updated', orderingKey, data: { id: orderingKey }, ...extra } });
    // bk_9: a delivery scheduled for an hour from now, and one behind it that expires in a moment.
    await publishOn('bk_9', { deliverAt: later });
    await publishOn('bk_9', { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    // bk_8: scheduled, then one held behind it, then a newer one that supersedes the held one.
    await publishOn('bk_8', { deliverAt: later });
    await publishOn('bk_8');
    await publishOn('bk_8');

    await page.goto(`${app.url}/console/webhooks/${board.webhook.id}/deliveries`);
    await page.getByRole('heading', { name: 'Call history of Room board' }).waitFor();
    const rows = page.locator('tr[data-delivery-id]');
    await expect.poll(() => rows.count()).toBe(5);
    await expect.poll(() => page.locator('tr[data-status="EXPIRED"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('tr[data-status="SUPERSEDED"]').count()).toBe(1);
    expect(await page.locator('tr[data-status="SUPERSEDED"]').textContent()).toContain('Superseded');
    expect(await page.locator('tr[data-status="EXPIRED"]').textContent()).toContain('Expired');
    expect(await page.getByTestId('scheduled-for').count()).toBe(2);
    expect(await page.getByTestId('scheduled-for').first().textContent()).toMatch(/^scheduled for /);
    expect(await rows.first().textContent()).toContain('key bk_8');

    await page.getByLabel('Expired', { exact: true }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.url()).toContain('status=EXPIRED');
    await expect.poll(() => rows.count()).toBe(1);

    await page.goto(`${app.url}/console/webhooks/${board.webhook.id}`);
    await page.getByRole('heading', { name: 'Room board', level: 1 }).waitFor();
    const stats = page.locator('dl.stats');
    await expect.poll(() => stats.textContent()).toContain('Expired1');
    expect(await stats.textContent()).toContain('Superseded1');
    expect(await page.getByTestId('webhook-ordering').textContent()).toContain('Latest per key');
  }, 60_000);

  it('talked to nothing but the service, and raised no errors in the page', () => {
    expect(foreignRequests).toEqual([]);
    // The refused sign-in answers 401 by design; Chromium logs that failed request as a console error.
    expect(pageErrors.filter((message) => !message.includes('401'))).toEqual([]);
  });
});
