import { describe, expect, it } from 'vitest';
import { checkResolvedAddresses, checkWebhookUrl, isPublicAddress } from '../../src/domain/target-policy.js';

const strict = { requireHttps: false, allowPrivateTargets: false };
const httpsOnly = { requireHttps: true, allowPrivateTargets: false };
const permissive = { requireHttps: false, allowPrivateTargets: true };

describe('isPublicAddress', () => {
  it.each([
    // public
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['93.184.216.34', true],
    ['2606:4700:4700::1111', true],
    ['2001:4860:4860::8888', true],
    ['::ffff:8.8.8.8', true], // IPv4-mapped: judged by the embedded address
    ['64:ff9b::808:808', true], // NAT64 well-known prefix → 8.8.8.8
    ['2002:808:808::1', true], // 6to4 of 8.8.8.8
    // IPv4 non-public ranges
    ['0.0.0.0', false],
    ['0.1.2.3', false],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['169.254.1.1', false],
    ['100.64.0.1', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['192.0.2.1', false],
    ['198.51.100.7', false],
    ['203.0.113.9', false],
    ['198.18.0.1', false],
    ['240.0.0.1', false],
    // IPv6 non-public ranges
    ['::', false],
    ['::1', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fd00:ec2::254', false],
    ['ff02::1', false],
    ['2001:db8::1', false],
    ['2001::1', false], // Teredo
    ['fec0::1', false], // deprecated site-local
    ['100::1', false], // discard-only
    ['4000::1', false], // outside 2000::/3
    // embedded IPv4 forms pointing inwards
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:0:127.0.0.1', false], // RFC 6145
    ['64:ff9b::7f00:1', false], // NAT64 → 127.0.0.1
    ['64:ff9b::a00:1', false], // NAT64 → 10.0.0.1
    ['64:ff9b:1::808:808', false], // RFC 8215 local-use NAT64
    ['2002:7f00:1::1', false], // 6to4 of 127.0.0.1
    ['2002:c0a8:101::1', false], // 6to4 of 192.168.1.1
    ['::7f00:1', false], // deprecated IPv4-compatible ::127.0.0.1
    // not addresses
    ['', false],
    ['example.com', false],
    ['999.1.1.1', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    ['https://hooks.example.com/booking', strict],
    ['http://hooks.example.com:8080/path?q=1', strict],
    ['https://8.8.8.8/hook', httpsOnly],
    ['https://[2606:4700:4700::1111]/hook', strict],
    ['HTTPS://Hooks.Example.COM/x', httpsOnly],
    ['http://localhost:3000/hook', permissive],
    ['http://127.0.0.1:9999/hook', permissive],
    ['http://10.0.0.5/hook', permissive],
    ['http://[::1]:8080/', permissive],
    ['http://metadata.google.internal/', permissive],
    ['http://notlocalhost.example/', strict],
    ['http://localhost.example.com/', strict],
  ])('accepts %s', (url, policy) => {
    const check = checkWebhookUrl(url, policy);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.url.href).toBe(new URL(url).href);
  });

  it.each([
    ['not a url', strict, /not a valid URL/],
    ['', strict, /not a valid URL/],
    ['/relative/path', strict, /not a valid URL/],
    ['http://ex ample.com/', strict, /not a valid URL/],
    ['http://1.2.3.256/', strict, /not a valid URL/],
    ['ftp://example.com/', strict, /http or https/],
    ['file:///etc/passwd', permissive, /http or https/],
    ['javascript:alert(1)', permissive, /http or https/],
    ['ws://example.com/', strict, /http or https/],
    ['http://hooks.example.com/', httpsOnly, /must use https/],
    ['http://localhost/', { requireHttps: true, allowPrivateTargets: true }, /must use https/],
    ['https://user:pass@example.com/', strict, /user name or password/],
    ['https://user@example.com/', strict, /user name or password/],
    ['https://:pass@example.com/', permissive, /user name or password/],
    ['http://localhost/', strict, /host "localhost" is not allowed/],
    ['http://LOCALHOST:8080/', strict, /host "localhost" is not allowed/],
    ['http://localhost./', strict, /host "localhost" is not allowed/],
    ['http://api.localhost/', strict, /not allowed/],
    ['http://metadata.google.internal/computeMetadata/v1/', strict, /not allowed/],
    ['http://metadata.google.internal./', strict, /not allowed/],
    ['http://127.0.0.1/', strict, /127\.0\.0\.1 is not a public address \(loopback\)/],
    ['http://10.1.2.3/', strict, /private/],
    ['http://192.168.0.10:8080/', strict, /private/],
    ['http://169.254.169.254/latest/meta-data/', strict, /cloud metadata service/],
    ['http://0.0.0.0/', strict, /unspecified/],
    ['http://0/', strict, /unspecified/],
    ['http://[::1]/', strict, /loopback/],
    ['http://[fd00:ec2::254]/', strict, /cloud metadata service/],
    ['http://[fe80::1]/', strict, /linkLocal/],
    ['http://[::ffff:127.0.0.1]/', strict, /embedded IPv4 loopback/],
    ['http://[::ffff:169.254.169.254]/', strict, /embedded IPv4 linkLocal/],
    ['http://[64:ff9b::10.0.0.1]/', strict, /embedded IPv4 private/],
    // The WHATWG URL parser normalises these IPv4 spellings to 127.0.0.1 before we look.
    ['http://2130706433/', strict, /127\.0\.0\.1 .*loopback/],
    ['http://0177.0.0.1/', strict, /127\.0\.0\.1 .*loopback/],
    ['http://0x7f.0.0.1/', strict, /127\.0\.0\.1 .*loopback/],
    ['http://0x7f000001/', strict, /127\.0\.0\.1 .*loopback/],
    ['http://127.1/', strict, /127\.0\.0\.1 .*loopback/],
    ['http://%31%32%37.0.0.1/', strict, /127\.0\.0\.1 .*loopback/],
    ['http://017700000001/', strict, /127\.0\.0\.1 .*loopback/],
  ])('refuses %j', (url, policy, reason) => {
    const check = checkWebhookUrl(url, policy);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe('checkResolvedAddresses', () => {
  it.each<[string, string[], { allowPrivateTargets: boolean }, { ok: true } | { ok: false; address: string | null; reason: RegExp }]>([
    ['all public', ['93.184.216.34', '2606:2800:220:1::1'], strict, { ok: true }],
    ['one private among public: refused, naming it', ['93.184.216.34', '10.0.0.7', '127.0.0.1'], strict, { ok: false, address: '10.0.0.7', reason: /10\.0\.0\.7 .*private/ }],
    ['loopback', ['127.0.0.1'], strict, { ok: false, address: '127.0.0.1', reason: /loopback/ }],
    ['IPv6 loopback', ['::1'], strict, { ok: false, address: '::1', reason: /loopback/ }],
    ['IPv4-mapped metadata', ['::ffff:169.254.169.254'], strict, { ok: false, address: '::ffff:169.254.169.254', reason: /linkLocal/ }],
    ['metadata', ['169.254.169.254'], strict, { ok: false, address: '169.254.169.254', reason: /cloud metadata/ }],
    ['garbage from the resolver', ['not-an-ip'], strict, { ok: false, address: 'not-an-ip', reason: /not an IP address/ }],
    ['private allowed', ['127.0.0.1', '10.0.0.1'], permissive, { ok: true }],
    ['no addresses', [], strict, { ok: false, address: null, reason: /no addresses/ }],
    ['no addresses, even when private targets are allowed', [], permissive, { ok: false, address: null, reason: /no addresses/ }],
  ])('%s', (_name, addresses, policy, expected) => {
    const check = checkResolvedAddresses(addresses, policy);
    if (expected.ok) {
      expect(check).toEqual({ ok: true });
    } else {
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.address).toBe(expected.address);
        expect(check.reason).toMatch(expected.reason);
      }
    }
  });
});
