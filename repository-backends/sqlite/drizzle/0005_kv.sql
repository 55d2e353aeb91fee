CREATE TABLE `kv` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`type` text NOT NULL,
	`value_uri` text NOT NULL,
	`expires` text,
	`created` text NOT NULL,
	`updated` text NOT NULL,
	PRIMARY KEY(`namespace`, `key`)
);
