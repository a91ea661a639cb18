CREATE TABLE `demo_history` (
	`case_id` text PRIMARY KEY NOT NULL,
	`workflow_id` text NOT NULL,
	`case_key` text NOT NULL,
	`seed` integer NOT NULL,
	`loaded_at` integer NOT NULL,
	`audit` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `demo_history_workflow_idx` ON `demo_history` (`workflow_id`);