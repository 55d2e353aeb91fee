CREATE TABLE "metrics" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	"task_id" text NOT NULL,
	"task_run_id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"value" double precision NOT NULL,
	"tags" jsonb NOT NULL,
	"timestamp" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "metrics_execution" ON "metrics" USING btree ("execution_id");