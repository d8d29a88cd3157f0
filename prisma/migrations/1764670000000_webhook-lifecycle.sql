-- Up Migration
-- The endpoint's lifecycle (issue 14): when a webhook's failing streak began (operational events,
-- DISABLE_AFTER_FAILING_FOR) and whether its final notice went out, health checks and their last result, and the
-- webhook's own retry schedule and timeout. All on `webhooks`: the history tables stay as they are.
ALTER TABLE "webhooks" ADD COLUMN "failing_since" TIMESTAMPTZ(3);
ALTER TABLE "webhooks" ADD COLUMN "disabling_notice_at" TIMESTAMPTZ(3);
ALTER TABLE "webhooks" ADD COLUMN "health_check" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "webhooks" ADD COLUMN "health_check_due_at" TIMESTAMPTZ(3);
ALTER TABLE "webhooks" ADD COLUMN "health_ok" BOOLEAN;
ALTER TABLE "webhooks" ADD COLUMN "health_checked_at" TIMESTAMPTZ(3);
ALTER TABLE "webhooks" ADD COLUMN "health_response_status" INTEGER;
ALTER TABLE "webhooks" ADD COLUMN "health_error" TEXT;
ALTER TABLE "webhooks" ADD COLUMN "retry_schedule_ms" JSONB;
ALTER TABLE "webhooks" ADD COLUMN "timeout_ms" INTEGER;
-- Webhooks failing when this runs are in a streak that began no later than their last change.
UPDATE "webhooks" SET "failing_since" = "updated_at" WHERE "failure_count" > 0;
-- The periodic sweeps read only the few rows they concern.
CREATE INDEX "webhooks_health_check_due_at_idx" ON "webhooks"("health_check_due_at");
CREATE INDEX "webhooks_failing_since_idx" ON "webhooks"("failing_since");

-- Down Migration
DROP INDEX "webhooks_failing_since_idx";
DROP INDEX "webhooks_health_check_due_at_idx";
ALTER TABLE "webhooks" DROP COLUMN "timeout_ms", DROP COLUMN "retry_schedule_ms", DROP COLUMN "health_error",
  DROP COLUMN "health_response_status", DROP COLUMN "health_checked_at", DROP COLUMN "health_ok",
  DROP COLUMN "health_check_due_at", DROP COLUMN "health_check", DROP COLUMN "disabling_notice_at", DROP COLUMN "failing_since";
