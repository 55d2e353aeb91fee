CREATE TABLE `claims` (
	`key` varchar(255) NOT NULL,
	`execution_id` varchar(64) NOT NULL,
	`expires` varchar(40) NOT NULL,
	CONSTRAINT `claims_key` PRIMARY KEY(`key`)
);
--> statement-breakpoint
CREATE TABLE `triggers` (
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	`trigger_id` varchar(255) NOT NULL,
	`disabled` boolean NOT NULL DEFAULT false,
	`last_fire` varchar(40),
	`next_fire` varchar(40),
	`updated` varchar(40) NOT NULL,
	CONSTRAINT `triggers_namespace_flow_id_trigger_id_pk` PRIMARY KEY(`namespace`,`flow_id`,`trigger_id`)
);
--> statement-breakpoint
CREATE INDEX `claims_expires` ON `claims` (`expires`);