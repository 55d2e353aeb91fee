-- the search indexes end with the execution's kind (schema: sql/src/tables.ts), so a search's
-- count and a page's skipped rows read the index alone. The new ones are built under a
-- temporary name first and the old ones dropped last: the migration's transaction (all pending
-- migrations are one) holds CREATE INDEX's SHARE lock while it builds (writes to executions wait,
-- reads go on), and DROP INDEX's ACCESS EXCLUSIVE lock only from the drops to the commit. On a
-- large history the four can be built beforehand, while the old server runs, with CREATE INDEX
-- CONCURRENTLY under these temporary names (README.md): the migration then keeps them (IF NOT
-- EXISTS) and only drops and renames.
CREATE INDEX IF NOT EXISTS "executions_flow_created_kind" ON "executions" USING btree ("namespace","flow_id","created","id","kind");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_state_created_kind" ON "executions" USING btree ("state","created","id","kind");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_created_kind" ON "executions" USING btree ("created","id","kind","namespace");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_parent_created_kind" ON "executions" USING btree ("parent_id","created","id","kind");--> statement-breakpoint
DROP INDEX "executions_flow_created";--> statement-breakpoint
DROP INDEX "executions_state_created";--> statement-breakpoint
DROP INDEX "executions_created";--> statement-breakpoint
DROP INDEX "executions_parent_created";--> statement-breakpoint
ALTER INDEX "executions_flow_created_kind" RENAME TO "executions_flow_created";--> statement-breakpoint
ALTER INDEX "executions_state_created_kind" RENAME TO "executions_state_created";--> statement-breakpoint
ALTER INDEX "executions_created_kind" RENAME TO "executions_created";--> statement-breakpoint
ALTER INDEX "executions_parent_created_kind" RENAME TO "executions_parent_created";
