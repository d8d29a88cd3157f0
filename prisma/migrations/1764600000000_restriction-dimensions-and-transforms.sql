-- Up Migration
-- Issue 11, the platform's own catalog. Restrictions name one of the catalog's context dimensions (`resource`,
-- `property`, …) instead of anny's five-value enum; a stored enum value becomes its dimension, the value in lower
-- case (RESOURCE_GROUP → resource_group), so existing restrictions keep filtering as before.
ALTER TABLE "webhook_restrictions" ADD COLUMN "dimension" TEXT;
UPDATE "webhook_restrictions" SET "dimension" = lower("type"::text);
ALTER TABLE "webhook_restrictions" ALTER COLUMN "dimension" SET NOT NULL;
DROP INDEX "webhook_restrictions_webhook_id_type_target_id_key";
ALTER TABLE "webhook_restrictions" DROP COLUMN "type";
CREATE UNIQUE INDEX "webhook_restrictions_webhook_id_dimension_target_id_key" ON "webhook_restrictions"("webhook_id", "dimension", "target_id");
DROP TYPE "RestrictionType";

-- A webhook's transform: a JSONata expression over the standard body; its result is what is signed and sent.
ALTER TABLE "webhooks" ADD COLUMN "transform" TEXT;

-- Down Migration
ALTER TABLE "webhooks" DROP COLUMN "transform";
CREATE TYPE "RestrictionType" AS ENUM ('RESOURCE', 'RESOURCE_GROUP', 'RESOURCE_CATEGORY', 'SERVICE', 'SERVICE_GROUP');
-- Only anny's five dimensions have an enum value; restrictions on any other dimension cannot be kept.
DELETE FROM "webhook_restrictions" WHERE upper("dimension") NOT IN ('RESOURCE', 'RESOURCE_GROUP', 'RESOURCE_CATEGORY', 'SERVICE', 'SERVICE_GROUP');
ALTER TABLE "webhook_restrictions" ADD COLUMN "type" "RestrictionType";
UPDATE "webhook_restrictions" SET "type" = upper("dimension")::"RestrictionType";
ALTER TABLE "webhook_restrictions" ALTER COLUMN "type" SET NOT NULL;
DROP INDEX "webhook_restrictions_webhook_id_dimension_target_id_key";
ALTER TABLE "webhook_restrictions" DROP COLUMN "dimension";
CREATE UNIQUE INDEX "webhook_restrictions_webhook_id_type_target_id_key" ON "webhook_restrictions"("webhook_id", "type", "target_id");
