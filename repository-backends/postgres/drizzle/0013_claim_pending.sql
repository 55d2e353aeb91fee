-- a once-only start's claim not yet created: its holder's lease. Rows made before it stay null: created, never taken over
ALTER TABLE "claims" ADD COLUMN "pending_until" text;
