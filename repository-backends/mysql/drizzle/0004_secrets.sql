CREATE TABLE `secrets` (
	`namespace` varchar(255) NOT NULL,
	`name` varchar(255) NOT NULL,
	`ciphertext` longtext NOT NULL,
	`updated` varchar(40) NOT NULL,
	CONSTRAINT `secrets_namespace_name_pk` PRIMARY KEY(`namespace`,`name`)
);
