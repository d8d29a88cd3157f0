-- Up Migration
-- Portal sessions: short-lived bearer tokens for the console, scoped to one account (optionally to some of its
-- webhooks, optionally read-only). Only the SHA-256 hash of a token is stored. An empty webhook_ids is the whole
-- account (createPortalSession refuses an empty list, so the two cannot be confused).
CREATE TABLE "portal_sessions" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "webhook_ids" UUID[],
    "read_only" BOOLEAN NOT NULL DEFAULT false,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "portal_sessions_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "portal_sessions_token_hash_key" ON "portal_sessions"("token_hash");
CREATE INDEX "portal_sessions_account_id_created_at_idx" ON "portal_sessions"("account_id", "created_at" DESC);
ALTER TABLE "portal_sessions" ADD CONSTRAINT "portal_sessions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Down Migration
DROP TABLE "portal_sessions";
