CREATE TABLE `daily_rollups` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`day` integer NOT NULL,
	`opened` integer DEFAULT 0 NOT NULL,
	`resolved_autonomous` integer DEFAULT 0 NOT NULL,
	`resolved_human` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`awaiting_human` integer DEFAULT 0 NOT NULL,
	`escalated` integer DEFAULT 0 NOT NULL,
	`errored` integer DEFAULT 0 NOT NULL,
	`with_exception` integer DEFAULT 0 NOT NULL,
	`conversational` integer DEFAULT 0 NOT NULL,
	`judgment` integer DEFAULT 0 NOT NULL,
	`human_decisions` integer DEFAULT 0 NOT NULL,
	`human_minutes` integer DEFAULT 0 NOT NULL,
	`exception_minutes` integer DEFAULT 0 NOT NULL,
	`minutes_saved` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `day`)
);
--> statement-breakpoint
CREATE INDEX `daily_rollups_day_idx` ON `daily_rollups` (`day`);--> statement-breakpoint
CREATE TABLE `exception_rollups` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`day` integer NOT NULL,
	`exception` text NOT NULL,
	`cases` integer DEFAULT 0 NOT NULL,
	`human_minutes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `day`, `exception`)
);
--> statement-breakpoint
CREATE TABLE `ttr_rollups` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`day` integer NOT NULL,
	`bucket_minutes` integer NOT NULL,
	`cases` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `day`, `bucket_minutes`)
);
--> statement-breakpoint
ALTER TABLE `cases` ADD `escalated` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `errored` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `exception` text;--> statement-breakpoint
ALTER TABLE `cases` ADD `asks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `judgments` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `human_decisions` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `human_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `minutes_saved` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `cases_workflow_opened_idx` ON `cases` (`workflow_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `cases_updated_idx` ON `cases` (`updated_at`);--> statement-breakpoint
ALTER TABLE `metric_events` ADD `actor` text;--> statement-breakpoint
ALTER TABLE `metric_events` ADD `exception` text;