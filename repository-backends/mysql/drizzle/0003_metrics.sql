CREATE TABLE `metrics` (
	`seq` bigint unsigned AUTO_INCREMENT NOT NULL,
	`execution_id` varchar(64) NOT NULL,
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	`task_id` varchar(255) NOT NULL,
	`task_run_id` varchar(64) NOT NULL,
	`name` varchar(255) NOT NULL,
	`type` varchar(16) NOT NULL,
	`value` double NOT NULL,
	`tags` json NOT NULL,
	`timestamp` varchar(40) NOT NULL,
	CONSTRAINT `metrics_seq` PRIMARY KEY(`seq`)
);
--> statement-breakpoint
CREATE INDEX `metrics_execution` ON `metrics` (`execution_id`);