-- Metric events become an append-only rowid table numbered per case (issue 19): exactness moves from the scattered
-- (case_id, id) key to one high-water mark per case in `metric_sequences` (WITHOUT ROWID, written by hand: drizzle
-- cannot express it). Rows already stored have no number and keep their (case_id, id) key as a partial unique index.
CREATE TABLE `metric_sequences` (
	`case_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_metric_events` (
	`id` text NOT NULL,
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
	`actor` text,
	`exception` text,
	`detail` text,
	`inserted_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`seq` integer
);
--> statement-breakpoint
INSERT INTO `__new_metric_events`("id", "case_id", "case_key", "workflow_id", "workflow_version", "kind", "status", "step_id", "at", "duration_ms", "human_touch", "actor", "exception", "detail", "inserted_at", "seq") SELECT "id", "case_id", "case_key", "workflow_id", "workflow_version", "kind", "status", "step_id", "at", "duration_ms", "human_touch", "actor", "exception", "detail", "inserted_at", NULL FROM `metric_events`;--> statement-breakpoint
DROP TABLE `metric_events`;--> statement-breakpoint
ALTER TABLE `__new_metric_events` RENAME TO `metric_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `metric_events_unnumbered_key` ON `metric_events` (`case_id`,`id`) WHERE "seq" IS NULL;