// The channels as the engine gets them: built from a parsed configuration, picked by the webhook URL's scheme.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createChannelSet, type ChannelSet } from '../../src/delivery/channels/channel-set.js';
import { checkHealth } from '../../src/delivery/health-check.js';
import { prepareAttempt } from '../helpers/attempt.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';

let receiver: Receiver;
let smtp: TestSmtpServer;
let channels: ChannelSet;

beforeAll(async () => {
  receiver = await startReceiver();
  smtp = await startSmtpServer();
  const config = loadConfig({ ALLOW_PRIVATE_TARGETS: 'true', SMTP_URL: smtp.url, MAIL_FROM: 'Hookstream <hookstream@example.net>', DELIVERY_TIMEOUT: '5s' });
  channels = createChannelSet(config);
});
afterAll(async () => {
  await channels?.close();
  await receiver?.close();
  await smtp?.close();
});

it('delivers an http(s) URL over HTTP and a mailto: URL by e-mail, and health-checks through the HTTP client', async () => {
  const http = channels.channelFor(receiver.url);
  const email = channels.channelFor('MAILTO:ops@hotel.example');
  expect([http.kind, email.kind]).toEqual(['HTTP', 'EMAIL']);

  expect(await http.send(prepareAttempt({ url: receiver.url }))).toMatchObject({ kind: 'success', status: 200 });
  expect(await email.send(prepareAttempt({ url: 'MAILTO:ops@hotel.example' }))).toMatchObject({ kind: 'success', status: 250 });
  expect(await checkHealth(receiver.url, { client: channels.httpClient, timeoutMs: 1_000 })).toMatchObject({ ok: true, responseStatus: 200 });
  expect(receiver.requests.map((request) => request.method)).toEqual(['POST', 'GET']);
  expect(smtp.mails.map((mail) => mail.envelope.to)).toEqual([['ops@hotel.example']]);
});
