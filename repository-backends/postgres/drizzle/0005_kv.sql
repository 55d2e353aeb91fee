CREATE TABLE "kv" (
	"namespace" text NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"value_uri" text NOT NULL,
	"expires" text,
	"created" text NOT NULL,
	"updated" text NOT NULL,
	CONSTRAINT "kv_namespace_key_pk" PRIMARY KEY("namespace","key")
);
