CREATE TABLE `kv` (
	`namespace` varchar(255) NOT NULL,
	`key` varchar(255) NOT NULL,
	`type` varchar(16) NOT NULL,
	`value_uri` varchar(1024) NOT NULL,
	`expires` varchar(40),
	`created` varchar(40) NOT NULL,
	`updated` varchar(40) NOT NULL,
	CONSTRAINT `kv_namespace_key_pk` PRIMARY KEY(`namespace`,`key`)
);
