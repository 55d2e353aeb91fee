CREATE TABLE "secrets" (
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"ciphertext" text NOT NULL,
	"updated" text NOT NULL,
	CONSTRAINT "secrets_namespace_name_pk" PRIMARY KEY("namespace","name")
);
