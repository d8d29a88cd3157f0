-- Up Migration
-- The retry state lives on the delivery row (it was in the attempt job's payload): how many automatic attempts the
-- schedule has made, and what triggers the attempt queued next. A lost job can then be rebuilt from the row alone.
ALTER TABLE "deliveries" ADD COLUMN "automatic_attempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "deliveries" ADD COLUMN "next_attempt_trigger" "AttemptTrigger" NOT NULL DEFAULT 'AUTOMATIC';
UPDATE "deliveries" d SET "automatic_attempts" = a.count
  FROM (SELECT "delivery_id", count(*)::int AS count FROM "delivery_attempts" WHERE "trigger" = 'AUTOMATIC' GROUP BY "delivery_id") a
 WHERE a."delivery_id" = d."id";

-- Down Migration
ALTER TABLE "deliveries" DROP COLUMN "next_attempt_trigger";
ALTER TABLE "deliveries" DROP COLUMN "automatic_attempts";
