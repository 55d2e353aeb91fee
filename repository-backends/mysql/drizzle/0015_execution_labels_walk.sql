-- a label's rows compared as bytes (exact, case included), and each carrying its execution's created and kind (schema.ts)
ALTER TABLE `execution_labels`
  MODIFY `label_key` varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  MODIFY `label_value` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ADD `created` varchar(40) DEFAULT '' NOT NULL,
  ADD `kind` varchar(16),
  DROP INDEX `execution_labels_key_value`;--> statement-breakpoint
-- the rows already there: their executions' (the hot path's writes copy them from now on)
UPDATE `execution_labels` l JOIN `executions` e ON e.`id` = l.`execution_id` SET l.`created` = e.`created`, l.`kind` = e.`kind`;--> statement-breakpoint
CREATE INDEX `execution_labels_walk` ON `execution_labels` (`label_key`,`label_value`,`kind`,`created`,`execution_id`);
