CREATE TABLE "claims" (
	"key" text PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"expires" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "triggers" (
	"namespace" text NOT NULL,
	"flow_id" text NOT NULL,
	"trigger_id" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"last_fire" text,
	"next_fire" text,
	"updated" text NOT NULL,
	CONSTRAINT "triggers_namespace_flow_id_trigger_id_pk" PRIMARY KEY("namespace","flow_id","trigger_id")
);
--> statement-breakpoint
CREATE INDEX "claims_expires" ON "claims" USING btree ("expires");