CREATE TABLE `secrets` (
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`ciphertext` text NOT NULL,
	`updated` text NOT NULL,
	PRIMARY KEY(`namespace`, `name`)
);
