// The process's channels, built once from the configuration: the worker asks for the channel of a webhook's URL and
// hands it the prepared attempt; health checks borrow the HTTP channel's client. One place owns their lifetimes.
import type { Config } from '../../config.js';
import { channelOf, type DeliveryChannel } from './channel.js';
import { createEmailChannel, type EmailChannel } from './email.js';
import type { HttpClient } from './http-client.js';
import type { LookupFunction } from './http-agent.js';
import { createHttpChannel, type HttpChannel } from './http.js';

export type ChannelSet = {
  http: HttpChannel;
  email: EmailChannel;
  /** The channel a webhook URL is delivered through (`mailto:` → e-mail, anything else → HTTP). */
  channelFor(url: string): DeliveryChannel;
  /** The HTTP client health checks use: the same agent or proxy, TLS rules and target checks as deliveries. */
  httpClient: HttpClient;
  close(): Promise<void>;
};

export type ChannelSetConfig = Pick<Config, 'allowPrivateTargets' | 'workerConcurrency' | 'deliveryTimeoutMs' | 'egressProxyUrl' | 'smtpUrl' | 'mailFrom' | 'dataDir'>;

/** Test seams: a made-up DNS and extra trusted CAs (production leaves both unset). */
export type ChannelSetOverrides = { lookup?: LookupFunction; ca?: string | readonly string[] };

export function createChannelSet(config: ChannelSetConfig, overrides: ChannelSetOverrides = {}): ChannelSet {
  const http = createHttpChannel({
    allowPrivateTargets: config.allowPrivateTargets,
    connectionsPerOrigin: config.workerConcurrency,
    timeoutMs: config.deliveryTimeoutMs,
    egressProxyUrl: config.egressProxyUrl,
    lookup: overrides.lookup,
    ca: overrides.ca,
  });
  const email = createEmailChannel({
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    dataDir: config.dataDir,
    timeoutMs: config.deliveryTimeoutMs,
    ca: overrides.ca,
  });
  return {
    http,
    email,
    httpClient: http.client,
    channelFor: (url) => (channelOf(url) === 'EMAIL' ? email : http),
    close: async () => {
      await Promise.all([http.close(), email.close()]);
    },
  };
}
