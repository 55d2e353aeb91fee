ALTER TABLE "executions" ADD COLUMN "kind" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "parent_id" text;--> statement-breakpoint
CREATE INDEX "executions_parent_created" ON "executions" USING btree ("parent_id","created","id");--> statement-breakpoint
-- the parents already recorded (Subflow children): their id searchable too
UPDATE "executions" SET "parent_id" = "parent"->>'executionId' WHERE "parent" IS NOT NULL;