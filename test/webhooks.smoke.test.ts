import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, WebhooksDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

describe('smoke', () => {
  it('creates and lists a webhook', async () => {
    const { client } = await app.newAccount();
    const created = await client.data(CreateWebhookDocument, {
      input: { name: 'Front desk', url: 'http://127.0.0.1:9/hook', events: ['bookings.created'] },
    });
    expect(created.createWebhook.secret).toMatch(/^whsec_/);
    const list = await client.data(WebhooksDocument, { first: 10 });
    expect(list.webhooks.totalCount).toBe(1);
    expect(list.webhooks.edges[0]?.node.name).toBe('Front desk');
  });
});
