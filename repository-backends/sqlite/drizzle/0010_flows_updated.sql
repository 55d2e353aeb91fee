CREATE INDEX `flows_updated` ON `flows` (`updated`);--> statement-breakpoint
CREATE INDEX `triggers_updated` ON `triggers` (`updated`);