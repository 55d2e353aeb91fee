CREATE TABLE `connections` (
	`namespace` text NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`values` text NOT NULL,
	`description` text,
	`created` text NOT NULL,
	`updated` text NOT NULL,
	PRIMARY KEY(`namespace`, `id`)
);
