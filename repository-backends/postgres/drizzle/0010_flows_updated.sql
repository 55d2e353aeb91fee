CREATE INDEX "flows_updated" ON "flows" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "triggers_updated" ON "triggers" USING btree ("updated");