-- Up Migration
-- The first schema of prisma/schema.prisma. test/db/migrations.test.ts proves the migrated database matches the
-- Prisma models (tables, columns, types, nullability, enums, indexes, foreign keys).

CREATE TYPE "HttpMethod" AS ENUM ('POST', 'PUT', 'PATCH');
CREATE TYPE "RestrictionType" AS ENUM ('RESOURCE', 'RESOURCE_GROUP', 'RESOURCE_CATEGORY', 'SERVICE', 'SERVICE_GROUP');
CREATE TYPE "DeliveryStatus" AS ENUM ('PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED');
CREATE TYPE "AttemptTrigger" AS ENUM ('AUTOMATIC', 'MANUAL');

CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "api_key_hash" TEXT NOT NULL,
    "max_webhooks" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "accounts_api_key_hash_key" ON "accounts"("api_key_hash");

CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "events" TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "disabled_reason" TEXT,
    "failure_count" INTEGER NOT NULL DEFAULT 0,
    "http_method" "HttpMethod" NOT NULL DEFAULT 'POST',
    "send_data" BOOLEAN NOT NULL DEFAULT true,
    "rate_limit_per_second" INTEGER,
    "secret" TEXT NOT NULL,
    "previous_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhooks_account_id_created_at_id_idx" ON "webhooks"("account_id", "created_at" DESC, "id" DESC);

CREATE TABLE "webhook_headers" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    CONSTRAINT "webhook_headers_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_headers_webhook_id_position_key" ON "webhook_headers"("webhook_id", "position");

CREATE TABLE "webhook_restrictions" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "type" "RestrictionType" NOT NULL,
    "target_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_restrictions_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_restrictions_webhook_id_type_target_id_key" ON "webhook_restrictions"("webhook_id", "type", "target_id");

CREATE TABLE "events" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB,
    "context" JSONB,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "events_account_id_idempotency_key_key" ON "events"("account_id", "idempotency_key");
CREATE INDEX "events_account_id_created_at_id_idx" ON "events"("account_id", "created_at" DESC, "id" DESC);
CREATE INDEX "events_account_id_type_created_at_id_idx" ON "events"("account_id", "type", "created_at" DESC, "id" DESC);

CREATE TABLE "deliveries" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_response_status" INTEGER,
    "delivered_at" TIMESTAMPTZ(3),
    "manual_retries" INTEGER NOT NULL DEFAULT 0,
    "failure_reason" TEXT,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "body" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "deliveries_account_id_created_at_id_idx" ON "deliveries"("account_id", "created_at" DESC, "id" DESC);
CREATE INDEX "deliveries_webhook_id_created_at_id_idx" ON "deliveries"("webhook_id", "created_at" DESC, "id" DESC);
CREATE INDEX "deliveries_account_id_status_created_at_id_idx" ON "deliveries"("account_id", "status", "created_at" DESC, "id" DESC);
CREATE INDEX "deliveries_event_id_created_at_id_idx" ON "deliveries"("event_id", "created_at" DESC, "id" DESC);

CREATE TABLE "delivery_attempts" (
    "id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "trigger" "AttemptTrigger" NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" INTEGER,
    "response_status" INTEGER,
    "response_body" TEXT,
    "error" TEXT,
    "request_headers" JSONB,
    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "delivery_attempts_delivery_id_number_key" ON "delivery_attempts"("delivery_id", "number");

ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_headers" ADD CONSTRAINT "webhook_headers_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_restrictions" ADD CONSTRAINT "webhook_restrictions_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "events" ADD CONSTRAINT "events_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Down Migration
DROP TABLE "delivery_attempts", "deliveries", "events", "webhook_restrictions", "webhook_headers", "webhooks", "accounts";
DROP TYPE "AttemptTrigger", "DeliveryStatus", "RestrictionType", "HttpMethod";
