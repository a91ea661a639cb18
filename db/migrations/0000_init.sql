CREATE TABLE `cases` (
	`case_id` text PRIMARY KEY NOT NULL,
	`case_key` text NOT NULL,
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`status` text NOT NULL,
	`opened_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	`outcome` text,
	`human_touch` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cases_workflow_status_idx` ON `cases` (`workflow_id`,`status`);--> statement-breakpoint
CREATE TABLE `metric_events` (
	`id` text PRIMARY KEY NOT NULL,
	`case_id` text NOT NULL,
	`case_key` text NOT NULL,
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`kind` text NOT NULL,
	`status` text,
	`step_id` text,
	`at` integer NOT NULL,
	`duration_ms` integer,
	`human_touch` integer DEFAULT false NOT NULL,
	`detail` text,
	`inserted_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `metric_events_case_idx` ON `metric_events` (`case_id`,`at`);--> statement-breakpoint
CREATE INDEX `metric_events_workflow_idx` ON `metric_events` (`workflow_id`,`at`);