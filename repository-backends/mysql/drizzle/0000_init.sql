CREATE TABLE `executions` (
	`id` varchar(64) NOT NULL,
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	`flow_revision` int NOT NULL,
	`state` varchar(16) NOT NULL,
	`state_record` json NOT NULL,
	`inputs_uri` varchar(1024),
	`outputs_uri` varchar(1024),
	`labels` json NOT NULL,
	`trigger` json,
	`parent` json,
	`storage_prefix` varchar(1024),
	`created` varchar(40) NOT NULL,
	`updated` varchar(40) NOT NULL,
	CONSTRAINT `executions_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `flows` (
	`namespace` varchar(255) NOT NULL,
	`id` varchar(255) NOT NULL,
	`revision` int NOT NULL,
	`source` longtext NOT NULL,
	`deleted` boolean NOT NULL DEFAULT false,
	`updated` varchar(40) NOT NULL,
	CONSTRAINT `flows_namespace_id_revision_pk` PRIMARY KEY(`namespace`,`id`,`revision`)
);
--> statement-breakpoint
CREATE TABLE `logs` (
	`seq` bigint unsigned AUTO_INCREMENT NOT NULL,
	`execution_id` varchar(64) NOT NULL,
	`namespace` varchar(255) NOT NULL,
	`flow_id` varchar(255) NOT NULL,
	`task_id` varchar(255),
	`task_run_id` varchar(64),
	`attempt_number` int,
	`level` varchar(8) NOT NULL,
	`level_rank` int NOT NULL,
	`message` longtext NOT NULL,
	`timestamp` varchar(40) NOT NULL,
	CONSTRAINT `logs_seq` PRIMARY KEY(`seq`)
);
--> statement-breakpoint
CREATE TABLE `task_runs` (
	`id` varchar(64) NOT NULL,
	`execution_id` varchar(64) NOT NULL,
	`task_id` varchar(255) NOT NULL,
	`parent_task_run_id` varchar(64),
	`value` text,
	`state` varchar(16) NOT NULL,
	`state_record` json NOT NULL,
	`attempts` json NOT NULL,
	`outputs_uri` varchar(1024),
	`plan_uri` varchar(1024),
	`subflow_execution_id` varchar(64),
	CONSTRAINT `task_runs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `executions_flow` ON `executions` (`namespace`,`flow_id`);--> statement-breakpoint
CREATE INDEX `executions_state` ON `executions` (`state`);--> statement-breakpoint
CREATE INDEX `logs_execution` ON `logs` (`execution_id`);--> statement-breakpoint
CREATE INDEX `task_runs_execution` ON `task_runs` (`execution_id`);