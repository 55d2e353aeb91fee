ALTER TABLE `executions` ADD `kind` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `parent_id` text;--> statement-breakpoint
CREATE INDEX `executions_parent_created` ON `executions` (`parent_id`,`created`,`id`);--> statement-breakpoint
-- the parents already recorded (Subflow children): their id searchable too
UPDATE `executions` SET `parent_id` = json_extract(`parent`, '$.executionId') WHERE `parent` IS NOT NULL;