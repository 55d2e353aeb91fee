DROP INDEX "executions_flow";--> statement-breakpoint
DROP INDEX "executions_state";--> statement-breakpoint
DROP INDEX "logs_execution";--> statement-breakpoint
CREATE INDEX "executions_flow_created" ON "executions" USING btree ("namespace","flow_id","created","id");--> statement-breakpoint
CREATE INDEX "executions_state_created" ON "executions" USING btree ("state","created","id");--> statement-breakpoint
CREATE INDEX "executions_created" ON "executions" USING btree ("created","id");--> statement-breakpoint
CREATE INDEX "executions_updated" ON "executions" USING btree ("updated","id");--> statement-breakpoint
CREATE INDEX "executions_labels" ON "executions" USING gin ("labels" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "logs_execution_seq" ON "logs" USING btree ("execution_id","seq");