-- Up Migration
-- Time-partitioned history (issue 16; docs/partitioning.md). Converts `events`, `deliveries` and `delivery_attempts`,
-- with whatever they hold, into tables range-partitioned on their UUIDv7 ids (a range of ids is a range of time): the
-- metadata by month, the bodies (event data, delivery payloads, response bodies) in tables of their own by day, so
-- that archiving after RETENTION_DAYS detaches whole partitions instead of updating rows. Runs in the migration's one
-- transaction: the service is stopped meanwhile, and a failure leaves the old tables as they were. On an empty
-- database it copies nothing, so fresh installs and upgrades run the same steps.
--
-- The new tables are built from the live catalog, not from a column list written here: a column another migration
-- added to these tables before this one is carried over with its type, default and NOT NULL, and so are its CHECK
-- constraints, its foreign keys and its indexes (an index this design cannot keep — a unique one without the id —
-- fails the migration, loudly, rather than vanish).

-- ---- helpers ------------------------------------------------------------------------------------------------------

-- The smallest UUIDv7 of a millisecond: partition bounds and time filters as id ranges. Not STRICT: a STRICT SQL
-- function is not inlined unless its body is provably strict, and a call per row is several times slower.
CREATE FUNCTION hookstream_uuid7_floor(at timestamptz) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid $$;

-- The millisecond a UUIDv7 was made in.
CREATE FUNCTION hookstream_uuid7_time(id uuid) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_timestamp(('x' || substr(replace(id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0) $$;

-- The hour a delivery is counted in (hours since 1970-01-01 UTC, of its created_at: the time the API shows and
-- `since`/`until` filter on).
CREATE FUNCTION hookstream_history_hour(at timestamptz) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT floor(extract(epoch FROM at) / 3600)::integer $$;

-- The history tables and their partition grain: metadata by month (a dozen partitions a year keeps planning cheap),
-- bodies by day (RETENTION_DAYS removes them within a day of their time).
CREATE FUNCTION hookstream_history_tables() RETURNS TABLE (parent text, grain text, holds_bodies boolean)
  LANGUAGE sql IMMUTABLE AS $$
    VALUES ('events', 'month', false), ('deliveries', 'month', false), ('delivery_attempts', 'month', false),
           ('event_bodies', 'day', true), ('delivery_bodies', 'day', true), ('attempt_bodies', 'day', true) $$;

-- Each partition of a history table with its bounds, oldest first.
CREATE FUNCTION hookstream_history_partitions(parent_table regclass)
  RETURNS TABLE (partition regclass, lower_bound uuid, upper_bound uuid)
  LANGUAGE sql STABLE AS $$
    SELECT c.oid::regclass, bounds[1]::uuid, bounds[2]::uuid
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([0-9a-f-]+)''\) TO \(''([0-9a-f-]+)''\)') AS bounds
     WHERE i.inhparent = parent_table
     ORDER BY 2 $$;

-- ---- the old tables step aside ------------------------------------------------------------------------------------

-- What the new tables must carry over, read before anything is renamed (the definitions name the tables as they are
-- now, which is what the new ones will be called): indexes this migration does not replace, CHECK constraints, foreign
-- keys from these tables and to them. Known ones are replaced below; the rest is recreated verbatim.
CREATE TEMPORARY TABLE history_carried (kind text, table_name text, name text, definition text) ON COMMIT DROP;
INSERT INTO history_carried
SELECT 'index', c.relname, i.relname, pg_get_indexdef(x.indexrelid)
  FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
 WHERE c.oid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass)
   AND i.relname NOT IN ('events_pkey', 'events_account_id_idempotency_key_key', 'events_account_id_created_at_id_idx',
                         'events_account_id_type_created_at_id_idx', 'deliveries_pkey', 'deliveries_account_id_created_at_id_idx',
                         'deliveries_webhook_id_created_at_id_idx', 'deliveries_account_id_status_created_at_id_idx',
                         'deliveries_event_id_created_at_id_idx', 'delivery_attempts_pkey', 'delivery_attempts_delivery_id_number_key');
INSERT INTO history_carried
SELECT CASE k.contype WHEN 'c' THEN 'check' ELSE 'foreign key' END, k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)
  FROM pg_constraint k
 WHERE (k.conrelid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass)
        OR k.confrelid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass))
   AND k.contype IN ('c', 'f')
   AND k.conname NOT IN ('events_account_id_fkey', 'deliveries_account_id_fkey', 'deliveries_webhook_id_fkey',
                         'deliveries_event_id_fkey', 'delivery_attempts_delivery_id_fkey');

-- Triggers, rules and views on these tables would not survive the swap: refuse rather than lose them.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass))
     OR EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                 WHERE d.refobjid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass) AND r.ev_class <> d.refobjid) THEN
    RAISE EXCEPTION 'history partitioning: events, deliveries or delivery_attempts have triggers or dependent views, which this migration does not carry over';
  END IF;
END $$;

-- Foreign keys of other tables pointing here go now and come back to the new tables.
DO $$
DECLARE carried record;
BEGIN
  FOR carried IN SELECT * FROM history_carried WHERE kind = 'foreign key' AND table_name NOT IN ('events', 'deliveries', 'delivery_attempts') LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', carried.table_name, carried.name);
  END LOOP;
END $$;

-- Renamed with every index (index names share the relation namespace with the new tables' keys).
DO $$
DECLARE
  old_table text;
  old_index record;
BEGIN
  FOREACH old_table IN ARRAY ARRAY['events', 'deliveries', 'delivery_attempts'] LOOP
    FOR old_index IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = old_table::regclass LOOP
      EXECUTE format('ALTER INDEX %I RENAME TO %I', old_index.relname, left('unpartitioned_' || old_index.relname, 63));
    END LOOP;
    EXECUTE format('ALTER TABLE %I RENAME TO %I', old_table, old_table || '_unpartitioned');
  END LOOP;
END $$;

-- ---- the new tables -----------------------------------------------------------------------------------------------

-- A table like `source` (its columns as the catalog has them now, in order, with types, collations, defaults,
-- generated expressions and NOT NULL) minus `left_out`, plus `extra` (the key), partitioned by range on `key`.
CREATE FUNCTION pg_temp.create_partitioned_like(source regclass, target text, left_out text[], extra text, key text) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE columns text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = source AND attnum > 0 AND NOT attisdropped AND attidentity <> '' AND NOT attname = ANY (left_out)) THEN
    RAISE EXCEPTION 'history partitioning: identity columns of % are not carried over', source;
  END IF;
  SELECT string_agg(
           format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
             || CASE WHEN a.attcollation <> t.typcollation THEN format(' COLLATE %s', a.attcollation::regcollation) ELSE '' END
             || CASE WHEN a.attgenerated = 's' THEN format(' GENERATED ALWAYS AS (%s) STORED', pg_get_expr(d.adbin, d.adrelid))
                     WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
           ', ' ORDER BY a.attnum)
    INTO columns
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attname = ANY (left_out);
  EXECUTE format('CREATE TABLE %I (%s, %s) PARTITION BY RANGE (%I)', target, columns, extra, key);
END $$;

-- Metadata: what the history lists, filters and counts. No bodies (their own tables, dropped a day at a time) and no
-- `archived` (it derives from the id: before RETENTION_DAYS or the purge watermark, see history_watermarks).
SELECT pg_temp.create_partitioned_like('events_unpartitioned', 'events', ARRAY['data', 'archived'], 'CONSTRAINT events_pkey PRIMARY KEY (id)', 'id');
SELECT pg_temp.create_partitioned_like('deliveries_unpartitioned', 'deliveries', ARRAY['body', 'archived'], 'CONSTRAINT deliveries_pkey PRIMARY KEY (id)', 'id');
-- Attempts live in their delivery's partition (ranged on delivery_id, with the deliveries' bounds): a delivery's
-- attempts are one index range in one partition. The key is the pair that was already unique; the attempt's own id,
-- which nothing reads, is left out (16 bytes an attempt).
SELECT pg_temp.create_partitioned_like('delivery_attempts_unpartitioned', 'delivery_attempts', ARRAY['response_body', 'id'],
                                       'CONSTRAINT delivery_attempts_pkey PRIMARY KEY (delivery_id, number)', 'delivery_id');

-- Bodies: most of the bytes, and all that RETENTION_DAYS removes. Ranged on their owner's id, by day. No foreign keys:
-- they go a partition at a time, never row by row.
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
-- Only non-empty response bodies get a row (an empty answer is the common case of many receivers).
CREATE TABLE attempt_bodies (
    delivery_id UUID NOT NULL,
    number INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    CONSTRAINT attempt_bodies_pkey PRIMARY KEY (delivery_id, number)
) PARTITION BY RANGE (delivery_id);

-- Idempotency keys stay unique per account for ever, which a partitioned events table cannot enforce (its unique
-- indexes must contain the id): a narrow table of their own.
CREATE TABLE event_idempotency_keys (
    account_id UUID NOT NULL,
    idempotency_key TEXT NOT NULL,
    event_id UUID NOT NULL,
    CONSTRAINT event_idempotency_keys_pkey PRIMARY KEY (account_id, idempotency_key)
);

-- `bodies`: bodies before `purged_before` are gone (their partitions detached and dropped).
CREATE TABLE history_watermarks (
    name TEXT NOT NULL,
    purged_before UUID NOT NULL,
    CONSTRAINT history_watermarks_pkey PRIMARY KEY (name)
);

-- Maintained counts for totalCount and webhook.stats, of the finished statuses (everything but PENDING and RETRYING:
-- those are few, the queue's backlog, and counted from the indexes), in buckets: per account and hour, and per day
-- for each webhook × event type and the groupings between (webhook_id = the nil uuid and/or event_type = '' meaning
-- "any"). `period` is the bucket's first hour since 1970-01-01 UTC. Writers append deltas (statement triggers below,
-- whatever code path wrote); the maintenance job folds them in; readers add the deltas not folded yet.
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
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    account_id UUID NOT NULL,
    webhook_id UUID NOT NULL,
    event_type TEXT NOT NULL,
    status "DeliveryStatus" NOT NULL,
    hour INTEGER NOT NULL,
    delta BIGINT NOT NULL,
    CONSTRAINT delivery_count_deltas_pkey PRIMARY KEY (id)
);
CREATE INDEX delivery_count_deltas_account_id_idx ON delivery_count_deltas (account_id);

-- Where archiving puts detached body partitions until they are dropped, one per transaction.
CREATE SCHEMA history_trash;

-- ---- partitions, archiving, counts: the maintenance job's functions ------------------------------------------------

-- Creates the missing partitions of every history table covering [from_time, to_time); bodies never below the purge
-- watermark (a purged day stays purged). The maintenance job calls it with (now(), now() + 2 months) at start-up and
-- daily, so partitions exist well before a row needs them; there is no DEFAULT partition (creating a partition would
-- have to scan it), so an insert beyond them fails loudly rather than land somewhere unpartitioned.
CREATE FUNCTION hookstream_create_history_partitions(from_time timestamptz, to_time timestamptz) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  history_table record;
  lower_bound timestamp;
  upper_bound timestamp;
  partition_name text;
  purged_before uuid := (SELECT w.purged_before FROM history_watermarks w WHERE w.name = 'bodies');
  created integer := 0;
BEGIN
  FOR history_table IN SELECT * FROM hookstream_history_tables() LOOP
    lower_bound := date_trunc(history_table.grain, from_time AT TIME ZONE 'UTC');
    WHILE lower_bound < (to_time AT TIME ZONE 'UTC') LOOP
      upper_bound := lower_bound + ('1 ' || history_table.grain)::interval;
      partition_name := history_table.parent || '_p' || to_char(lower_bound, CASE history_table.grain WHEN 'month' THEN 'YYYY_MM' ELSE 'YYYY_MM_DD' END);
      IF to_regclass(partition_name) IS NULL
         AND NOT (history_table.holds_bodies AND hookstream_uuid7_floor(upper_bound AT TIME ZONE 'UTC') <= purged_before) THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, history_table.parent,
                       hookstream_uuid7_floor(lower_bound AT TIME ZONE 'UTC'), hookstream_uuid7_floor(upper_bound AT TIME ZONE 'UTC'));
        created := created + 1;
      END IF;
      lower_bound := upper_bound;
    END LOOP;
  END LOOP;
  RETURN created;
END $$;

-- Archiving after RETENTION_DAYS: moves the watermark to `before` (every row below it is archived from then on: payload
-- and response bodies no longer shown, retry and replay refused) and detaches every body partition wholly below it
-- (event data, delivery payloads, response bodies together) into history_trash — catalog work only, whatever the
-- partitions hold, in one short transaction. Freeing the disk is the slow part (files are truncated and unlinked at
-- commit) and would hold the parents' ACCESS EXCLUSIVE lock, stalling every publish, if attached partitions were
-- dropped: hookstream_empty_history_trash drops them afterwards, standalone tables nobody reads. The bodies of the
-- day the watermark falls in stay until that day's partitions go, hidden.
CREATE FUNCTION hookstream_archive_bodies(before timestamptz) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  body_partition record;
  bound uuid := hookstream_uuid7_floor(before);
  detached integer := 0;
BEGIN
  FOR body_partition IN
    SELECT h.parent, p.* FROM hookstream_history_tables() h CROSS JOIN LATERAL hookstream_history_partitions(h.parent::regclass) p
     WHERE h.holds_bodies AND p.upper_bound <= bound
  LOOP
    EXECUTE format('ALTER TABLE %I DETACH PARTITION %s', body_partition.parent, body_partition.partition);
    EXECUTE format('ALTER TABLE %s SET SCHEMA history_trash', body_partition.partition);
    detached := detached + 1;
  END LOOP;
  UPDATE history_watermarks SET purged_before = greatest(purged_before, bound) WHERE name = 'bodies';
  RETURN detached;
END $$;

-- Drops what archiving detached, at most `max_tables` per call (the job calls it in a loop, one table per
-- transaction: each commit frees one partition's files and locks nothing anyone else uses).
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

-- Every statement that changes the status of deliveries or deletes some appends its deltas of finished statuses,
-- whichever code path wrote it: one INSERT … SELECT per statement, grouped, and none for PENDING ⇄ RETRYING. Inserts
-- are counted by a row trigger whose WHEN filters at no cost the publish path's rows (new deliveries are PENDING), so
-- that publishing neither keeps a transition table of its rows nor runs a trigger.
CREATE FUNCTION hookstream_count_inserted_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO delivery_count_deltas (account_id, webhook_id, event_type, status, hour, delta)
  VALUES (NEW.account_id, NEW.webhook_id, NEW.event_type, NEW.status, hookstream_history_hour(NEW.created_at), 1);
  RETURN NULL;
END $$;
CREATE FUNCTION hookstream_count_updated_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO delivery_count_deltas (account_id, webhook_id, event_type, status, hour, delta)
  SELECT account_id, webhook_id, event_type, status, hour, sum(delta)
    FROM (SELECT o.account_id, o.webhook_id, o.event_type, o.status, hookstream_history_hour(o.created_at) AS hour, -1 AS delta
            FROM old_rows o JOIN new_rows n ON n.id = o.id
           WHERE n.status IS DISTINCT FROM o.status AND o.status NOT IN ('PENDING', 'RETRYING')
          UNION ALL
          SELECT n.account_id, n.webhook_id, n.event_type, n.status, hookstream_history_hour(n.created_at), 1
            FROM old_rows o JOIN new_rows n ON n.id = o.id
           WHERE n.status IS DISTINCT FROM o.status AND n.status NOT IN ('PENDING', 'RETRYING')) AS changes
   GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;
CREATE FUNCTION hookstream_count_deleted_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO delivery_count_deltas (account_id, webhook_id, event_type, status, hour, delta)
  SELECT account_id, webhook_id, event_type, status, hookstream_history_hour(created_at), -count(*)
    FROM old_rows WHERE status NOT IN ('PENDING', 'RETRYING') GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;

-- Folds the deltas into delivery_counts, every grouping in one GROUPING SETS pass (the maintenance job, every few
-- seconds). Deltas committed while it runs are not in its snapshot and wait for the next run; two runs at once cannot
-- take the same rows (the second's DELETE waits on the first's row locks, then skips the rows it deleted).
CREATE FUNCTION hookstream_fold_delivery_counts() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE folded integer;
BEGIN
  WITH moved AS (DELETE FROM delivery_count_deltas RETURNING account_id, webhook_id, event_type, status, hour, delta),
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

-- ---- partitions for what is there, and two months ahead -----------------------------------------------------------

-- The purge watermark: the first id after the newest row the old job archived (everything before it had its bodies
-- purged); bodies of rows the old job had not reached are copied below, whatever their place.
CREATE FUNCTION pg_temp.old_watermark() RETURNS uuid LANGUAGE sql AS $$
  SELECT coalesce(hookstream_uuid7_floor(hookstream_uuid7_time(greatest(
           (SELECT id FROM deliveries_unpartitioned WHERE archived ORDER BY id DESC LIMIT 1),
           (SELECT id FROM events_unpartitioned WHERE archived ORDER BY id DESC LIMIT 1))) + interval '1 millisecond'),
         '00000000-0000-0000-0000-000000000000') $$;
-- The day of the oldest body still held, and the oldest row.
CREATE FUNCTION pg_temp.oldest_body_day() RETURNS uuid LANGUAGE sql AS $$
  SELECT hookstream_uuid7_floor(date_trunc('day', hookstream_uuid7_time(least(
           (SELECT id FROM deliveries_unpartitioned WHERE body IS NOT NULL ORDER BY id LIMIT 1),
           (SELECT id FROM events_unpartitioned WHERE data IS NOT NULL ORDER BY id LIMIT 1))) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') $$;
CREATE FUNCTION pg_temp.oldest_row_time() RETURNS timestamptz LANGUAGE sql AS $$
  SELECT hookstream_uuid7_time(least((SELECT id FROM events_unpartitioned ORDER BY id LIMIT 1), (SELECT id FROM deliveries_unpartitioned ORDER BY id LIMIT 1))) $$;

-- Partitions: metadata from the oldest row's month, bodies from the oldest body's day (the watermark, lowered to it
-- meanwhile, keeps partition creation from going below), both to two months ahead; then the watermark as the old
-- job left it.
INSERT INTO history_watermarks (name, purged_before) VALUES ('bodies', least(pg_temp.old_watermark(), coalesce(pg_temp.oldest_body_day(), pg_temp.old_watermark())));
SELECT hookstream_create_history_partitions(least(now(), pg_temp.oldest_row_time()), now() + interval '2 months');
UPDATE history_watermarks SET purged_before = pg_temp.old_watermark() WHERE name = 'bodies';

-- ---- the copy -----------------------------------------------------------------------------------------------------

-- Every column the new table has, from the old one (names from the catalog: carried-over columns included).
CREATE FUNCTION pg_temp.copy_columns(source regclass, target regclass) RETURNS bigint
  LANGUAGE plpgsql AS $$
DECLARE
  columns text;
  copied bigint;
BEGIN
  SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute WHERE attrelid = target AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s', target, columns, columns, source);
  GET DIAGNOSTICS copied = ROW_COUNT;
  RETURN copied;
END $$;

SELECT pg_temp.copy_columns('events_unpartitioned', 'events');
INSERT INTO event_bodies (event_id, data) SELECT id, data FROM events_unpartitioned WHERE data IS NOT NULL;
INSERT INTO event_idempotency_keys (account_id, idempotency_key, event_id)
SELECT account_id, idempotency_key, id FROM events_unpartitioned WHERE idempotency_key IS NOT NULL;
SELECT pg_temp.copy_columns('deliveries_unpartitioned', 'deliveries');
INSERT INTO delivery_bodies (delivery_id, body) SELECT id, body FROM deliveries_unpartitioned WHERE body IS NOT NULL;
SELECT pg_temp.copy_columns('delivery_attempts_unpartitioned', 'delivery_attempts');
INSERT INTO attempt_bodies (delivery_id, number, response_body)
SELECT delivery_id, number, response_body FROM delivery_attempts_unpartitioned WHERE response_body IS NOT NULL AND response_body <> '';

-- The counts of the copied deliveries, every grouping in one pass (a column left out of a set is NULL there).
INSERT INTO delivery_counts (account_id, webhook_id, event_type, status, period, n)
SELECT account_id, coalesce(webhook_id, '00000000-0000-0000-0000-000000000000'), coalesce(event_type, ''), status, coalesce(hour, day_hour), sum(n)
  FROM (SELECT account_id, webhook_id, event_type, status, hour, hour - hour % 24 AS day_hour, count(*) AS n
          FROM (SELECT account_id, webhook_id, event_type, status, hookstream_history_hour(created_at) AS hour
                  FROM deliveries WHERE status NOT IN ('PENDING', 'RETRYING')) AS d
         GROUP BY 1, 2, 3, 4, 5) AS fine
 GROUP BY GROUPING SETS ((account_id, webhook_id, event_type, status, day_hour), (account_id, webhook_id, status, day_hour),
                         (account_id, event_type, status, day_hour), (account_id, status, hour));

-- ---- indexes and constraints, built once on full partitions -------------------------------------------------------

-- History pages are `status = s ORDER BY id DESC` index scans, one per status asked (all of them when none is),
-- merged by a sort of at most statuses × page rows: these three serve the account's history, by event type, and a
-- webhook's, with any status filter, at any depth (each partition's scan is ordered, so the Append over partitions
-- stops once the page is full). As many indexes as before, none on created_at.
CREATE INDEX deliveries_account_id_status_id_idx ON deliveries (account_id, status, id DESC);
CREATE INDEX deliveries_account_id_event_type_status_id_idx ON deliveries (account_id, event_type, status, id DESC);
CREATE INDEX deliveries_webhook_id_status_id_idx ON deliveries (webhook_id, status, id DESC);
CREATE INDEX deliveries_event_id_idx ON deliveries (event_id);
CREATE INDEX events_account_id_id_idx ON events (account_id, id DESC);
CREATE INDEX events_account_id_type_id_idx ON events (account_id, type, id DESC);

ALTER TABLE events ADD CONSTRAINT events_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_webhook_id_fkey FOREIGN KEY (webhook_id) REFERENCES webhooks(id) ON DELETE CASCADE ON UPDATE CASCADE;
-- No foreign key from deliveries to events: the engine writes both in one statement, a delivery made a millisecond
-- after its event may fall in the next month's partition (a key would make dropping a month of events scan the next
-- month's deliveries), and the check and row lock per delivery is cost on the hottest insert.
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries(id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE event_idempotency_keys ADD CONSTRAINT event_idempotency_keys_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE ON UPDATE CASCADE;

-- What other migrations had added to these tables: their other indexes, CHECK constraints and foreign keys, as defined.
DO $$
DECLARE carried record;
BEGIN
  FOR carried IN SELECT * FROM history_carried WHERE kind = 'index' LOOP
    EXECUTE carried.definition;
  END LOOP;
  FOR carried IN SELECT * FROM history_carried WHERE kind IN ('check', 'foreign key') LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', carried.table_name, carried.name, carried.definition);
  END LOOP;
END $$;

CREATE TRIGGER deliveries_count_inserts AFTER INSERT ON deliveries
  FOR EACH ROW WHEN (NEW.status NOT IN ('PENDING', 'RETRYING')) EXECUTE FUNCTION hookstream_count_inserted_delivery();
CREATE TRIGGER deliveries_count_updates AFTER UPDATE ON deliveries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hookstream_count_updated_deliveries();
CREATE TRIGGER deliveries_count_deletes AFTER DELETE ON deliveries REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hookstream_count_deleted_deliveries();

DROP TABLE delivery_attempts_unpartitioned, deliveries_unpartitioned, events_unpartitioned;
ANALYZE events, deliveries, delivery_attempts, event_bodies, delivery_bodies, attempt_bodies, event_idempotency_keys, delivery_counts;

-- Down Migration
-- The reverse copy: bodies and keys back into the rows, `archived` from the watermark, the old indexes and keys.
-- Columns other migrations added since are carried over the same way.
DROP TRIGGER deliveries_count_inserts ON deliveries;
DROP TRIGGER deliveries_count_updates ON deliveries;
DROP TRIGGER deliveries_count_deletes ON deliveries;

CREATE TEMPORARY TABLE history_carried (kind text, table_name text, name text, definition text) ON COMMIT DROP;
INSERT INTO history_carried
SELECT 'index', c.relname, i.relname, pg_get_indexdef(x.indexrelid)
  FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
 WHERE c.oid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass)
   AND i.relname NOT IN ('events_pkey', 'events_account_id_id_idx', 'events_account_id_type_id_idx', 'deliveries_pkey',
                         'deliveries_account_id_status_id_idx', 'deliveries_account_id_event_type_status_id_idx',
                         'deliveries_webhook_id_status_id_idx', 'deliveries_event_id_idx', 'delivery_attempts_pkey');
INSERT INTO history_carried
SELECT CASE k.contype WHEN 'c' THEN 'check' ELSE 'foreign key' END, k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)
  FROM pg_constraint k
 WHERE (k.conrelid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass)
        OR k.confrelid IN ('events'::regclass, 'deliveries'::regclass, 'delivery_attempts'::regclass))
   AND k.contype IN ('c', 'f') AND k.conparentid = 0
   AND k.conname NOT IN ('events_account_id_fkey', 'deliveries_account_id_fkey', 'deliveries_webhook_id_fkey', 'delivery_attempts_delivery_id_fkey');
DO $$
DECLARE carried record;
BEGIN
  FOR carried IN SELECT * FROM history_carried WHERE kind = 'foreign key' AND table_name NOT IN ('events', 'deliveries', 'delivery_attempts') LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', carried.table_name, carried.name);
  END LOOP;
END $$;
DO $$
DECLARE
  new_table text;
  new_index record;
BEGIN
  FOREACH new_table IN ARRAY ARRAY['events', 'deliveries', 'delivery_attempts'] LOOP
    FOR new_index IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = new_table::regclass LOOP
      EXECUTE format('ALTER INDEX %I RENAME TO %I', new_index.relname, left('partitioned_' || new_index.relname, 63));
    END LOOP;
    EXECUTE format('ALTER TABLE %I RENAME TO %I', new_table, new_table || '_partitioned');
  END LOOP;
END $$;

CREATE FUNCTION pg_temp.create_like(source regclass, target text, extra text) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE columns text;
BEGIN
  SELECT string_agg(
           format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
             || CASE WHEN a.attcollation <> t.typcollation THEN format(' COLLATE %s', a.attcollation::regcollation) ELSE '' END
             || CASE WHEN a.attgenerated = 's' THEN format(' GENERATED ALWAYS AS (%s) STORED', pg_get_expr(d.adbin, d.adrelid))
                     WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
           ', ' ORDER BY a.attnum)
    INTO columns
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped;
  EXECUTE format('CREATE TABLE %I (%s%s)', target, columns, extra);
END $$;
SELECT pg_temp.create_like('events_partitioned', 'events', ', "data" JSONB, "archived" BOOLEAN NOT NULL DEFAULT false');
SELECT pg_temp.create_like('deliveries_partitioned', 'deliveries', ', "archived" BOOLEAN NOT NULL DEFAULT false, "body" TEXT');
SELECT pg_temp.create_like('delivery_attempts_partitioned', 'delivery_attempts', ', "id" UUID NOT NULL DEFAULT gen_random_uuid(), "response_body" TEXT');
ALTER TABLE delivery_attempts ALTER COLUMN id DROP DEFAULT;

CREATE FUNCTION pg_temp.copy_back(source regclass, target regclass, extra_columns text, extra_values text, joins text) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE columns text;
BEGIN
  SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute WHERE attrelid = source AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('INSERT INTO %s (%s%s) SELECT %s%s FROM %s AS s %s', target, columns, extra_columns,
                 (SELECT string_agg('s.' || c, ', ') FROM unnest(string_to_array(columns, ', ')) AS c), extra_values, source, joins);
END $$;
SELECT pg_temp.copy_back('events_partitioned', 'events', ', data, archived',
                         ', b.data, s.id < (SELECT purged_before FROM history_watermarks WHERE name = ''bodies'')',
                         'LEFT JOIN event_bodies b ON b.event_id = s.id');
SELECT pg_temp.copy_back('deliveries_partitioned', 'deliveries', ', body, archived',
                         ', b.body, s.id < (SELECT purged_before FROM history_watermarks WHERE name = ''bodies'')',
                         'LEFT JOIN delivery_bodies b ON b.delivery_id = s.id');
-- Only non-empty response bodies had a row: an answer (a status) without one was an empty body (as the API reads it).
SELECT pg_temp.copy_back('delivery_attempts_partitioned', 'delivery_attempts', ', id, response_body',
                         ', gen_random_uuid(), coalesce(b.response_body, CASE WHEN s.response_status IS NOT NULL AND s.delivery_id >= (SELECT purged_before FROM history_watermarks WHERE name = ''bodies'') THEN '''' END)',
                         'LEFT JOIN attempt_bodies b ON b.delivery_id = s.delivery_id AND b.number = s.number');

ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX "events_account_id_idempotency_key_key" ON "events"("account_id", "idempotency_key");
CREATE INDEX "events_account_id_created_at_id_idx" ON "events"("account_id", "created_at" DESC, "id" DESC);
CREATE INDEX "events_account_id_type_created_at_id_idx" ON "events"("account_id", "type", "created_at" DESC, "id" DESC);
ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id);
CREATE INDEX "deliveries_account_id_created_at_id_idx" ON "deliveries"("account_id", "created_at" DESC, "id" DESC);
CREATE INDEX "deliveries_webhook_id_created_at_id_idx" ON "deliveries"("webhook_id", "created_at" DESC, "id" DESC);
CREATE INDEX "deliveries_account_id_status_created_at_id_idx" ON "deliveries"("account_id", "status", "created_at" DESC, "id" DESC);
CREATE INDEX "deliveries_event_id_created_at_id_idx" ON "deliveries"("event_id", "created_at" DESC, "id" DESC);
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX "delivery_attempts_delivery_id_number_key" ON "delivery_attempts"("delivery_id", "number");
ALTER TABLE "events" ADD CONSTRAINT "events_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
DO $$
DECLARE carried record;
BEGIN
  FOR carried IN SELECT * FROM history_carried WHERE kind = 'index' LOOP
    EXECUTE regexp_replace(carried.definition, ' ON ONLY ', ' ON ');
  END LOOP;
  FOR carried IN SELECT * FROM history_carried WHERE kind IN ('check', 'foreign key') LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', carried.table_name, carried.name, carried.definition);
  END LOOP;
END $$;

DROP TABLE delivery_attempts_partitioned, deliveries_partitioned, events_partitioned, event_bodies, delivery_bodies, attempt_bodies,
           event_idempotency_keys, history_watermarks, delivery_counts, delivery_count_deltas;
DROP SCHEMA history_trash CASCADE;
DROP FUNCTION hookstream_fold_delivery_counts(), hookstream_count_inserted_delivery(), hookstream_count_updated_deliveries(),
              hookstream_count_deleted_deliveries(), hookstream_empty_history_trash(integer), hookstream_archive_bodies(timestamptz),
              hookstream_create_history_partitions(timestamptz, timestamptz), hookstream_history_partitions(regclass),
              hookstream_history_tables(), hookstream_history_hour(timestamptz), hookstream_uuid7_time(uuid), hookstream_uuid7_floor(timestamptz);
