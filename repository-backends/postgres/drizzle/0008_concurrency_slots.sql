CREATE TABLE "concurrency_locks" (
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	CONSTRAINT "concurrency_locks_namespace_flow_id_pk" PRIMARY KEY("namespace","flow_id")
);
--> statement-breakpoint
CREATE TABLE "concurrency_slots" (
	"execution_id" text PRIMARY KEY NOT NULL,
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	"running" boolean NOT NULL,
	"slot_limit" integer NOT NULL,
	"queued_at" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "concurrency_slots_flow" ON "concurrency_slots" USING btree ("namespace","flow_id","running","queued_at");