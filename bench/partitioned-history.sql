-- Time-partitioned history: the proposal of docs/partitioning.md as SQL. bench/explain-partitioned.ts runs it, step by
-- step, against a database in the current schema (prisma/migrations up to 1763942400000) holding data; on an empty
-- database it is the same migration with nothing to copy. Not applied by the service (yet): the future migration is
-- this file's steps, unchanged but for the Prisma-matching names.
--
-- `-- @step <name>` lines split the file into the steps the bench times; each runs as one statement batch. The whole
-- file is meant to run in one transaction (the migration's), so a failure leaves the database as it was.

-- @step functions
-- UUIDv7 ids begin with 48 bits of unix milliseconds: a range of ids is a range of time, so range partitions on the
-- id are time partitions, and primary keys and foreign keys on `id` stay valid (a unique index on a partitioned table
-- must contain the partition key; `id` is the key).

-- Not STRICT: a STRICT SQL function is not inlined unless the planner can prove its body strict, and a call per row
-- instead of an inlined expression made counting the days of 10M rows several times slower.

-- The smallest UUIDv7 of a millisecond: partition bounds and time filters (`since`, `until`) as id ranges.
CREATE FUNCTION hookstream_uuid7_floor(at timestamptz) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid $$;

-- The millisecond a UUIDv7 was made in (what created_at holds: the engine sets both from one clock reading).
CREATE FUNCTION hookstream_uuid7_time(id uuid) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_timestamp(('x' || substr(replace(id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0) $$;

-- The hour a delivery is counted in: hours since 1970-01-01 UTC, by integer arithmetic on the id's 48 time bits (a
-- statement trigger computes it for every row it counts; no time-zone or timestamp functions on that path).
CREATE FUNCTION hookstream_uuid7_hour(id uuid) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (('x' || translate(left(id::text, 13), '-', ''))::bit(48)::bigint / 3600000)::integer $$;

-- Which partitions each history table has: metadata by month, bodies by day (RETENTION_DAYS purges bodies within a
-- day of their time; a month of metadata per partition keeps the partition count of the big tables low).
CREATE TABLE history_partitioning (
    parent TEXT PRIMARY KEY,
    grain TEXT NOT NULL CHECK (grain IN ('month', 'day')),
    holds_bodies BOOLEAN NOT NULL
);
INSERT INTO history_partitioning VALUES
    ('events', 'month', false), ('deliveries', 'month', false), ('delivery_attempts', 'month', false),
    ('event_bodies', 'day', true), ('delivery_bodies', 'day', true), ('attempt_bodies', 'day', true);

-- Creates the partitions of every history table that cover [from_time, to_time), those missing; bodies never below
-- the purge watermark (a purged day stays purged). The maintenance job calls it with (now(), now() + 2 months) at
-- start-up and daily: partitions exist well before a row needs them, and an insert beyond them fails loudly (no
-- DEFAULT partition: one would have to be scanned each time a partition is created).
CREATE FUNCTION hookstream_create_history_partitions(from_time timestamptz, to_time timestamptz) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  table_info record;
  lower_bound timestamp;
  upper_bound timestamp;
  partition_name text;
  purged_before uuid := (SELECT w.purged_before FROM history_watermarks w WHERE w.name = 'bodies');
  created integer := 0;
BEGIN
  FOR table_info IN SELECT * FROM history_partitioning LOOP
    lower_bound := date_trunc(table_info.grain, from_time AT TIME ZONE 'UTC');
    WHILE lower_bound < (to_time AT TIME ZONE 'UTC') LOOP
      upper_bound := lower_bound + ('1 ' || table_info.grain)::interval;
      partition_name := table_info.parent || '_p' || to_char(lower_bound, CASE table_info.grain WHEN 'month' THEN 'YYYY_MM' ELSE 'YYYY_MM_DD' END);
      IF to_regclass(partition_name) IS NULL
         AND NOT (table_info.holds_bodies AND hookstream_uuid7_floor(upper_bound AT TIME ZONE 'UTC') <= purged_before) THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, table_info.parent,
                       hookstream_uuid7_floor(lower_bound AT TIME ZONE 'UTC'), hookstream_uuid7_floor(upper_bound AT TIME ZONE 'UTC'));
        created := created + 1;
      END IF;
      lower_bound := upper_bound;
    END LOOP;
  END LOOP;
  RETURN created;
END $$;

-- Each partition of a history table with its bounds, oldest first.
CREATE FUNCTION hookstream_history_partitions(parent_name text)
  RETURNS TABLE (partition regclass, lower_bound uuid, upper_bound uuid)
  LANGUAGE sql STABLE AS $$
    SELECT c.oid::regclass, bounds[1]::uuid, bounds[2]::uuid
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([0-9a-f-]+)''\) TO \(''([0-9a-f-]+)''\)') AS bounds
     WHERE i.inhparent = parent_name::regclass
     ORDER BY 2 $$;

-- Archiving after RETENTION_DAYS: detaches every body partition that lies wholly before `before` (event data, delivery
-- payloads, response bodies: the three together), moves it to the schema history_trash and moves the watermark, in
-- one short transaction: catalog work only, whatever the partitions hold. Freeing their disk space is the slow part
-- (the files are truncated and unlinked at commit, ~1 GB/s here) and would hold the parents' ACCESS EXCLUSIVE lock,
-- stalling every publish, if the partitions were dropped while attached: hookstream_empty_history_trash drops them
-- afterwards, as standalone tables nobody reads. Called by the maintenance job with now() - RETENTION_DAYS, with a
-- lock_timeout and a retry; `archived` is id < greatest(uuid7_floor(now() - RETENTION_DAYS), watermark), exact at
-- RETENTION_DAYS whether or not the job has run yet (docs/partitioning.md, "Archiving").
CREATE SCHEMA history_trash;
CREATE FUNCTION hookstream_archive_bodies(before timestamptz) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  body_partition record;
  bound uuid := hookstream_uuid7_floor(before);
  new_watermark uuid := NULL;
  detached integer := 0;
BEGIN
  FOR body_partition IN
    SELECT h.parent, p.* FROM history_partitioning h CROSS JOIN LATERAL hookstream_history_partitions(h.parent) p
     WHERE h.holds_bodies AND p.upper_bound <= bound
  LOOP
    EXECUTE format('ALTER TABLE %I DETACH PARTITION %s', body_partition.parent, body_partition.partition);
    EXECUTE format('ALTER TABLE %s SET SCHEMA history_trash', body_partition.partition);
    new_watermark := greatest(new_watermark, body_partition.upper_bound);
    detached := detached + 1;
  END LOOP;
  IF new_watermark IS NOT NULL THEN
    UPDATE history_watermarks SET purged_before = greatest(purged_before, new_watermark) WHERE name = 'bodies';
  END IF;
  RETURN detached;
END $$;

-- Drops what archiving detached (the maintenance job, right after it, one table per call: each DROP's commit frees
-- one partition's files, and locks nothing anyone else uses).
CREATE FUNCTION hookstream_empty_history_trash(max_tables integer) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  trashed record;
  dropped integer := 0;
BEGIN
  FOR trashed IN SELECT c.oid::regclass AS name FROM pg_class c WHERE c.relnamespace = 'history_trash'::regnamespace AND c.relkind = 'r' LIMIT max_tables LOOP
    EXECUTE format('DROP TABLE %s', trashed.name);
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END $$;

-- @step move-aside
-- The current tables step aside, with the names of their constraints (index-backed ones share the relation namespace
-- with the new tables' keys). The old foreign keys go with them.
ALTER TABLE delivery_attempts RENAME TO delivery_attempts_unpartitioned;
ALTER TABLE delivery_attempts_unpartitioned RENAME CONSTRAINT delivery_attempts_pkey TO delivery_attempts_unpartitioned_pkey;
ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;
ALTER TABLE deliveries_unpartitioned RENAME CONSTRAINT deliveries_pkey TO deliveries_unpartitioned_pkey;
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey;

-- @step tables
-- Metadata: what the history lists, filters and counts. No `archived` column (it derives from the watermark) and no
-- bodies (their own tables, dropped a day at a time).
CREATE TABLE events (
    id UUID NOT NULL,
    account_id UUID NOT NULL,
    type TEXT NOT NULL,
    context JSONB,
    occurred_at TIMESTAMPTZ(3) NOT NULL,
    idempotency_key TEXT,
    created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT events_pkey PRIMARY KEY (id)
) PARTITION BY RANGE (id);

CREATE TABLE deliveries (
    id UUID NOT NULL,
    account_id UUID NOT NULL,
    webhook_id UUID NOT NULL,
    event_id UUID NOT NULL,
    event_type TEXT NOT NULL,
    status "DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    attempt_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ(3),
    last_response_status INTEGER,
    delivered_at TIMESTAMPTZ(3),
    manual_retries INTEGER NOT NULL DEFAULT 0,
    failure_reason TEXT,
    created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT deliveries_pkey PRIMARY KEY (id)
) PARTITION BY RANGE (id);

-- Attempts live in their delivery's partition (ranged on delivery_id, the same bounds as deliveries): a delivery's
-- attempts are one index range, and a month of history is one partition of each table. The key is the pair that was
-- already unique; `id` stays a column for the API's sake.
CREATE TABLE delivery_attempts (
    delivery_id UUID NOT NULL,
    number INTEGER NOT NULL,
    id UUID NOT NULL,
    trigger "AttemptTrigger" NOT NULL,
    started_at TIMESTAMPTZ(3) NOT NULL,
    duration_ms INTEGER,
    response_status INTEGER,
    error TEXT,
    request_headers JSONB,
    CONSTRAINT delivery_attempts_pkey PRIMARY KEY (delivery_id, number)
) PARTITION BY RANGE (delivery_id);

-- Bodies: the bulk of the bytes, and all that RETENTION_DAYS removes. Ranged on their owner's id, by day.
CREATE TABLE event_bodies (
    event_id UUID NOT NULL,
    data JSONB NOT NULL,
    CONSTRAINT event_bodies_pkey PRIMARY KEY (event_id)
) PARTITION BY RANGE (event_id);

CREATE TABLE delivery_bodies (
    delivery_id UUID NOT NULL,
    body TEXT NOT NULL,
    CONSTRAINT delivery_bodies_pkey PRIMARY KEY (delivery_id)
) PARTITION BY RANGE (delivery_id);

CREATE TABLE attempt_bodies (
    delivery_id UUID NOT NULL,
    number INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    CONSTRAINT attempt_bodies_pkey PRIMARY KEY (delivery_id, number)
) PARTITION BY RANGE (delivery_id);

-- Idempotency keys stay unique per account for ever, which a partitioned events table cannot enforce (its unique
-- indexes must contain the id): their own narrow table, not partitioned.
CREATE TABLE event_idempotency_keys (
    account_id UUID NOT NULL,
    idempotency_key TEXT NOT NULL,
    event_id UUID NOT NULL,
    CONSTRAINT event_idempotency_keys_pkey PRIMARY KEY (account_id, idempotency_key)
);

-- Bodies before `purged_before` are gone (their partitions dropped).
CREATE TABLE history_watermarks (
    name TEXT PRIMARY KEY,
    purged_before UUID NOT NULL
);

-- Maintained counts for totalCount and webhook.stats, by status: per account and hour, and per day for each webhook ×
-- event type and the two groupings between (webhook_id = nil uuid and/or event_type = '' meaning "any"). `period` is
-- the bucket's first hour (hours since 1970-01-01 UTC): account-wide buckets are an hour long, the finer ones a day,
-- which keeps the table at a fraction of the deliveries (a day of 1,000 webhooks is up to 1,000 × types × statuses
-- rows) while an account-wide count with a time filter has at most half an hour of rows to count at each end.
-- Writers append deltas (a statement trigger on deliveries: no row is updated in place, so no hot row serialises the
-- workers); the maintenance job folds them in every few seconds; readers add the deltas not yet folded.
CREATE TABLE delivery_counts (
    account_id UUID NOT NULL,
    webhook_id UUID NOT NULL,
    event_type TEXT NOT NULL,
    status "DeliveryStatus" NOT NULL,
    period INTEGER NOT NULL,
    n BIGINT NOT NULL,
    CONSTRAINT delivery_counts_pkey PRIMARY KEY (account_id, webhook_id, event_type, status, period)
);
CREATE TABLE delivery_count_deltas (
    account_id UUID NOT NULL,
    webhook_id UUID NOT NULL,
    event_type TEXT NOT NULL,
    status "DeliveryStatus" NOT NULL,
    hour INTEGER NOT NULL,
    delta BIGINT NOT NULL
);
CREATE INDEX delivery_count_deltas_account_id_idx ON delivery_count_deltas (account_id);

-- @step partitions
-- From the oldest row's month (bodies: from the oldest body's day) to two months ahead.
INSERT INTO history_watermarks (name, purged_before)
SELECT 'bodies', coalesce(
         -- the first id after the newest archived delivery: everything before it had its bodies purged by the old job
         (SELECT hookstream_uuid7_floor(hookstream_uuid7_time(id) + interval '1 millisecond') FROM deliveries_unpartitioned WHERE archived ORDER BY id DESC LIMIT 1),
         '00000000-0000-0000-0000-000000000000');
SELECT hookstream_create_history_partitions(
         least(now(), (SELECT hookstream_uuid7_time(id) FROM events_unpartitioned ORDER BY id LIMIT 1), (SELECT hookstream_uuid7_time(id) FROM deliveries_unpartitioned ORDER BY id LIMIT 1)),
         now() + interval '2 months');

-- @step copy-events
INSERT INTO events (id, account_id, type, context, occurred_at, idempotency_key, created_at)
SELECT id, account_id, type, context, occurred_at, idempotency_key, created_at FROM events_unpartitioned;
INSERT INTO event_bodies (event_id, data)
SELECT id, data FROM events_unpartitioned
 WHERE data IS NOT NULL AND id >= (SELECT purged_before FROM history_watermarks WHERE name = 'bodies');
INSERT INTO event_idempotency_keys (account_id, idempotency_key, event_id)
SELECT account_id, idempotency_key, id FROM events_unpartitioned WHERE idempotency_key IS NOT NULL;

-- @step copy-deliveries
INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, next_attempt_at,
                        last_response_status, delivered_at, manual_retries, failure_reason, created_at, updated_at)
SELECT id, account_id, webhook_id, event_id, event_type, status, attempt_count, next_attempt_at,
       last_response_status, delivered_at, manual_retries, failure_reason, created_at, updated_at
  FROM deliveries_unpartitioned;

-- @step copy-delivery-bodies
INSERT INTO delivery_bodies (delivery_id, body)
SELECT id, body FROM deliveries_unpartitioned
 WHERE body IS NOT NULL AND id >= (SELECT purged_before FROM history_watermarks WHERE name = 'bodies');

-- @step copy-attempts
INSERT INTO delivery_attempts (delivery_id, number, id, trigger, started_at, duration_ms, response_status, error, request_headers)
SELECT delivery_id, number, id, trigger, started_at, duration_ms, response_status, error, request_headers
  FROM delivery_attempts_unpartitioned;

-- @step copy-attempt-bodies
INSERT INTO attempt_bodies (delivery_id, number, response_body)
SELECT delivery_id, number, response_body FROM delivery_attempts_unpartitioned
 WHERE response_body IS NOT NULL AND delivery_id >= (SELECT purged_before FROM history_watermarks WHERE name = 'bodies');

-- @step counts
-- Every grouping in one GROUPING SETS pass: the day-long buckets group by the day's first hour, the account-wide ones by
-- the hour (a column left out of a set is NULL there, hence the coalesce).
INSERT INTO delivery_counts (account_id, webhook_id, event_type, status, period, n)
SELECT account_id, coalesce(webhook_id, '00000000-0000-0000-0000-000000000000'), coalesce(event_type, ''), status, coalesce(hour, day_hour), sum(n)
  FROM (SELECT account_id, webhook_id, event_type, status, hour, hour - hour % 24 AS day_hour, count(*) AS n
          FROM (SELECT account_id, webhook_id, event_type, status, hookstream_uuid7_hour(id) AS hour FROM deliveries) AS d
         GROUP BY 1, 2, 3, 4, 5) AS fine
 GROUP BY GROUPING SETS ((account_id, webhook_id, event_type, status, day_hour), (account_id, webhook_id, status, day_hour),
                         (account_id, event_type, status, day_hour), (account_id, status, hour));

-- @step indexes
-- History pages are `status = s ORDER BY id DESC` index scans, one per status asked (all of them when none is),
-- merged: these serve the account's history (and by event type) and a webhook's, with any status filter, newest
-- first, at any depth; each partition's scan is ordered, so the Append over partitions stops once the page is full.
-- As many indexes as today (four beside the key), none on created_at.
CREATE INDEX deliveries_account_id_status_id_idx ON deliveries (account_id, status, id DESC);
CREATE INDEX deliveries_account_id_event_type_status_id_idx ON deliveries (account_id, event_type, status, id DESC);
CREATE INDEX deliveries_webhook_id_status_id_idx ON deliveries (webhook_id, status, id DESC);
CREATE INDEX deliveries_event_id_idx ON deliveries (event_id);
CREATE INDEX events_account_id_id_idx ON events (account_id, id DESC);
CREATE INDEX events_account_id_type_id_idx ON events (account_id, type, id DESC);

-- @step constraints
ALTER TABLE events ADD CONSTRAINT events_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_webhook_id_fkey FOREIGN KEY (webhook_id) REFERENCES webhooks(id) ON DELETE CASCADE ON UPDATE CASCADE;
-- No foreign key from deliveries to events: a delivery made a millisecond after its event may fall in the next month's
-- partition, and a foreign key would make dropping a month of events scan the next month's deliveries. The engine
-- writes both in one statement; history deletion drops a month of events one month after that month's deliveries.
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE event_idempotency_keys ADD CONSTRAINT event_idempotency_keys_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE delivery_counts ADD CONSTRAINT delivery_counts_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;
-- Bodies carry no foreign keys: they are dropped a partition at a time, never row by row, and a foreign key to a
-- partitioned table makes each DROP check the referenced side.

-- @step count-triggers
-- Every statement that inserts, deletes or changes the status of deliveries appends its deltas, whichever code path
-- wrote it (publish, worker, manual retry, supersede, expiry…). One INSERT … SELECT per statement, grouped: a batch of
-- 100 status changes appends a handful of rows.
CREATE FUNCTION hookstream_count_inserted_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO delivery_count_deltas (account_id, webhook_id, event_type, status, hour, delta)
  SELECT account_id, webhook_id, event_type, status, hookstream_uuid7_hour(id), count(*) FROM new_rows GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;
CREATE FUNCTION hookstream_count_updated_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO delivery_count_deltas (account_id, webhook_id, event_type, status, hour, delta)
  SELECT account_id, webhook_id, event_type, status, hour, sum(delta)
    FROM (SELECT o.account_id, o.webhook_id, o.event_type, o.status, hookstream_uuid7_hour(o.id) AS hour, -1 AS delta
            FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.status IS DISTINCT FROM o.status
          UNION ALL
          SELECT n.account_id, n.webhook_id, n.event_type, n.status, hookstream_uuid7_hour(n.id), 1
            FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.status IS DISTINCT FROM o.status) AS changes
   GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;
CREATE FUNCTION hookstream_count_deleted_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO delivery_count_deltas (account_id, webhook_id, event_type, status, hour, delta)
  SELECT account_id, webhook_id, event_type, status, hookstream_uuid7_hour(id), -count(*) FROM old_rows GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;
CREATE TRIGGER deliveries_count_inserts AFTER INSERT ON deliveries REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hookstream_count_inserted_deliveries();
CREATE TRIGGER deliveries_count_updates AFTER UPDATE ON deliveries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hookstream_count_updated_deliveries();
CREATE TRIGGER deliveries_count_deletes AFTER DELETE ON deliveries REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hookstream_count_deleted_deliveries();

-- Folds the deltas into delivery_counts (the maintenance job, every few seconds). Deltas committed while it runs are
-- not in its snapshot and stay for the next run; two runs at once cannot both take the same rows (the second's DELETE
-- waits on the first's row locks, then skips the rows it deleted).
CREATE FUNCTION hookstream_fold_delivery_counts() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE folded integer;
BEGIN
  WITH moved AS (DELETE FROM delivery_count_deltas RETURNING *),
       fine AS (SELECT account_id, webhook_id, event_type, status, hour, hour - hour % 24 AS day_hour, sum(delta) AS n FROM moved GROUP BY 1, 2, 3, 4, 5)
  INSERT INTO delivery_counts AS c (account_id, webhook_id, event_type, status, period, n)
  SELECT account_id, coalesce(webhook_id, '00000000-0000-0000-0000-000000000000'), coalesce(event_type, ''), status, coalesce(hour, day_hour), sum(n)
    FROM fine
   GROUP BY GROUPING SETS ((account_id, webhook_id, event_type, status, day_hour), (account_id, webhook_id, status, day_hour),
                           (account_id, event_type, status, day_hour), (account_id, status, hour))
  ON CONFLICT (account_id, webhook_id, event_type, status, period) DO UPDATE SET n = c.n + excluded.n;
  GET DIAGNOSTICS folded = ROW_COUNT;
  RETURN folded;
END $$;

-- @step drop-old
DROP TABLE delivery_attempts_unpartitioned, deliveries_unpartitioned, events_unpartitioned;

-- @step analyze
ANALYZE events, deliveries, delivery_attempts, event_bodies, delivery_bodies, attempt_bodies, event_idempotency_keys, delivery_counts;
