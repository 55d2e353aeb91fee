-- the search indexes end with the execution's kind (schema: sql/src/tables.ts), so a search's
-- count and a page's skipped rows read the index alone
DROP INDEX `executions_flow_created`;--> statement-breakpoint
DROP INDEX `executions_state_created`;--> statement-breakpoint
DROP INDEX `executions_created`;--> statement-breakpoint
DROP INDEX `executions_parent_created`;--> statement-breakpoint
CREATE INDEX `executions_flow_created` ON `executions` (`namespace`,`flow_id`,`created`,`id`,`kind`);--> statement-breakpoint
CREATE INDEX `executions_state_created` ON `executions` (`state`,`created`,`id`,`kind`);--> statement-breakpoint
CREATE INDEX `executions_created` ON `executions` (`created`,`id`,`kind`,`namespace`);--> statement-breakpoint
CREATE INDEX `executions_parent_created` ON `executions` (`parent_id`,`created`,`id`,`kind`);