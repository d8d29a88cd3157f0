-- Up Migration
-- The W3C traceparent of the publish span that created a delivery (null when tracing is off), so that every attempt
-- span, hours later and in any worker process, can link back to it.
ALTER TABLE "deliveries" ADD COLUMN "trace_parent" TEXT;

-- Down Migration
ALTER TABLE "deliveries" DROP COLUMN "trace_parent";
