CREATE TABLE `execution_labels` (
	`execution_id` varchar(64) NOT NULL,
	`label_key` varchar(128) NOT NULL,
	`label_value` varchar(255) NOT NULL,
	CONSTRAINT `execution_labels_pk` PRIMARY KEY(`execution_id`,`label_key`,`label_value`)
);
--> statement-breakpoint
ALTER TABLE `execution_labels` ADD CONSTRAINT `execution_labels_execution` FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `execution_labels_key_value` ON `execution_labels` (`label_key`,`label_value`,`execution_id`);--> statement-breakpoint
-- the labels of the executions already there (the hot path's saves keep them from now on)
INSERT IGNORE INTO `execution_labels` (`execution_id`, `label_key`, `label_value`)
SELECT e.`id`, LEFT(j.`k`, 128), LEFT(JSON_UNQUOTE(JSON_EXTRACT(e.`labels`, CONCAT('$.', JSON_QUOTE(j.`k`)))), 255)
FROM `executions` e, JSON_TABLE(JSON_KEYS(e.`labels`), '$[*]' COLUMNS (`k` VARCHAR(1024) PATH '$')) j;
