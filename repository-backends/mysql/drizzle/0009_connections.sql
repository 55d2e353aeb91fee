CREATE TABLE `connections` (
	`namespace` varchar(255) NOT NULL,
	`id` varchar(255) NOT NULL,
	`type` varchar(255) NOT NULL,
	`values` longtext NOT NULL,
	`description` text,
	`created` varchar(40) NOT NULL,
	`updated` varchar(40) NOT NULL,
	CONSTRAINT `connections_namespace_id_pk` PRIMARY KEY(`namespace`,`id`)
);
