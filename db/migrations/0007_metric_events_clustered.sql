-- The raw log becomes a WITHOUT ROWID table clustered on (case_id, id): one B-tree per insert (was a table plus
-- three indexes). Written by hand from drizzle-kit's table rebuild; WITHOUT ROWID is not expressible in drizzle.
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
	PRIMARY KEY(`case_id`, `id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_metric_events`("id", "case_id", "case_key", "workflow_id", "workflow_version", "kind", "status", "step_id", "at", "duration_ms", "human_touch", "actor", "exception", "detail", "inserted_at") SELECT "id", "case_id", "case_key", "workflow_id", "workflow_version", "kind", "status", "step_id", "at", "duration_ms", "human_touch", "actor", "exception", "detail", "inserted_at" FROM `metric_events`;--> statement-breakpoint
DROP TABLE `metric_events`;--> statement-breakpoint
ALTER TABLE `__new_metric_events` RENAME TO `metric_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
-- Dropping the old table dropped its trigger: the same one again (see 0006).
CREATE TRIGGER `metric_events_agent_model` AFTER INSERT ON `metric_events`
WHEN NEW.kind = 'step.completed' AND json_extract(NEW.detail, '$.model') IS NOT NULL BEGIN
  INSERT INTO agent_models (workflow_id, workflow_version, model, last_seen_at)
  VALUES (NEW.workflow_id, NEW.workflow_version, json_extract(NEW.detail, '$.model'), NEW.at)
  ON CONFLICT (workflow_id, workflow_version, model) DO UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at);
END;