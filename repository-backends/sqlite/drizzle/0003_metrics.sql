CREATE TABLE `metrics` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`execution_id` text NOT NULL,
	`namespace` text NOT NULL,
	`flow_id` text NOT NULL,
	`task_id` text NOT NULL,
	`task_run_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`value` real NOT NULL,
	`tags` text NOT NULL,
	`timestamp` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `metrics_execution` ON `metrics` (`execution_id`);