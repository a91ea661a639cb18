-- Alerts an admin sets per workflow (escalation rate, error rate, SLA breaches over a recent window) and their state,
-- so the minute check tells Slack or email once per crossing; alert_notices keeps each crossing, delivery and return.
CREATE TABLE `alert_notices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rule_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`value` real,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `alert_notices_rule_idx` ON `alert_notices` (`rule_id`,`at`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`metric` text NOT NULL,
	`threshold` real NOT NULL,
	`window_minutes` integer NOT NULL,
	`min_cases` integer NOT NULL,
	`channel` text NOT NULL,
	`target` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`firing_since` integer,
	`notified_at` integer,
	`last_value` real,
	`last_checked_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `alert_rules_workflow_idx` ON `alert_rules` (`workflow_id`);