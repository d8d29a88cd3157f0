// Issue 16: the time-partitioned history at work. Partitions exist ahead of time (and an insert beyond them fails
// loudly); archiving after RETENTION_DAYS is partition work — the watermark moves, whole days of bodies are detached
// and dropped, and not one delivery row is updated — after which the API answers archived; and the maintained counts
// behind totalCount and webhook.stats equal count(*) for any filter, folded or not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDeliveries, type DeliveryHistoryFilter } from '../../src/db/history.js';
import { createHistoryPartitions, foldDeliveryCounts } from '../../src/db/history-maintenance.js';
import { DAY_MS, archiveOldDeliveries } from '../../src/delivery/retention.js';
import { HistoryConvertedDeliveryDocument, RetryDeliveryDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createWebhook } from '../helpers/delivery.js';
import { expectError, globalId } from '../helpers/graphql.js';
import { idAt, insertDeliveries, insertEvents, type DeliveryStatus, type SeedDelivery, type SeedEvent } from '../helpers/history-seed.js';

const RETENTION_DAYS = 10;
const HOUR_MS = 3_600_000;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ RETENTION_DAYS: String(RETENTION_DAYS) });
});
afterAll(() => app?.stop());

const partitionsOf = async (parent: string) =>
  (await app.db.pool.query<{ name: string; lower: string; upper: string }>(
    `select partition::text as name, lower_bound::text as lower, upper_bound::text as upper from hookstream_history_partitions($1::regclass)`,
    [parent],
  )).rows;

describe('partitions ahead', () => {
  it('cover every history table from now to two months ahead, are created on demand, and nothing lands beyond them', async () => {
    const day = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    for (const parent of ['events', 'deliveries', 'delivery_attempts', 'event_bodies', 'delivery_bodies', 'attempt_bodies']) {
      const partitions = await partitionsOf(parent);
      const covered = (at: Date) => partitions.some((p) => p.lower <= idAt(at) && idAt(at) < p.upper);
      expect(covered(new Date()), `${parent} now`).toBe(true);
      expect(covered(new Date(day.getTime() + 59 * DAY_MS)), `${parent} in 59 days`).toBe(true);
    }
    expect((await partitionsOf('delivery_bodies'))[0]!.name).toMatch(/^delivery_bodies_p\d{4}_\d\d_\d\d$/);
    expect((await partitionsOf('deliveries'))[0]!.name).toMatch(/^deliveries_p\d{4}_\d\d$/);

    const far = new Date(day.getTime() + 150 * DAY_MS);
    const created = await createHistoryPartitions(app.db.pool, new Date(day.getTime() + 140 * DAY_MS), far);
    expect(created).toBeGreaterThanOrEqual(3 * 10 + 3);
    expect(await createHistoryPartitions(app.db.pool, new Date(day.getTime() + 140 * DAY_MS), far)).toBe(0);

    // A year ahead there is nothing: the insert fails instead of landing in some catch-all partition.
    const { accountId, client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'far', url: 'http://127.0.0.1:9/never', events: ['*'] });
    const inAYear = new Date(Date.now() + 365 * DAY_MS);
    await expect(
      app.db.pool.query(`insert into deliveries (id, account_id, webhook_id, event_id, event_type, created_at) values ($1, $2, $3, $1, 'x', $4)`, [idAt(inAYear), accountId, webhook.rawId, inAYear]),
    ).rejects.toThrow(/no partition of relation "deliveries" found/);
  });
});

describe('archiving by partition', () => {
  it('moves the watermark, detaches and drops whole days of bodies, updates no delivery row, and the API answers archived', async () => {
    const { accountId, client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'old history', url: 'http://127.0.0.1:9/never', events: ['*'] });
    const ages = [12, 11.5, 11, 3];
    const events: SeedEvent[] = ages.map((days) => {
      const createdAt = new Date(Date.now() - days * DAY_MS);
      return { id: idAt(createdAt), type: 'orders.created', createdAt };
    });
    const deliveries: SeedDelivery[] = events.map((event) => ({ id: idAt(event.createdAt), webhookId: webhook.rawId, eventId: event.id, eventType: event.type, status: 'SUCCEEDED', createdAt: event.createdAt }));
    // History as it stood 12 days ago, before the upkeep's archiving at start-up moved the watermark past it.
    await app.db.pool.query(`update history_watermarks set purged_before = '00000000-0000-0000-0000-000000000000'`);
    await insertEvents(app.db.pool, accountId, events);
    await insertDeliveries(app.db.pool, accountId, deliveries);
    for (const delivery of deliveries) {
      await app.db.pool.query(`insert into delivery_attempts (delivery_id, number, trigger, started_at, response_status) values ($1, 1, 'AUTOMATIC', $2, 200)`, [delivery.id, delivery.createdAt]);
      await app.db.pool.query(`insert into attempt_bodies (delivery_id, number, response_body) values ($1, 1, 'thanks')`, [delivery.id]);
    }
    const rowVersions = async () => (await app.db.pool.query<{ id: string; xmin: string }>(`select id, xmin::text from deliveries where account_id = $1 order by id`, [accountId])).rows;
    const versionsBefore = await rowVersions();
    const bodyPartitionsBefore = (await partitionsOf('delivery_bodies')).map((p) => p.name);

    const started = performance.now();
    const archived = await archiveOldDeliveries(app.db.pool, RETENTION_DAYS);
    console.log(`archiving ${archived.partitions} body partitions (${archived.deliveries} deliveries, ${archived.events} events) and dropping ${archived.dropped}: ${(performance.now() - started).toFixed(0)} ms`);

    // The days wholly before the cutoff (12 and 11.5 days ago, and 11 days ago unless the cutoff cuts that day), in
    // all three body tables, detached and then dropped; the metadata stays, untouched.
    const cutoff = Date.now() - RETENTION_DAYS * DAY_MS;
    const daysGone = new Set(ages.filter((days) => Math.floor((Date.now() - days * DAY_MS) / DAY_MS) < Math.floor(cutoff / DAY_MS)).map((days) => Math.floor((Date.now() - days * DAY_MS) / DAY_MS)));
    expect(archived.partitions).toBeGreaterThanOrEqual(3 * daysGone.size);
    expect(archived.dropped).toBe(archived.partitions);
    expect(archived.deliveries).toBe(3);
    const bodyPartitionsAfter = (await partitionsOf('delivery_bodies')).map((p) => p.name);
    expect(bodyPartitionsBefore.filter((name) => !bodyPartitionsAfter.includes(name)).length).toBeGreaterThanOrEqual(daysGone.size);
    expect((await app.db.pool.query(`select 1 from pg_class where relnamespace = 'history_trash'::regnamespace`)).rows).toEqual([]);
    expect(await rowVersions()).toEqual(versionsBefore);
    const { rows: watermark } = await app.db.pool.query<{ at: Date }>(`select hookstream_uuid7_time(purged_before) as at from history_watermarks where name = 'bodies'`);
    expect(Math.abs(watermark[0]!.at.getTime() - cutoff)).toBeLessThan(60_000);

    for (const [index, delivery] of deliveries.entries()) {
      const { delivery: read } = await client.data(HistoryConvertedDeliveryDocument, { id: globalId('Delivery', delivery.id) });
      const old = ages[index]! > RETENTION_DAYS;
      expect(read).toMatchObject({ status: 'SUCCEEDED', archived: old, payload: old ? null : {}, event: { data: old ? null : { id: delivery.eventId } } });
      expect(read!.attempts).toEqual([expect.objectContaining({ number: 1, responseStatus: 200, responseBody: old ? null : 'thanks' })]);
      if (old) expectError(await client.request(RetryDeliveryDocument, { id: globalId('Delivery', delivery.id) }), 'ARCHIVED');
    }
  });
});

describe('maintained counts', () => {
  it('equal count(*) for any filter, with deltas folded or not', async () => {
    const { accountId, client } = await app.newAccount();
    const hooks = [
      (await createWebhook(client, { name: 'c1', url: 'http://127.0.0.1:9/never', events: ['*'] })).rawId,
      (await createWebhook(client, { name: 'c2', url: 'http://127.0.0.1:9/never', events: ['*'] })).rawId,
      (await createWebhook(client, { name: 'c3', url: 'http://127.0.0.1:9/never', events: ['*'] })).rawId,
    ];
    const types = ['bookings.created', 'orders.created', 'invoices.finalised'];
    const statuses: DeliveryStatus[] = ['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'PENDING', 'RETRYING'];
    // Pseudo-random but repeatable: 1,500 deliveries over five days, some sharing an hour, some a millisecond.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const start = Date.now() - 5 * DAY_MS;
    const events: SeedEvent[] = [];
    const deliveries: SeedDelivery[] = [];
    for (let index = 0; index < 500; index++) {
      const createdAt = new Date(start + Math.floor(random() * 5 * DAY_MS));
      const event: SeedEvent = { id: idAt(createdAt), type: types[index % 3]!, createdAt };
      events.push(event);
      for (const hook of hooks) deliveries.push({ id: idAt(createdAt), webhookId: hook, eventId: event.id, eventType: event.type, status: statuses[Math.floor(random() * statuses.length)]!, createdAt });
    }
    await insertEvents(app.db.pool, accountId, events);
    await insertDeliveries(app.db.pool, accountId, deliveries);

    const filters: DeliveryHistoryFilter[] = [];
    const base: DeliveryHistoryFilter = { accountId, webhookIds: null, eventId: null, statuses: null, eventType: null, since: null, until: null };
    const at = (fraction: number) => new Date(start + Math.floor(fraction * 5 * DAY_MS));
    const hourAligned = (fraction: number) => new Date(Math.floor(at(fraction).getTime() / HOUR_MS) * HOUR_MS);
    filters.push(base, { ...base, statuses: ['FAILED'] }, { ...base, statuses: ['PENDING', 'SUCCEEDED'] }, { ...base, eventType: 'orders.created' });
    filters.push({ ...base, webhookIds: [hooks[0]!] }, { ...base, webhookIds: [hooks[0]!, hooks[2]!], eventType: 'invoices.finalised' }, { ...base, eventId: events[17]!.id });
    filters.push({ ...base, since: hourAligned(0.3) }, { ...base, until: hourAligned(0.6) }, { ...base, since: hourAligned(0.2), until: hourAligned(0.21) });
    filters.push({ ...base, since: new Date(Date.now() + DAY_MS) }, { ...base, until: new Date(Date.now() + DAY_MS), statuses: ['SUCCEEDED'] });
    for (let index = 0; index < 40; index++) {
      const from = random();
      const to = Math.min(1.05, from + random() * (index % 2 ? 0.05 : 0.6));
      filters.push({
        ...base,
        since: index % 5 === 4 ? null : at(from),
        until: index % 7 === 6 ? null : at(to),
        statuses: index % 3 === 0 ? (['SUCCEEDED', 'FAILED', 'PENDING', 'RETRYING'] as const).filter(() => random() < 0.6) : null,
        webhookIds: index % 4 === 1 ? [hooks[index % 3]!] : null,
        eventType: index % 4 === 2 ? types[index % 3]! : null,
      });
    }
    const direct = async (filter: DeliveryHistoryFilter) => {
      const { rows } = await app.db.pool.query<{ status: string; n: number }>(
        `select status::text, count(*)::int as n from deliveries
          where account_id = $1 and ($2::uuid[] is null or webhook_id = any($2)) and ($3::uuid is null or event_id = $3)
            and ($4::text[] is null or status::text = any($4)) and ($5::text is null or event_type = $5)
            and ($6::timestamptz is null or created_at >= $6) and ($7::timestamptz is null or created_at < $7)
          group by 1`,
        [filter.accountId, filter.webhookIds, filter.eventId, filter.statuses, filter.eventType, filter.since, filter.until],
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    };
    const maintained = async (filter: DeliveryHistoryFilter) => Object.fromEntries([...(await countDeliveries(app.db.pool, filter))].filter(([, n]) => n !== 0));
    const checkAll = async (when: string) => {
      for (const filter of filters) expect(await maintained(filter), `${when}: ${JSON.stringify(filter)}`).toEqual(await direct(filter));
    };

    await checkAll('deltas not folded');
    await foldDeliveryCounts(app.db.pool);
    await checkAll('folded');
    // Status changes after the fold (a manual retry, a retry that finally fails, a success): deltas on top of counts.
    await app.db.pool.query(`update deliveries set status = 'PENDING' where account_id = $1 and status = 'SUCCEEDED' and id in (select id from deliveries where account_id = $1 order by id limit 40)`, [accountId]);
    await app.db.pool.query(`update deliveries set status = 'FAILED' where account_id = $1 and status = 'RETRYING'`, [accountId]);
    await app.db.pool.query(`update deliveries set status = 'SUCCEEDED' where account_id = $1 and status = 'PENDING' and id in (select id from deliveries where account_id = $1 order by id desc limit 30)`, [accountId]);
    await checkAll('changed after the fold');
    await foldDeliveryCounts(app.db.pool);
    await checkAll('folded again');
    const { rows } = await app.db.pool.query<{ n: number }>('select count(*)::int as n from delivery_count_deltas where account_id = $1', [accountId]);
    expect(rows[0]!.n).toBe(0);
  });
});
