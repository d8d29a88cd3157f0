-- Up Migration
-- Per-webhook delivery rate limit (rateLimitPerSecond): one row per webhook and second counts the attempts sent in
-- that second, across every worker process.
CREATE TABLE "webhook_rate_windows" (
    "webhook_id" UUID NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "webhook_rate_windows_pkey" PRIMARY KEY ("webhook_id", "window_start")
);
ALTER TABLE "webhook_rate_windows" ADD CONSTRAINT "webhook_rate_windows_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Down Migration
DROP TABLE "webhook_rate_windows";
