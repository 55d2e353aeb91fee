-- the search indexes end with the execution's kind (schema: sql/src/tables.ts), so a search's
-- count and a page's skipped rows read the index alone. One ALTER: InnoDB builds the four in one
-- pass over the table, in place (LOCK=NONE: reads and writes go on meanwhile), and no moment
-- sees a search without its index.
ALTER TABLE `executions`
  DROP INDEX `executions_flow_created`, ADD INDEX `executions_flow_created` (`namespace`,`flow_id`,`created`,`id`,`kind`),
  DROP INDEX `executions_state_created`, ADD INDEX `executions_state_created` (`state`,`created`,`id`,`kind`),
  DROP INDEX `executions_created`, ADD INDEX `executions_created` (`created`,`id`,`kind`,`namespace`),
  DROP INDEX `executions_parent_created`, ADD INDEX `executions_parent_created` (`parent_id`,`created`,`id`,`kind`),
  ALGORITHM=INPLACE, LOCK=NONE;
