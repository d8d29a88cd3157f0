// Which channel a webhook's URL is delivered through (CONTRACT.md: `channel` comes from the url's scheme).
export type ChannelKind = 'HTTP' | 'EMAIL';

export function channelOf(url: string): ChannelKind {
  return url.toLowerCase().startsWith('mailto:') ? 'EMAIL' : 'HTTP';
}
