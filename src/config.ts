// Every environment variable the service reads, parsed once with zod. Nothing else in the codebase reads process.env:
// `loadConfig()` takes the environment as an argument so that tests and the CLI can hand it any values they like.
import { z } from 'zod';
import { parseDuration, parseDurationList } from './domain/durations.js';
import { parseSecretKey } from './domain/secret-box.js';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const durationList = z.string().transform((text, ctx) => {
  try {
    const delays = parseDurationList(text);
    if (delays.length === 0) throw new Error('must list at least one delay, e.g. "5s,5m,30m"');
    return delays;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive');

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  PORT: z.coerce.number({ error: 'must be a number' }).int().min(0).max(65535, 'must be a port number (0–65535)').default(4000),
  HOST: z.string().default('0.0.0.0'),
  HOOKSTREAM_ROLE: z.enum(['api', 'worker', 'all'], { error: 'must be api, worker or all' }).default('all'),
  ALLOW_PRIVATE_TARGETS: booleanFlag.default(false),
  REQUIRE_HTTPS: booleanFlag.default(false),
  RETRY_SCHEDULE: durationList.default([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
  DELIVERY_TIMEOUT: duration.default(15_000),
  DISABLE_AFTER_FAILURES: positiveInt.default(5),
  RETENTION_DAYS: positiveInt.default(60),
  MAX_PAYLOAD_BYTES: positiveInt.default(262_144),
  /** Where the embedded PostgreSQL keeps its files when DATABASE_URL is unset. */
  HOOKSTREAM_DATA_DIR: z.string().min(1).default('.data'),
  /** Parallel deliveries per worker process. */
  WORKER_CONCURRENCY: positiveInt.default(50),
  /** Safety-net poll of the job queue; workers are woken by NOTIFY as soon as jobs commit. */
  WORKER_POLL_INTERVAL: duration.default(1_000),
  /** How long past DELIVERY_TIMEOUT an attempt job may stay active before pg-boss hands it to another worker. */
  JOB_EXPIRY_SLACK: duration.default(30_000),
  /** How often pg-boss looks for expired jobs (those of a crashed worker) and runs its upkeep. */
  WORKER_MAINTENANCE_INTERVAL: duration.default(30_000),
  /** 32-byte key (hex or base64) encrypting webhook secrets and header values at rest. */
  HOOKSTREAM_SECRET_KEY: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseSecretKey(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** Webhook-management mutations a minute per account (0: no limit). */
  RATE_LIMIT_MUTATIONS_PER_MINUTE: z.coerce.number({ error: 'must be a number' }).int().min(0).default(300),
  /** publishEvent calls a minute per account (0, the default: no limit, so the platform is never throttled). */
  RATE_LIMIT_PUBLISH_PER_MINUTE: z.coerce.number({ error: 'must be a number' }).int().min(0).default(0),
  /** Largest HTTP request body accepted (GraphQL documents and variables). */
  MAX_REQUEST_BYTES: positiveInt.optional(),
  /** Open subscriptions per graphql-ws connection. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt.default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (a person at a terminal) or `json`; unset: pretty in development on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json'], { error: 'must be pretty or json' }).optional(),
  NODE_ENV: z.string().default('development'),
  /** The platform's event catalog: a preset name or the path of a catalog file (JSON or YAML). */
  HOOKSTREAM_CATALOG: z.string().min(1).default('anny'),
  /** Also disable a webhook whose attempts have failed, without a success between, for this long (Sirvoy: 7d). */
  DISABLE_AFTER_FAILING_FOR: duration.optional(),
  /** SMTP server for e-mail webhooks; unset in development: mails are written under HOOKSTREAM_DATA_DIR/mail. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Hookstream <hookstream@localhost>'),
  /** Every HTTP attempt goes through this HTTP(S) proxy (fixed egress IPs); target checks still apply. */
  EGRESS_PROXY_URL: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
  /** How often a failing webhook with healthCheck: true is checked again. */
  HEALTH_CHECK_INTERVAL: duration.default(300_000),
  /** Longest a webhook's transform may run for one delivery. */
  TRANSFORM_TIMEOUT: duration.default(1_000),
  /** OpenTelemetry traces over OTLP/HTTP; unset: no tracing. The SDK reads the other OTEL_* variables itself. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
  /** The platform's own PostgreSQL, whose hookstream_outbox the worker role drains into publishEvent. */
  OUTBOX_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  /** Safety-net poll of the outbox (workers are woken by NOTIFY when outbox rows commit). */
  OUTBOX_POLL_INTERVAL: duration.default(1_000),
  /** Where people reach this service (portal links); default: http://localhost:PORT. */
  PUBLIC_URL: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
});

export type Config = Readonly<{
  databaseUrl: string | undefined;
  port: number;
  host: string;
  role: 'api' | 'worker' | 'all';
  allowPrivateTargets: boolean;
  requireHttps: boolean;
  retrySchedule: readonly number[];
  deliveryTimeoutMs: number;
  disableAfterFailures: number;
  retentionDays: number;
  maxPayloadBytes: number;
  dataDir: string;
  workerConcurrency: number;
  workerPollIntervalMs: number;
  jobExpirySlackMs: number;
  workerMaintenanceIntervalMs: number;
  logLevel: string;
  logFormat: 'pretty' | 'json' | undefined;
  secretKey: Buffer | undefined;
  mutationsPerMinute: number;
  publishesPerMinute: number;
  maxRequestBytes: number;
  maxSubscriptionsPerConnection: number;
  isProduction: boolean;
  catalog: string;
  disableAfterFailingForMs: number | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  egressProxyUrl: string | undefined;
  healthCheckIntervalMs: number;
  transformTimeoutMs: number;
  otelEndpoint: string | undefined;
  outboxDatabaseUrl: string | undefined;
  outboxPollIntervalMs: number;
  publicUrl: string;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming every bad variable and why. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable counts as unset, as shells and .env files commonly leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    host: e.HOST,
    role: e.HOOKSTREAM_ROLE,
    allowPrivateTargets: e.ALLOW_PRIVATE_TARGETS,
    requireHttps: e.REQUIRE_HTTPS,
    retrySchedule: Object.freeze([...e.RETRY_SCHEDULE]),
    deliveryTimeoutMs: e.DELIVERY_TIMEOUT,
    disableAfterFailures: e.DISABLE_AFTER_FAILURES,
    retentionDays: e.RETENTION_DAYS,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    dataDir: e.HOOKSTREAM_DATA_DIR,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerPollIntervalMs: e.WORKER_POLL_INTERVAL,
    jobExpirySlackMs: e.JOB_EXPIRY_SLACK,
    workerMaintenanceIntervalMs: e.WORKER_MAINTENANCE_INTERVAL,
    logLevel: e.LOG_LEVEL,
    secretKey: e.HOOKSTREAM_SECRET_KEY,
    mutationsPerMinute: e.RATE_LIMIT_MUTATIONS_PER_MINUTE,
    publishesPerMinute: e.RATE_LIMIT_PUBLISH_PER_MINUTE,
    // Room for the largest event data (escaped in JSON it can grow) plus the query around it.
    maxRequestBytes: e.MAX_REQUEST_BYTES ?? e.MAX_PAYLOAD_BYTES * 2 + 64 * 1024,
    maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    isProduction: e.NODE_ENV === 'production',
    logFormat: e.LOG_FORMAT,
    catalog: e.HOOKSTREAM_CATALOG,
    disableAfterFailingForMs: e.DISABLE_AFTER_FAILING_FOR,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    egressProxyUrl: e.EGRESS_PROXY_URL,
    healthCheckIntervalMs: e.HEALTH_CHECK_INTERVAL,
    transformTimeoutMs: e.TRANSFORM_TIMEOUT,
    otelEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    outboxDatabaseUrl: e.OUTBOX_DATABASE_URL,
    outboxPollIntervalMs: e.OUTBOX_POLL_INTERVAL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
  });
}
