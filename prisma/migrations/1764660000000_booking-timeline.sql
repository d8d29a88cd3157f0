-- Up Migration
-- The booking's timeline (issue 13): ordering per key, scheduled and expiring deliveries.
CREATE TYPE "DeliveryOrdering" AS ENUM ('NONE', 'PER_KEY', 'LATEST_PER_KEY');
-- (New enum values cannot be used in the transaction that adds them; nothing here uses them.)
ALTER TYPE "DeliveryStatus" ADD VALUE IF NOT EXISTS 'EXPIRED';
ALTER TYPE "DeliveryStatus" ADD VALUE IF NOT EXISTS 'SUPERSEDED';

ALTER TABLE "webhooks" ADD COLUMN "ordering" "DeliveryOrdering" NOT NULL DEFAULT 'NONE';

-- An ordered webhook's delivery carries its event's ordering key and its place in the key's line (1, 2, 3…); `held`
-- marks one that waits, with no job, for the delivery before it to finish.
ALTER TABLE "deliveries" ADD COLUMN "ordering_key" TEXT;
ALTER TABLE "deliveries" ADD COLUMN "sequence" INTEGER;
ALTER TABLE "deliveries" ADD COLUMN "held" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "deliveries" ADD COLUMN "expires_at" TIMESTAMPTZ(3);
CREATE INDEX "deliveries_webhook_id_ordering_key_sequence_idx" ON "deliveries"("webhook_id", "ordering_key", "sequence");

-- The last sequence given out per webhook and key. Its row is also the key's lock: publishing and finishing a
-- delivery of the key take it, so that one never misses the other (a delivery held while its predecessor finishes).
CREATE TABLE "delivery_sequences" (
    "webhook_id" UUID NOT NULL,
    "ordering_key" TEXT NOT NULL,
    "last_sequence" INTEGER NOT NULL,
    CONSTRAINT "delivery_sequences_pkey" PRIMARY KEY ("webhook_id", "ordering_key")
);
ALTER TABLE "delivery_sequences" ADD CONSTRAINT "delivery_sequences_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Down Migration
DROP TABLE "delivery_sequences";
DROP INDEX "deliveries_webhook_id_ordering_key_sequence_idx";
ALTER TABLE "deliveries" DROP COLUMN "expires_at", DROP COLUMN "held", DROP COLUMN "sequence", DROP COLUMN "ordering_key";
ALTER TABLE "webhooks" DROP COLUMN "ordering";
DROP TYPE "DeliveryOrdering";
