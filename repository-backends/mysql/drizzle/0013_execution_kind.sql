ALTER TABLE `executions` ADD `kind` varchar(16);--> statement-breakpoint
ALTER TABLE `executions` ADD `parent_id` varchar(64);--> statement-breakpoint
CREATE INDEX `executions_parent_created` ON `executions` (`parent_id`,`created`,`id`);--> statement-breakpoint
-- the parents already recorded (Subflow children): their id searchable too
UPDATE `executions` SET `parent_id` = JSON_UNQUOTE(JSON_EXTRACT(`parent`, '$.executionId')) WHERE `parent` IS NOT NULL;