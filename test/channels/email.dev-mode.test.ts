// `npm start` in development with no SMTP_URL (CONTRACT.md: "mails are written to $HOOKSTREAM_DATA_DIR/mail/*.eml"):
// the real service as a child process (src/main.ts), an e-mail webhook created over GraphQL, an event published, and
// the `.eml` file it writes read back with mailparser — the same message an SMTP server would have got, signed.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/db/account.js';
import { connectDatabase, type Database } from '../../src/db/client.js';
import { TEST_SECRET_KEY } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { createWebhook, publish, waitUntil } from '../helpers/delivery.js';
import { freePort, serviceProcess, type ServiceProcess } from '../helpers/service-process.js';

let dataDir: string;
let db: Database;
let service: ServiceProcess;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hookstream-mail-'));
  const databaseUrl = await createTestDatabase();
  service = serviceProcess({
    databaseUrl,
    port: await freePort(),
    // No SMTP_URL: the development file transport. NODE_ENV as `npm start` has it.
    env: { HOOKSTREAM_DATA_DIR: dataDir, NODE_ENV: 'development', HOOKSTREAM_SECRET_KEY: TEST_SECRET_KEY, SMTP_URL: '' },
  });
  await service.start();
  db = connectDatabase(databaseUrl, { maxConnections: 2 });
}, 90_000);
afterAll(async () => {
  await service?.kill();
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('e-mail webhooks in development, without SMTP_URL', () => {
  it('writes each delivery as an .eml file under HOOKSTREAM_DATA_DIR/mail, signed like the real thing', async () => {
    const { apiKey } = await createAccount(db.prisma, { name: 'Dev hotel', maxWebhooks: null });
    const client = service.client(apiKey);
    const webhook = await createWebhook(client, { name: 'front desk mail', url: 'mailto:front@hotel.example', events: ['bookings.*'] });
    await publish(client, { type: 'bookings.created', data: { id: 'b-1', resource: { id: 'room-1' } } });

    const mailDir = join(dataDir, 'mail');
    const [file] = await waitUntil('an .eml file', async () => {
      const files = await readdir(mailDir).catch(() => []);
      const eml = files.filter((name) => name.endsWith('.eml'));
      return eml.length > 0 ? eml : undefined;
    }, 30_000);
    const mail = await simpleParser(await readFile(join(mailDir, file!)));
    expect(mail.subject).toBe('[Hookstream] bookings.created');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('front@hotel.example');
    const body = mail.attachments[0]!.content.toString('utf8');
    const header = (name: string) => String(mail.headers.get(name));
    expect(file).toContain(header('x-webhook-id'));
    const verified = new Webhook(webhook.secret).verify(body, {
      'webhook-id': header('x-webhook-id'),
      'webhook-timestamp': header('x-webhook-timestamp'),
      'webhook-signature': header('x-webhook-signature'),
    });
    expect(verified).toMatchObject({ event: 'bookings.created', data: { id: 'b-1' } });
  });
});
