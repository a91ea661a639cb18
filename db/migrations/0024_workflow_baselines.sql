CREATE TABLE `workflow_baselines` (
	`workflow_id` text NOT NULL,
	`version` integer NOT NULL,
	`minutes_per_case` real NOT NULL,
	`error_rate` real NOT NULL,
	`drop_out_rate` real,
	`conversion_rate` real,
	`cost_per_hour_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`who` text NOT NULL,
	`why` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workflow_id`, `version`)
);
