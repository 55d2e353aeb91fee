CREATE TABLE "task_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	"task_id" text NOT NULL,
	"outputs_uri" text NOT NULL,
	"expires" text NOT NULL,
	"created" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "task_cache_flow" ON "task_cache" USING btree ("namespace","flow_id");