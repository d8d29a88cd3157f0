// The delivery engine's one front door (Convoy hands each handler a deps struct; graphql-hive keeps resolvers thin
// over a manager): app.ts builds it once, the request context carries it, and resolvers validate and call it. Inside
// it: publishing with group commit, the manual actions, and, in worker processes, the dispatcher, the batch runner,
// the recorder, the reconciler and retention. It opens every transaction, sends every notification and is the only
// user of the queue port.
import type pg from 'pg';
import type { Config } from '../config.js';
import { withTransaction } from '../db/client.js';
import { failQueuedDeliveries } from '../db/delivery.js';
import { disableWebhookByAdmin } from '../db/webhook-lifecycle.js';
import { deliveryNotifications, notify, webhookNotifications } from '../db/notifications.js';
import type { Catalog } from '../catalog/catalog.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { TransformRunner } from '../transform/transform-runner.js';
import type { Logger } from '../logger.js';
import type { DeliveryQueue } from '../queue/queue.js';
import type { AttemptOutcome } from './channels/channel.js';
import { createChannelSet, type ChannelSetOverrides } from './channels/channel-set.js';
import { startDispatcher, type JobDispatcher } from './dispatcher.js';
import { checkLongFailingWebhooks } from './failing-for.js';
import { runDueHealthChecks } from './health-sweep.js';
import { disabledEvent } from './operational-events.js';
import { DeliveryStateError, replayFailedDeliveries, retryDelivery, sendTestEvent } from './manual.js';
import { createPublisher, type PublishInput, type PublishResult } from './publisher.js';
import { reconcileStuckDeliveries } from './reconciler.js';
import { createRecorder } from './recorder.js';
import { startHistoryUpkeep } from './history-upkeep.js';
import { createBatchRunner } from './worker.js';

export type { PublishInput, PublishResult };

/** Why a manual retry was refused; nothing changed. */
export type RetryRefusal = { reason: DeliveryStateError['reason']; message: string };

export type DeliveryEngineDeps = {
  /** Durable commits: publishing, manual actions, webhook changes. */
  pool: pg.Pool;
  /** The worker side's writes (db/client.ts connectWorkerPool: commits that do not wait for the disk). */
  workerPool?: pg.Pool;
  queue: DeliveryQueue;
  config: Config;
  secretBox: SecretBox;
  log: Logger;
  /** The platform's event catalog: which webhooks an event goes to. */
  catalog: Catalog;
  /** Runs webhooks' transforms (worker processes). */
  transforms: TransformRunner;
  /** Told of every attempt's outcome (metrics). */
  onAttempt?: (outcome: AttemptOutcome) => void;
  /** Test seams of the channels: a made-up DNS, extra trusted CAs. */
  channels?: ChannelSetOverrides;
};

export type DeliveryEngine = {
  /** One event: every matching active webhook of its account gets a delivery, committed with its job. */
  publish(input: PublishInput): Promise<PublishResult>;
  /** Several events in one transaction, all or nothing; answers in input order. */
  publishMany(inputs: readonly PublishInput[]): Promise<PublishResult[]>;
  /** A SUCCEEDED or FAILED delivery once more, now; null when queued, else why not. */
  retry(accountId: string, deliveryId: string): Promise<RetryRefusal | null>;
  replay(accountId: string, webhookId: string, since: Date): Promise<number>;
  sendTest(accountId: string, webhook: { id: string; sendData: boolean }): Promise<string>;
  /**
   * A webhook was created or changed (subscribers hear of it); with `failQueued`, it stopped receiving (disabled or
   * deleted) and its waiting deliveries fail now, as auto-disable does, rather than hours later when their retries
   * come due. With `disable`, this is an account admin disabling it, with that reason: if it was active, it is
   * disabled here and `hookstream.webhook.disabled` is published, in one transaction (its queued deliveries fail).
   */
  webhookChanged(accountId: string, webhookId: string, options?: { failQueued?: string; disable?: string }): Promise<void>;
  /** Worker processes: start taking attempt jobs, sweeping for stranded deliveries, and keeping the history (partitions ahead, archiving, counts). */
  startWorkers(): Promise<void>;
  /** Wakes this process's workers (a NOTIFY from another process arrived). */
  wake(): void;
  inFlight(): number;
  queueDepth(): Promise<number>;
  /** Lets publishes and attempts in flight finish and be recorded, then stops the workers. */
  stop(): Promise<void>;
};

/**
 * Runs `task` every `intervalMs`, never two at once (a slow run makes the next tick skip); returns its stop, which
 * waits for a run under way.
 */
function every(intervalMs: number, task: () => Promise<unknown>, log: Logger, failure: string): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .catch((error: unknown) => log.error({ err: error }, failure))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

export function createDeliveryEngine(deps: DeliveryEngineDeps): DeliveryEngine {
  const { pool, queue, config, log } = deps;
  let dispatcher: JobDispatcher | null = null;
  const wakeLocal = () => dispatcher?.wake();
  const publisher = createPublisher({ pool, queue, catalog: deps.catalog, wakeLocal });
  const manual = { pool, queue, wakeLocal };
  const stops: (() => Promise<unknown>)[] = [];

  return {
    async publish(input) {
      const [result] = await publisher.publish([input]);
      return result!;
    },
    publishMany: (inputs) => publisher.publish(inputs),
    retry: (accountId, deliveryId) =>
      retryDelivery(manual, accountId, deliveryId).then(
        () => null,
        (error: unknown) => {
          if (error instanceof DeliveryStateError) return { reason: error.reason, message: error.message };
          throw error;
        },
      ),
    replay: (accountId, webhookId, since) => replayFailedDeliveries(manual, accountId, webhookId, since),
    sendTest: (accountId, webhook) => sendTestEvent(manual, accountId, webhook),

    async webhookChanged(accountId, webhookId, options = {}) {
      const published = await withTransaction(pool, async (client) => {
        // The admin's disable is a transition like the automatic ones: announced with the change, once.
        const disabled = options.disable ? await disableWebhookByAdmin(client, webhookId, options.disable) : null;
        const failQueued = options.failQueued ?? (disabled ? 'webhook disabled' : undefined);
        const failed = failQueued ? await failQueuedDeliveries(client, [webhookId], failQueued) : [];
        const { deliveryCount } = await publisher.writeWithin(client, disabled ? [disabledEvent(disabled, options.disable!, null)] : []);
        await notify(client, [
          ...deliveryNotifications(failed.map((row) => ({ id: row.id, accountId, webhookId, status: 'FAILED' as const }))),
          ...webhookNotifications([{ id: webhookId, accountId }]),
        ]);
        return deliveryCount;
      });
      if (published > 0) wakeLocal();
    },

    async startWorkers() {
      const channels = createChannelSet(config, deps.channels);
      const workerPool = deps.workerPool ?? pool;
      const recorder = createRecorder({ pool: workerPool, queue, disableAfterFailures: config.disableAfterFailures, log, wakeLocal, publishWithin: publisher.writeWithin });
      const runBatch = createBatchRunner({
        pool: workerPool,
        channelFor: channels.channelFor,
        policy: { retrySchedule: config.retrySchedule, disableAfterFailures: config.disableAfterFailures },
        timeoutMs: config.deliveryTimeoutMs,
        secretBox: deps.secretBox,
        transforms: deps.transforms,
        recorder,
        log,
        ...(deps.onAttempt ? { onAttempt: deps.onAttempt } : {}),
      });
      // The jobs this process fetches are held under its lease; a dead worker's are taken over within seconds.
      await queue.holdLease({ onHandOver: (jobs) => log.warn({ jobs }, 'took back the attempt jobs of a worker whose lease lapsed') });
      dispatcher = startDispatcher({ queue, concurrency: config.workerConcurrency, pollIntervalMs: config.workerPollIntervalMs, log, runBatch });
      const running = dispatcher;
      // In-flight attempts finish (or time out) and are recorded before the sockets close.
      stops.push(() => channels.close(), async () => {
        await running.stop();
        await recorder.drain();
      });

      // Partitions ahead, archiving by partition after RETENTION_DAYS, the maintained counts (history-upkeep.ts).
      stops.push(await startHistoryUpkeep({ pool, queue, retentionDays: config.retentionDays, log }));
      // Longer than the queue's own hand-over of a crashed worker's job, so the sweep never doubles a live attempt.
      const graceMs = config.deliveryTimeoutMs + config.jobExpirySlackMs + 2 * config.workerMaintenanceIntervalMs + 5_000;
      const sweep = setInterval(() => {
        reconcileStuckDeliveries({ pool, queue, log }, graceMs).catch((error: unknown) => log.error({ err: error }, 'reconciler failed'));
      }, config.workerMaintenanceIntervalMs);
      stops.push(async () => clearInterval(sweep));

      // Health checks that are due (health-sweep.ts), claimed so that each runs in one process: a cheap indexed look
      // at every poll interval, so a check asked for by createWebhook runs within about a second.
      const health = { pool, client: channels.httpClient, secretBox: deps.secretBox, timeoutMs: config.deliveryTimeoutMs, intervalMs: config.healthCheckIntervalMs, log };
      stops.push(every(config.workerPollIntervalMs, () => runDueHealthChecks(health), log, 'health checks failed'));
      // DISABLE_AFTER_FAILING_FOR: final notices and disables, one process at a time (failing-for.ts).
      const failingForMs = config.disableAfterFailingForMs;
      if (failingForMs) {
        const failingFor = { pool, publishWithin: publisher.writeWithin, log };
        stops.push(
          every(config.workerMaintenanceIntervalMs, async () => {
            if ((await checkLongFailingWebhooks(failingFor, failingForMs)).deliveries > 0) wakeLocal();
          }, log, 'DISABLE_AFTER_FAILING_FOR check failed'),
        );
      }
    },

    wake: wakeLocal,
    inFlight: () => dispatcher?.inFlight() ?? 0,
    queueDepth: () => queue.depth(),

    async stop() {
      await publisher.drain();
      for (const stop of stops.reverse()) await stop().catch((error: unknown) => log.error({ err: error }, 'engine shutdown step failed'));
      stops.length = 0;
    },
  };
}
