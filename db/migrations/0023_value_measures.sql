-- The business result of each workflow (db/facts.ts ValueMeasures): the case row's value facts, null when the workflow
-- declares none, and value_rollups kept by their own triggers beside the rollups of 0002/0013 (those stay as they are):
-- each change of a measured case row takes its old figures out and puts its new ones in, in the same transaction.
CREATE TABLE `value_rollups` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`day` integer NOT NULL,
	`currency` text NOT NULL,
	`cases` integer DEFAULT 0 NOT NULL,
	`succeeded` integer DEFAULT 0 NOT NULL,
	`success_ms` integer DEFAULT 0 NOT NULL,
	`dropped_out` integer DEFAULT 0 NOT NULL,
	`value_minor` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `day`, `currency`)
);
--> statement-breakpoint
ALTER TABLE `cases` ADD `succeeded` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `dropped_out` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `value_minor` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `value_currency` text;
--> statement-breakpoint
CREATE TRIGGER `cases_value_rollup_insert` AFTER INSERT ON `cases` BEGIN
  INSERT INTO value_rollups (workflow_id, workflow_version, day, currency, cases, succeeded, success_ms, dropped_out, value_minor)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, coalesce(NEW.value_currency, ''), 1, (NEW.succeeded <> 0), (CASE WHEN NEW.succeeded <> 0 AND NEW.closed_at IS NOT NULL THEN NEW.closed_at - NEW.opened_at ELSE 0 END), (NEW.dropped_out <> 0), coalesce(NEW.value_minor, 0)
  WHERE NEW.succeeded IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, currency) DO UPDATE SET cases = cases + excluded.cases, succeeded = succeeded + excluded.succeeded, success_ms = success_ms + excluded.success_ms, dropped_out = dropped_out + excluded.dropped_out, value_minor = value_minor + excluded.value_minor;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_value_rollup_update` AFTER UPDATE ON `cases`
WHEN OLD.succeeded IS NOT NEW.succeeded OR
  OLD.dropped_out IS NOT NEW.dropped_out OR
  OLD.value_minor IS NOT NEW.value_minor OR
  OLD.value_currency IS NOT NEW.value_currency OR
  OLD.closed_at IS NOT NEW.closed_at OR
  OLD.opened_at IS NOT NEW.opened_at OR
  OLD.workflow_id IS NOT NEW.workflow_id OR
  OLD.workflow_version IS NOT NEW.workflow_version
BEGIN
  INSERT INTO value_rollups (workflow_id, workflow_version, day, currency, cases, succeeded, success_ms, dropped_out, value_minor)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, coalesce(OLD.value_currency, ''), -1, -(OLD.succeeded <> 0), -(CASE WHEN OLD.succeeded <> 0 AND OLD.closed_at IS NOT NULL THEN OLD.closed_at - OLD.opened_at ELSE 0 END), -(OLD.dropped_out <> 0), -coalesce(OLD.value_minor, 0)
  WHERE OLD.succeeded IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, currency) DO UPDATE SET cases = cases + excluded.cases, succeeded = succeeded + excluded.succeeded, success_ms = success_ms + excluded.success_ms, dropped_out = dropped_out + excluded.dropped_out, value_minor = value_minor + excluded.value_minor;
  INSERT INTO value_rollups (workflow_id, workflow_version, day, currency, cases, succeeded, success_ms, dropped_out, value_minor)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, coalesce(NEW.value_currency, ''), 1, (NEW.succeeded <> 0), (CASE WHEN NEW.succeeded <> 0 AND NEW.closed_at IS NOT NULL THEN NEW.closed_at - NEW.opened_at ELSE 0 END), (NEW.dropped_out <> 0), coalesce(NEW.value_minor, 0)
  WHERE NEW.succeeded IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, currency) DO UPDATE SET cases = cases + excluded.cases, succeeded = succeeded + excluded.succeeded, success_ms = success_ms + excluded.success_ms, dropped_out = dropped_out + excluded.dropped_out, value_minor = value_minor + excluded.value_minor;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_value_rollup_delete` AFTER DELETE ON `cases` BEGIN
  INSERT INTO value_rollups (workflow_id, workflow_version, day, currency, cases, succeeded, success_ms, dropped_out, value_minor)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, coalesce(OLD.value_currency, ''), -1, -(OLD.succeeded <> 0), -(CASE WHEN OLD.succeeded <> 0 AND OLD.closed_at IS NOT NULL THEN OLD.closed_at - OLD.opened_at ELSE 0 END), -(OLD.dropped_out <> 0), -coalesce(OLD.value_minor, 0)
  WHERE OLD.succeeded IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, currency) DO UPDATE SET cases = cases + excluded.cases, succeeded = succeeded + excluded.succeeded, success_ms = success_ms + excluded.success_ms, dropped_out = dropped_out + excluded.dropped_out, value_minor = value_minor + excluded.value_minor;
END;
