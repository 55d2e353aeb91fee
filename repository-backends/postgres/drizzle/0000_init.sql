CREATE TABLE "executions" (
	"id" text PRIMARY KEY NOT NULL,
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	"flow_revision" integer NOT NULL,
	"state" text NOT NULL,
	"state_record" jsonb NOT NULL,
	"inputs_uri" text,
	"outputs_uri" text,
	"labels" jsonb NOT NULL,
	"trigger" jsonb,
	"parent" jsonb,
	"storage_prefix" text,
	"created" text NOT NULL,
	"updated" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flows" (
	"namespace" text NOT NULL,
	"id" text NOT NULL,
	"revision" integer NOT NULL,
	"source" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"updated" text NOT NULL,
	CONSTRAINT "flows_namespace_id_revision_pk" PRIMARY KEY("namespace","id","revision")
);
--> statement-breakpoint
CREATE TABLE "logs" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	"task_id" text,
	"task_run_id" text,
	"attempt_number" integer,
	"level" text NOT NULL,
	"level_rank" integer NOT NULL,
	"message" text NOT NULL,
	"timestamp" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"task_id" text NOT NULL,
	"parent_task_run_id" text,
	"value" text,
	"state" text NOT NULL,
	"state_record" jsonb NOT NULL,
	"attempts" jsonb NOT NULL,
	"outputs_uri" text,
	"plan_uri" text,
	"subflow_execution_id" text
);
--> statement-breakpoint
CREATE INDEX "executions_flow" ON "executions" USING btree ("namespace","flow_id");--> statement-breakpoint
CREATE INDEX "executions_state" ON "executions" USING btree ("state");--> statement-breakpoint
CREATE INDEX "logs_execution" ON "logs" USING btree ("execution_id");--> statement-breakpoint
CREATE INDEX "task_runs_execution" ON "task_runs" USING btree ("execution_id");