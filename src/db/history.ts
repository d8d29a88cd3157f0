// SQL of the call history on the time-partitioned tables (docs/partitioning.md): pages of deliveries newest first at
// any depth, exact counts from the maintained buckets, and the bodies that live in tables of their own.
//
// Ids are UUIDv7, made by the process that writes the row a moment before or after it reads the clock for
// created_at, so an id range is a time range: history is ordered by id, and `since`/`until` (which filter created_at,
// the time the API shows) also bound the id by the same times widened by CLOCK_SLACK_MS, which prunes partitions and
// bounds every index scan without changing what matches.
import { DeliveryStatus } from '../generated/prisma/enums.js';
import { uuid7Floor } from './ids.js';
import type { Queryable } from './queryable.js';

export type HistoryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** Every status a delivery can have, in the enum's order. */
export const HISTORY_STATUSES: readonly HistoryStatus[] = Object.freeze(Object.values(DeliveryStatus));

/** Statuses a delivery waits in: few at any time (the queue's backlog), so counted from the indexes, not maintained. */
const WAITING: ReadonlySet<string> = new Set(['PENDING', 'RETRYING']);

/** Most a row's id time and its created_at may differ: both are read from one process's clock within a statement's work. */
export const CLOCK_SLACK_MS = 60_000;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const HOUR_MS = 3_600_000;

export type DeliveryHistoryFilter = {
  accountId: string;
  /** Only these webhooks (a filter, a portal session's scope, or both intersected); null: all of the account's. */
  webhookIds: readonly string[] | null;
  eventId: string | null;
  /** null: every status. */
  statuses: readonly string[] | null;
  eventType: string | null;
  since: Date | null;
  until: Date | null;
};

export type HistoryPage = {
  /** Rows older than this id (`after` a cursor) or newer (`before` one); null: from the newest. */
  cursor: string | null;
  /** `older`: newest first after the cursor; `newer`: the rows just newer than the cursor. */
  direction: 'older' | 'newer';
  limit: number;
};

/** Builds positional parameters as a statement is assembled. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** WHERE terms for the time range: created_at exactly, and the id bounded by the same times with the slack. */
function timeTerms(params: Params, since: Date | null, until: Date | null): string[] {
  const terms: string[] = [];
  if (since) terms.push(`d.created_at >= ${params.add(since, 'timestamptz')}`, `d.id >= ${params.add(uuid7Floor(new Date(since.getTime() - CLOCK_SLACK_MS)), 'uuid')}`);
  if (until) terms.push(`d.created_at < ${params.add(until, 'timestamptz')}`, `d.id < ${params.add(uuid7Floor(new Date(until.getTime() + CLOCK_SLACK_MS)), 'uuid')}`);
  return terms;
}

function statusesOf(filter: DeliveryHistoryFilter): string[] {
  return filter.statuses ? HISTORY_STATUSES.filter((status) => filter.statuses!.includes(status)) : [...HISTORY_STATUSES];
}

/**
 * The ids of one page of deliveries, newest first. One `status = s ORDER BY id` index scan per status asked (and per
 * webhook, when the list is limited to some), each stopping after `limit` rows, merged by a sort of at most
 * statuses × webhooks × limit ids: an ordered, early-stopping plan at any depth, with any filter (docs/partitioning.md,
 * "History pages"). An event's deliveries (one per webhook at most) are simply read by their event.
 */
export async function listDeliveryIds(client: Queryable, filter: DeliveryHistoryFilter, page: HistoryPage): Promise<string[]> {
  const statuses = statusesOf(filter);
  if (page.limit <= 0 || statuses.length === 0 || filter.webhookIds?.length === 0) return [];
  const params = new Params();
  const order = page.direction === 'older' ? 'desc' : 'asc';
  const terms = [`d.account_id = ${params.add(filter.accountId, 'uuid')}`, ...timeTerms(params, filter.since, filter.until)];
  if (filter.eventType !== null) terms.push(`d.event_type = ${params.add(filter.eventType, 'text')}`);
  if (page.cursor) terms.push(`d.id ${page.direction === 'older' ? '<' : '>'} ${params.add(page.cursor, 'uuid')}`);
  const limit = params.add(page.limit, 'int');
  let text: string;
  if (filter.eventId !== null) {
    terms.push(`d.event_id = ${params.add(filter.eventId, 'uuid')}`, `d.status = any(${params.add(statuses, '"DeliveryStatus"[]')})`);
    if (filter.webhookIds) terms.push(`d.webhook_id = any(${params.add(filter.webhookIds, 'uuid[]')})`);
    text = `select d.id from deliveries d where ${terms.join(' and ')} order by d.id ${order} limit ${limit}`;
  } else {
    const branches = [`unnest(${params.add(statuses, '"DeliveryStatus"[]')}) as s(status)`];
    terms.push('d.status = s.status');
    if (filter.webhookIds) {
      branches.push(`unnest(${params.add(filter.webhookIds, 'uuid[]')}) as w(id)`);
      terms.push('d.webhook_id = w.id');
    }
    text = `select branch.id from ${branches.join(' cross join ')}
             cross join lateral (select d.id from deliveries d where ${terms.join(' and ')} order by d.id ${order} limit ${limit}) as branch
            order by branch.id ${order} limit ${limit}`;
  }
  const { rows } = await client.query<{ id: string }>(text, params.values);
  const ids = rows.map((row) => row.id);
  return page.direction === 'older' ? ids : ids.reverse();
}

type Grouping = { webhooks: readonly string[] | null; eventType: string | null; bucketHours: number };

/**
 * Exact counts by status of the deliveries a filter matches, in one statement. Finished statuses come from the
 * maintained buckets (delivery_counts, plus the deltas not folded in yet) for every whole bucket inside the time range,
 * and from the index for the part of a bucket that `since`/`until` cuts (whichever side of the cut is shorter: the
 * part itself, or the whole bucket minus the rest); waiting statuses and an event's deliveries are counted from the
 * index. The bound: at most half a bucket of matching rows at each end of a time filter (30 minutes account-wide,
 * 12 hours for a webhook or an event type), plus the waiting deliveries.
 */
export async function countDeliveries(client: Queryable, filter: DeliveryHistoryFilter, now = new Date()): Promise<Map<string, number>> {
  const statuses = statusesOf(filter);
  const counts = new Map<string, number>(statuses.map((status) => [status, 0]));
  if (statuses.length === 0 || filter.webhookIds?.length === 0 || (filter.since && filter.until && filter.since >= filter.until)) return counts;
  const params = new Params();
  const parts: string[] = [];
  const account = params.add(filter.accountId, 'uuid');
  const finished = statuses.filter((status) => !WAITING.has(status));
  const waiting = statuses.filter((status) => WAITING.has(status));

  /** A direct count of rows from the index: the filter's terms, these statuses, this time range. */
  const direct = (sign: '' | '-', wanted: string[], since: Date | null, until: Date | null) => {
    const terms = [`d.account_id = ${account}`, `d.status = any(${params.add(wanted, '"DeliveryStatus"[]')})`, ...timeTerms(params, since, until)];
    if (filter.webhookIds) terms.push(`d.webhook_id = any(${params.add(filter.webhookIds, 'uuid[]')})`);
    if (filter.eventType !== null) terms.push(`d.event_type = ${params.add(filter.eventType, 'text')}`);
    if (filter.eventId !== null) terms.push(`d.event_id = ${params.add(filter.eventId, 'uuid')}`);
    parts.push(`select d.status::text as status, ${sign}count(*) as n from deliveries d where ${terms.join(' and ')} group by 1`);
  };

  if (filter.eventId !== null) {
    direct('', statuses, filter.since, filter.until);
  } else {
    if (waiting.length > 0) direct('', waiting, filter.since, filter.until);
    if (finished.length > 0) {
      const grouping: Grouping = filter.webhookIds || filter.eventType !== null
        ? { webhooks: filter.webhookIds, eventType: filter.eventType, bucketHours: 24 }
        : { webhooks: null, eventType: null, bucketHours: 1 };
      /** The maintained count of whole buckets [fromPeriod, toPeriod) (hours since 1970), deltas included. */
      const buckets = (sign: '' | '-', fromPeriod: number | null, toPeriod: number | null) => {
        const counted = [`c.account_id = ${account}`, `c.status = any(${params.add(finished, '"DeliveryStatus"[]')})`];
        const deltas = [`x.account_id = ${account}`, `x.status = any(${params.add(finished, '"DeliveryStatus"[]')})`];
        counted.push(grouping.webhooks ? `c.webhook_id = any(${params.add(grouping.webhooks, 'uuid[]')})` : `c.webhook_id = '${NIL_UUID}'`);
        if (grouping.webhooks) deltas.push(`x.webhook_id = any(${params.add(grouping.webhooks, 'uuid[]')})`);
        counted.push(`c.event_type = ${params.add(grouping.eventType ?? '', 'text')}`);
        if (grouping.eventType !== null) deltas.push(`x.event_type = ${params.add(grouping.eventType, 'text')}`);
        if (fromPeriod !== null) {
          counted.push(`c.period >= ${params.add(fromPeriod, 'int')}`);
          deltas.push(`x.hour >= ${params.add(fromPeriod, 'int')}`);
        }
        if (toPeriod !== null) {
          counted.push(`c.period < ${params.add(toPeriod, 'int')}`);
          deltas.push(`x.hour < ${params.add(toPeriod, 'int')}`);
        }
        parts.push(`select c.status::text as status, ${sign}sum(c.n) as n from delivery_counts c where ${counted.join(' and ')} group by 1`);
        parts.push(`select x.status::text as status, ${sign}sum(x.delta) as n from delivery_count_deltas x where ${deltas.join(' and ')} group by 1`);
      };
      // An `until` beyond every clock is no bound.
      const until = filter.until && filter.until.getTime() < now.getTime() + CLOCK_SLACK_MS ? filter.until : null;
      countFinished(grouping.bucketHours, filter.since, until, buckets, (sign, since, until) => direct(sign, finished, since, until));
    }
  }
  const { rows } = await client.query<{ status: string; n: string }>(
    `select status, sum(n)::bigint as n from (${parts.map((part) => `(${part})`).join(' union all ')}) as parts group by status`,
    params.values,
  );
  for (const row of rows) counts.set(row.status, Number(row.n));
  return counts;
}

/**
 * Splits [since, until) into whole buckets and cut edges. An edge is counted as its rows (`direct`), or as the whole
 * bucket minus the rows outside the range, whichever spans less time.
 */
function countFinished(
  bucketHours: number,
  since: Date | null,
  until: Date | null,
  buckets: (sign: '' | '-', fromPeriod: number | null, toPeriod: number | null) => void,
  direct: (sign: '' | '-', since: Date | null, until: Date | null) => void,
) {
  const bucketMs = bucketHours * HOUR_MS;
  const startOf = (at: Date) => Math.floor(at.getTime() / bucketMs) * bucketMs;
  const periodOf = (ms: number) => ms / HOUR_MS;
  const sinceBucket = since ? startOf(since) : null;
  const untilBucket = until ? startOf(until) : null;
  if (since && until && sinceBucket === untilBucket) {
    // Both ends in one bucket: the rows themselves, or the bucket minus both outer parts.
    const inside = until.getTime() - since.getTime();
    if (inside <= bucketMs - inside) return direct('', since, until);
    buckets('', periodOf(sinceBucket!), periodOf(sinceBucket! + bucketMs));
    direct('-', new Date(sinceBucket!), since);
    direct('-', until, new Date(sinceBucket! + bucketMs));
    return;
  }
  let from: number | null = null;
  let to: number | null = null;
  if (since) {
    const cut = since.getTime() - sinceBucket!;
    if (cut === 0) from = sinceBucket!;
    else if (cut * 2 >= bucketMs) {
      // Most of the bucket is before `since`: count the rows from `since` to the bucket's end.
      direct('', since, new Date(sinceBucket! + bucketMs));
      from = sinceBucket! + bucketMs;
    } else {
      // Most of it is inside: the whole bucket, less the rows before `since`.
      direct('-', new Date(sinceBucket!), since);
      from = sinceBucket!;
    }
  }
  if (until) {
    const cut = until.getTime() - untilBucket!;
    if (cut === 0) to = untilBucket!;
    else if (cut * 2 <= bucketMs) {
      direct('', new Date(untilBucket!), until);
      to = untilBucket!;
    } else {
      direct('-', until, new Date(untilBucket! + bucketMs));
      to = untilBucket! + bucketMs;
    }
  }
  if (from === null || to === null || from < to) buckets('', from === null ? null : periodOf(from), to === null ? null : periodOf(to));
}

/** The bodies of these deliveries that are still held (archived ones are gone). */
export async function loadDeliveryBodies(client: Queryable, deliveryIds: readonly string[]): Promise<Map<string, string>> {
  if (deliveryIds.length === 0) return new Map();
  const { rows } = await client.query<{ delivery_id: string; body: string }>({
    name: 'delivery-bodies',
    text: 'select delivery_id, body from delivery_bodies where delivery_id = any($1::uuid[])',
    values: [deliveryIds],
  });
  return new Map(rows.map((row) => [row.delivery_id, row.body]));
}

/** The data of these events that is still held. */
export async function loadEventBodies(client: Queryable, eventIds: readonly string[]): Promise<Map<string, unknown>> {
  if (eventIds.length === 0) return new Map();
  const { rows } = await client.query<{ event_id: string; data: unknown }>({
    name: 'event-bodies',
    text: 'select event_id, data from event_bodies where event_id = any($1::uuid[])',
    values: [eventIds],
  });
  return new Map(rows.map((row) => [row.event_id, row.data]));
}

/** The response bodies still held of these deliveries' attempts, by `${deliveryId}:${number}`. */
export async function loadAttemptBodies(client: Queryable, deliveryIds: readonly string[]): Promise<Map<string, string>> {
  if (deliveryIds.length === 0) return new Map();
  const { rows } = await client.query<{ delivery_id: string; number: number; response_body: string }>({
    name: 'attempt-bodies',
    text: 'select delivery_id, number, response_body from attempt_bodies where delivery_id = any($1::uuid[])',
    values: [deliveryIds],
  });
  return new Map(rows.map((row) => [`${row.delivery_id}:${row.number}`, row.response_body]));
}

/** Rows with an id below this are archived: their bodies are purged (or about to be), replay is refused. */
export async function readArchivedBefore(client: Queryable): Promise<string> {
  const { rows } = await client.query<{ purged_before: string }>({
    name: 'history-archived-before',
    text: `select purged_before from history_watermarks where name = 'bodies'`,
  });
  return rows[0]?.purged_before ?? NIL_UUID;
}

/**
 * Every account's deliveries by status (the metrics' gauge): finished statuses from the maintained counts (their
 * account-wide hourly buckets and the deltas), waiting ones from the index, account by account.
 */
export async function countAllDeliveriesByStatus(client: Queryable): Promise<Map<string, number>> {
  const { rows } = await client.query<{ status: string; n: string }>({
    name: 'all-deliveries-by-status',
    text: `select status::text as status, sum(n)::bigint as n from (
             select status, n from delivery_counts where webhook_id = '${NIL_UUID}' and event_type = ''
             union all select status, delta from delivery_count_deltas
             union all select w.status, w.n from accounts a cross join lateral (
               select d.status, count(*) as n from deliveries d where d.account_id = a.id and d.status in ('PENDING', 'RETRYING') group by 1) as w
           ) as counts group by 1`,
  });
  return new Map(rows.map((row) => [row.status, Number(row.n)]));
}
