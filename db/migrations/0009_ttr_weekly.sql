CREATE TABLE `ttr_weekly` (
	`workflow_id` text NOT NULL,
	`week` integer NOT NULL,
	`bucket_minutes` integer NOT NULL,
	`cases` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `week`, `bucket_minutes`)
);
--> statement-breakpoint
CREATE INDEX `ttr_weekly_week_idx` ON `ttr_weekly` (`week`,`workflow_id`,`bucket_minutes`,`cases`);