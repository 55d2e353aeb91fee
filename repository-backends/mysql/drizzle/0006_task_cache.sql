CREATE TABLE `task_cache` (
	`key` varchar(64) NOT NULL,
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	`task_id` varchar(255) NOT NULL,
	`outputs_uri` varchar(1024) NOT NULL,
	`expires` varchar(40) NOT NULL,
	`created` varchar(40) NOT NULL,
	CONSTRAINT `task_cache_key` PRIMARY KEY(`key`)
);
--> statement-breakpoint
CREATE INDEX `task_cache_flow` ON `task_cache` (`namespace`,`flow_id`);