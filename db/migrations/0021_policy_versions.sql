CREATE TABLE `policy_versions` (
	`workflow_id` text NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`value` text NOT NULL,
	`effective_from` integer NOT NULL,
	`who` text NOT NULL,
	`why` text NOT NULL,
	`rollback_of` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workflow_id`, `name`, `version`)
);
--> statement-breakpoint
CREATE INDEX `policy_versions_effective_idx` ON `policy_versions` (`workflow_id`,`name`,`effective_from`);