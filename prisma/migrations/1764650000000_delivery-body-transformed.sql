-- Up Migration
-- A webhook with a transform gets its delivery's body rewritten by the transform's result before the first attempt,
-- so that every attempt (and the call history's payload) has the bytes that were signed and sent.
ALTER TABLE "deliveries" ADD COLUMN "body_transformed" BOOLEAN NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE "deliveries" DROP COLUMN "body_transformed";
