DROP INDEX `executions_flow`;--> statement-breakpoint
DROP INDEX `executions_state`;--> statement-breakpoint
CREATE INDEX `executions_flow_created` ON `executions` (`namespace`,`flow_id`,`created`,`id`);--> statement-breakpoint
CREATE INDEX `executions_state_created` ON `executions` (`state`,`created`,`id`);--> statement-breakpoint
CREATE INDEX `executions_created` ON `executions` (`created`,`id`);--> statement-breakpoint
CREATE INDEX `executions_updated` ON `executions` (`updated`,`id`);--> statement-breakpoint
DROP INDEX `logs_execution`;--> statement-breakpoint
CREATE INDEX `logs_execution_seq` ON `logs` (`execution_id`,`seq`);