CREATE TABLE `concurrency_locks` (
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	CONSTRAINT `concurrency_locks_namespace_flow_id_pk` PRIMARY KEY(`namespace`,`flow_id`)
);
--> statement-breakpoint
CREATE TABLE `concurrency_slots` (
	`execution_id` varchar(64) NOT NULL,
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	`running` boolean NOT NULL,
	`slot_limit` int NOT NULL,
	`queued_at` varchar(40) NOT NULL,
	CONSTRAINT `concurrency_slots_execution_id` PRIMARY KEY(`execution_id`)
);
--> statement-breakpoint
CREATE INDEX `concurrency_slots_flow` ON `concurrency_slots` (`namespace`,`flow_id`,`running`,`queued_at`);