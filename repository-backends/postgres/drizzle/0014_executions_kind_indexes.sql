-- the search indexes end with the execution's kind (schema: sql/src/tables.ts), so a search's
-- count and a page's skipped rows read the index alone. The new ones are built under a
-- temporary name first and the old ones dropped last: the migration's transaction (all pending
-- migrations are one) holds CREATE INDEX's SHARE lock while it builds (writes to executions wait,
-- reads go on), and DROP INDEX's ACCESS EXCLUSIVE lock only from the drops to the commit. On a
-- large history the four can be built beforehand, while the old server runs, with CREATE INDEX
-- CONCURRENTLY under these temporary names (README.md): the migration then keeps them (IF NOT
-- EXISTS) and only drops and renames.
-- A prebuilt index is kept only when it is valid (a CONCURRENTLY build that failed leaves an
-- invalid one) and has the expected columns, plain (not unique, not partial); any other under a
-- temporary name is dropped and built here.
DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.relname AS name, i.indisvalid AS valid, i.indisunique AS unique_, i.indpred IS NOT NULL AS partial, i.indexprs IS NOT NULL AS expressions,
      (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns,
      am.amname AS method
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
    WHERE i.indrelid = 'executions'::regclass
      AND c.relname IN ('executions_flow_created_kind', 'executions_state_created_kind', 'executions_created_kind', 'executions_parent_created_kind')
  LOOP
    IF NOT r.valid OR r.unique_ OR r.partial OR r.expressions OR r.method <> 'btree' OR r.columns IS DISTINCT FROM (CASE r.name
        WHEN 'executions_flow_created_kind' THEN 'namespace,flow_id,created,id,kind'
        WHEN 'executions_state_created_kind' THEN 'state,created,id,kind'
        WHEN 'executions_created_kind' THEN 'created,id,kind,namespace'
        WHEN 'executions_parent_created_kind' THEN 'parent_id,created,id,kind' END) THEN
      EXECUTE format('DROP INDEX %I', r.name);
    END IF;
  END LOOP;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_flow_created_kind" ON "executions" USING btree ("namespace","flow_id","created","id","kind");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_state_created_kind" ON "executions" USING btree ("state","created","id","kind");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_created_kind" ON "executions" USING btree ("created","id","kind","namespace");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "executions_parent_created_kind" ON "executions" USING btree ("parent_id","created","id","kind");--> statement-breakpoint
DROP INDEX "executions_flow_created";--> statement-breakpoint
DROP INDEX "executions_state_created";--> statement-breakpoint
DROP INDEX "executions_created";--> statement-breakpoint
DROP INDEX "executions_parent_created";--> statement-breakpoint
ALTER INDEX "executions_flow_created_kind" RENAME TO "executions_flow_created";--> statement-breakpoint
ALTER INDEX "executions_state_created_kind" RENAME TO "executions_state_created";--> statement-breakpoint
ALTER INDEX "executions_created_kind" RENAME TO "executions_created";--> statement-breakpoint
ALTER INDEX "executions_parent_created_kind" RENAME TO "executions_parent_created";
