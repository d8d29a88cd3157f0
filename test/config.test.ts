// CONTRACT.md, "Process and configuration": every variable with its default, durations with ms/s/m/h/d, and a bad
// value stops start-up with a message naming it: in loadConfig, and in a real `node src/main.ts` process.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { runScript } from './helpers/process.js';

describe('loadConfig defaults', () => {
  it('gives every contract variable its contract default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 4000,
      role: 'all',
      allowPrivateTargets: false,
      requireHttps: false,
      retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      deliveryTimeoutMs: 15_000,
      disableAfterFailures: 5,
      retentionDays: 60,
      maxPayloadBytes: 262_144,
      dataDir: '.data',
      isProduction: false,
    });
  });

  it('the default retry schedule is 5s,5m,30m,2h,5h,10h,10h: 7 retries, 8 attempts', () => {
    const { retrySchedule } = loadConfig({});
    expect(retrySchedule).toEqual(loadConfig({ RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h' }).retrySchedule);
    expect(retrySchedule).toHaveLength(7);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', RETRY_SCHEDULE: '', ALLOW_PRIVATE_TARGETS: '', DATABASE_URL: '' });
    expect(config).toMatchObject({ port: 4000, allowPrivateTargets: false, databaseUrl: undefined });
    expect(config.retrySchedule).toHaveLength(7);
  });

  it('returns a frozen object, its schedule too', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.retrySchedule)).toBe(true);
  });

  it('does not read process.env', () => {
    const saved = process.env['PORT'];
    process.env['PORT'] = '5555';
    try {
      expect(loadConfig({}).port).toBe(4000);
    } finally {
      if (saved === undefined) delete process.env['PORT'];
      else process.env['PORT'] = saved;
    }
  });
});

describe('loadConfig values', () => {
  it('parses every contract variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://user:pw@db.internal:5432/hookstream',
      PORT: '8080',
      HOOKSTREAM_ROLE: 'worker',
      ALLOW_PRIVATE_TARGETS: 'true',
      REQUIRE_HTTPS: 'true',
      RETRY_SCHEDULE: '1s, 10s,1m',
      DELIVERY_TIMEOUT: '2500ms',
      DISABLE_AFTER_FAILURES: '3',
      RETENTION_DAYS: '7',
      MAX_PAYLOAD_BYTES: '1024',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://user:pw@db.internal:5432/hookstream',
      port: 8080,
      role: 'worker',
      allowPrivateTargets: true,
      requireHttps: true,
      retrySchedule: [1_000, 10_000, 60_000],
      deliveryTimeoutMs: 2_500,
      disableAfterFailures: 3,
      retentionDays: 7,
      maxPayloadBytes: 1_024,
      isProduction: true,
    });
  });

  it.each(['postgres://h/db', 'postgresql://h:5432/db'])('accepts DATABASE_URL %s', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each(['api', 'worker', 'all'] as const)('accepts HOOKSTREAM_ROLE=%s', (role) => {
    expect(loadConfig({ HOOKSTREAM_ROLE: role }).role).toBe(role);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
  ] as const)('reads the boolean %s as %s', (text, value) => {
    expect(loadConfig({ ALLOW_PRIVATE_TARGETS: text, REQUIRE_HTTPS: text })).toMatchObject({ allowPrivateTargets: value, requireHttps: value });
  });

  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
  ])('DELIVERY_TIMEOUT=%s is %d ms', (text, ms) => {
    expect(loadConfig({ DELIVERY_TIMEOUT: text }).deliveryTimeoutMs).toBe(ms);
  });

  it('RETRY_SCHEDULE takes every suffix', () => {
    expect(loadConfig({ RETRY_SCHEDULE: '500ms,5s,5m,2h,1d' }).retrySchedule).toEqual([500, 5_000, 300_000, 7_200_000, 86_400_000]);
  });
});

describe('loadConfig refuses bad values, naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'localhost:5432'],
    ['HOOKSTREAM_ROLE', 'web'],
    ['ALLOW_PRIVATE_TARGETS', 'maybe'],
    ['REQUIRE_HTTPS', 'TRUE!'],
    ['RETRY_SCHEDULE', '5x'],
    ['RETRY_SCHEDULE', '5s,,5m'],
    ['RETRY_SCHEDULE', '5s,5'],
    ['RETRY_SCHEDULE', '-5s'],
    ['DELIVERY_TIMEOUT', '15'],
    ['DELIVERY_TIMEOUT', 'soon'],
    ['DELIVERY_TIMEOUT', '5 s'],
    ['DISABLE_AFTER_FAILURES', '0'],
    ['DISABLE_AFTER_FAILURES', 'five'],
    ['RETENTION_DAYS', '-60'],
    ['RETENTION_DAYS', '1.5'],
    ['MAX_PAYLOAD_BYTES', '256kb'],
    ['MAX_PAYLOAD_BYTES', '0'],
  ])('%s=%s', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(`${name}:`);
  });

  it('names every bad variable at once', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'abc', RETRY_SCHEDULE: '5x', REQUIRE_HTTPS: 'perhaps', RETENTION_DAYS: '30' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ['PORT', 'RETRY_SCHEDULE', 'REQUIRE_HTTPS']) expect(message).toContain(`${name}:`);
    expect(message).not.toContain('RETENTION_DAYS');
  });
});

// Spawning tsx is slow on a busy machine: room beyond the default 30 s.
describe('a real process with a bad variable', { timeout: 120_000 }, () => {
  it.concurrent.each([
    ['PORT', 'abc'],
    ['RETRY_SCHEDULE', '5x'],
    ['DATABASE_URL', 'mysql://x'],
  ])('%s=%s: `node src/main.ts` exits non-zero and says which variable', async (name, value) => {
    // A DATABASE_URL that nothing listens on: should the configuration ever be accepted, start-up fails fast instead
    // of creating an embedded cluster under ./.data.
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: 'postgresql://127.0.0.1:1/none', PORT: '0', [name]: value };
    const result = await runScript('src/main.ts', [], env, 100_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain(`${name}:`);
    expect(result.stdout).not.toContain('listening');
  });
});
