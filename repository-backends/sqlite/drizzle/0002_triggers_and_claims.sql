CREATE TABLE `claims` (
	`key` text PRIMARY KEY NOT NULL,
	`execution_id` text NOT NULL,
	`expires` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `claims_expires` ON `claims` (`expires`);--> statement-breakpoint
CREATE TABLE `triggers` (
	`namespace` text NOT NULL,
	`flow_id` text NOT NULL,
	`trigger_id` text NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`last_fire` text,
	`next_fire` text,
	`updated` text NOT NULL,
	PRIMARY KEY(`namespace`, `flow_id`, `trigger_id`)
);
