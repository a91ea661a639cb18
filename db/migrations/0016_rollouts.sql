CREATE TABLE `action_outcomes` (
	`case_id` text NOT NULL,
	`step_id` text NOT NULL,
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`action` text NOT NULL,
	`level` integer NOT NULL,
	`amount` integer,
	`outcome` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`case_id`, `step_id`)
);
--> statement-breakpoint
CREATE INDEX `action_outcomes_subject_idx` ON `action_outcomes` (`workflow_id`,`action`,`at`);--> statement-breakpoint
CREATE TABLE `autonomy_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`action` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`kind` text NOT NULL,
	`from_level` integer NOT NULL,
	`to_level` integer NOT NULL,
	`reason` text NOT NULL,
	`evidence` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `autonomy_changes_subject_idx` ON `autonomy_changes` (`workflow_id`,`action`,`id`);--> statement-breakpoint
CREATE TABLE `autonomy_levels` (
	`workflow_id` text NOT NULL,
	`action` text NOT NULL,
	`level` integer NOT NULL,
	`proposed_level` integer,
	`revision` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`workflow_id`, `action`)
);
--> statement-breakpoint
CREATE TABLE `rollout_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`revision` integer NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`reason` text NOT NULL,
	`policy` text,
	`figures` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rollout_changes_workflow_idx` ON `rollout_changes` (`workflow_id`,`id`);--> statement-breakpoint
CREATE TABLE `rollout_policies` (
	`workflow_id` text PRIMARY KEY NOT NULL,
	`policy` text NOT NULL,
	`revision` integer NOT NULL,
	`step_started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `shadow_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`workflow_id` text NOT NULL,
	`candidate_version` integer NOT NULL,
	`requested_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`selection` text NOT NULL,
	`cases` integer NOT NULL,
	`same` integer NOT NULL,
	`different_decision` integer NOT NULL,
	`different_action` integer NOT NULL,
	`failed` integer NOT NULL,
	`report` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `shadow_reports_workflow_idx` ON `shadow_reports` (`workflow_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `cases` ADD `proposals` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `proposals_rejected` integer DEFAULT 0 NOT NULL;