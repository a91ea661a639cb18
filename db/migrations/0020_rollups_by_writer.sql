CREATE TABLE `rollup_changes` (
	`sign` integer NOT NULL,
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`opened_at` integer NOT NULL,
	`closed_at` integer,
	`status` text NOT NULL,
	`human_touch` integer NOT NULL,
	`escalated` integer NOT NULL,
	`errored` integer NOT NULL,
	`exception` text,
	`asks` integer NOT NULL,
	`judgments` integer NOT NULL,
	`human_decisions` integer NOT NULL,
	`human_minutes` integer NOT NULL,
	`minutes_saved` integer NOT NULL,
	`handed_to_person` integer NOT NULL,
	`sla_breaches` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `cases` ADD `rollup_stamp` integer;
--> statement-breakpoint
-- The metrics writer moves the rollups for its own writes once per transaction (workers/metrics/rollup-deltas.ts:
-- one upsert per rollup row a write touches, instead of three to eight per case row) and stamps the case rows it
-- writes: a row it inserts has a stamp, each update it makes changes the stamp. The insert and update triggers of
-- 0013 and 0010 skip exactly those rows; any other write (no stamp, or the stamp left as it was) moves the rollups by
-- trigger as before. Deletes always do. Bodies unchanged.
DROP TRIGGER `cases_rollup_insert`;
--> statement-breakpoint
CREATE TRIGGER `cases_rollup_insert` AFTER INSERT ON `cases`
WHEN NEW.rollup_stamp IS NULL
BEGIN
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved, handed_to_person, sla_breached)
  VALUES (NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, 1, (NEW.status = 'resolved' AND NOT NEW.human_touch), (NEW.status = 'resolved' AND NEW.human_touch), (NEW.status = 'failed'), (NEW.status = 'escalated'), (NEW.escalated <> 0), (NEW.errored <> 0), (NEW.exception IS NOT NULL), (NEW.asks > 0), (NEW.judgments > 0), NEW.human_decisions, NEW.human_minutes, (CASE WHEN NEW.exception IS NULL THEN 0 ELSE NEW.human_minutes END), NEW.minutes_saved, (NEW.handed_to_person <> 0), (NEW.sla_breaches > 0))
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved, handed_to_person = handed_to_person + excluded.handed_to_person, sla_breached = sla_breached + excluded.sla_breached;
  INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, (CASE WHEN (NEW.closed_at - NEW.opened_at) < 3600000 THEN (NEW.closed_at - NEW.opened_at) / 60000 WHEN (NEW.closed_at - NEW.opened_at) < 86400000 THEN ((NEW.closed_at - NEW.opened_at) / 900000) * 15 ELSE ((NEW.closed_at - NEW.opened_at) / 3600000) * 60 END), 1
  WHERE NEW.status = 'resolved' AND NEW.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
  INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, NEW.exception, 1, NEW.human_minutes
  WHERE NEW.exception IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, exception) DO UPDATE SET cases = cases + excluded.cases, human_minutes = human_minutes + excluded.human_minutes;
END;
--> statement-breakpoint
DROP TRIGGER `cases_rollup_update`;
--> statement-breakpoint
CREATE TRIGGER `cases_rollup_update` AFTER UPDATE ON `cases`
WHEN NEW.rollup_stamp IS OLD.rollup_stamp AND ((OLD.status = 'resolved') IS NOT (NEW.status = 'resolved') OR
  (OLD.status = 'failed') IS NOT (NEW.status = 'failed') OR
  (OLD.status = 'escalated') IS NOT (NEW.status = 'escalated') OR
  OLD.human_touch IS NOT NEW.human_touch OR
  OLD.escalated IS NOT NEW.escalated OR
  OLD.errored IS NOT NEW.errored OR
  OLD.exception IS NOT NEW.exception OR
  (OLD.asks > 0) IS NOT (NEW.asks > 0) OR
  (OLD.judgments > 0) IS NOT (NEW.judgments > 0) OR
  OLD.human_decisions IS NOT NEW.human_decisions OR
  OLD.human_minutes IS NOT NEW.human_minutes OR
  OLD.minutes_saved IS NOT NEW.minutes_saved OR
  OLD.handed_to_person IS NOT NEW.handed_to_person OR
  (OLD.sla_breaches > 0) IS NOT (NEW.sla_breaches > 0) OR
  OLD.closed_at IS NOT NEW.closed_at OR
  OLD.opened_at IS NOT NEW.opened_at OR
  OLD.workflow_id IS NOT NEW.workflow_id OR
  OLD.workflow_version IS NOT NEW.workflow_version)
BEGIN
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved, handed_to_person, sla_breached)
  VALUES (OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, -1, -(OLD.status = 'resolved' AND NOT OLD.human_touch), -(OLD.status = 'resolved' AND OLD.human_touch), -(OLD.status = 'failed'), -(OLD.status = 'escalated'), -(OLD.escalated <> 0), -(OLD.errored <> 0), -(OLD.exception IS NOT NULL), -(OLD.asks > 0), -(OLD.judgments > 0), -OLD.human_decisions, -OLD.human_minutes, -(CASE WHEN OLD.exception IS NULL THEN 0 ELSE OLD.human_minutes END), -OLD.minutes_saved, -(OLD.handed_to_person <> 0), -(OLD.sla_breaches > 0))
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved, handed_to_person = handed_to_person + excluded.handed_to_person, sla_breached = sla_breached + excluded.sla_breached;
  INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, (CASE WHEN (OLD.closed_at - OLD.opened_at) < 3600000 THEN (OLD.closed_at - OLD.opened_at) / 60000 WHEN (OLD.closed_at - OLD.opened_at) < 86400000 THEN ((OLD.closed_at - OLD.opened_at) / 900000) * 15 ELSE ((OLD.closed_at - OLD.opened_at) / 3600000) * 60 END), -1
  WHERE OLD.status = 'resolved' AND OLD.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
  INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, OLD.exception, -1, -OLD.human_minutes
  WHERE OLD.exception IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, exception) DO UPDATE SET cases = cases + excluded.cases, human_minutes = human_minutes + excluded.human_minutes;
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved, handed_to_person, sla_breached)
  VALUES (NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, 1, (NEW.status = 'resolved' AND NOT NEW.human_touch), (NEW.status = 'resolved' AND NEW.human_touch), (NEW.status = 'failed'), (NEW.status = 'escalated'), (NEW.escalated <> 0), (NEW.errored <> 0), (NEW.exception IS NOT NULL), (NEW.asks > 0), (NEW.judgments > 0), NEW.human_decisions, NEW.human_minutes, (CASE WHEN NEW.exception IS NULL THEN 0 ELSE NEW.human_minutes END), NEW.minutes_saved, (NEW.handed_to_person <> 0), (NEW.sla_breaches > 0))
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved, handed_to_person = handed_to_person + excluded.handed_to_person, sla_breached = sla_breached + excluded.sla_breached;
  INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, (CASE WHEN (NEW.closed_at - NEW.opened_at) < 3600000 THEN (NEW.closed_at - NEW.opened_at) / 60000 WHEN (NEW.closed_at - NEW.opened_at) < 86400000 THEN ((NEW.closed_at - NEW.opened_at) / 900000) * 15 ELSE ((NEW.closed_at - NEW.opened_at) / 3600000) * 60 END), 1
  WHERE NEW.status = 'resolved' AND NEW.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
  INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, NEW.exception, 1, NEW.human_minutes
  WHERE NEW.exception IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, exception) DO UPDATE SET cases = cases + excluded.cases, human_minutes = human_minutes + excluded.human_minutes;
END;
--> statement-breakpoint
DROP TRIGGER `cases_ttr_weekly_insert`;
--> statement-breakpoint
CREATE TRIGGER `cases_ttr_weekly_insert` AFTER INSERT ON `cases`
WHEN NEW.rollup_stamp IS NULL
BEGIN
  INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
  SELECT NEW.workflow_id, (NEW.opened_at / 86400000 + 3) / 7, (CASE WHEN (NEW.closed_at - NEW.opened_at) < 3600000 THEN (NEW.closed_at - NEW.opened_at) / 60000 WHEN (NEW.closed_at - NEW.opened_at) < 86400000 THEN ((NEW.closed_at - NEW.opened_at) / 900000) * 15 ELSE ((NEW.closed_at - NEW.opened_at) / 3600000) * 60 END), 1
  WHERE NEW.status = 'resolved' AND NEW.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, week, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
END;
--> statement-breakpoint
DROP TRIGGER `cases_ttr_weekly_update`;
--> statement-breakpoint
CREATE TRIGGER `cases_ttr_weekly_update` AFTER UPDATE ON `cases`
WHEN NEW.rollup_stamp IS OLD.rollup_stamp AND ((OLD.status = 'resolved') IS NOT (NEW.status = 'resolved') OR
  (OLD.status = 'failed') IS NOT (NEW.status = 'failed') OR
  (OLD.status = 'escalated') IS NOT (NEW.status = 'escalated') OR
  OLD.human_touch IS NOT NEW.human_touch OR
  OLD.escalated IS NOT NEW.escalated OR
  OLD.errored IS NOT NEW.errored OR
  OLD.exception IS NOT NEW.exception OR
  (OLD.asks > 0) IS NOT (NEW.asks > 0) OR
  (OLD.judgments > 0) IS NOT (NEW.judgments > 0) OR
  OLD.human_decisions IS NOT NEW.human_decisions OR
  OLD.human_minutes IS NOT NEW.human_minutes OR
  OLD.minutes_saved IS NOT NEW.minutes_saved OR
  OLD.closed_at IS NOT NEW.closed_at OR
  OLD.opened_at IS NOT NEW.opened_at OR
  OLD.workflow_id IS NOT NEW.workflow_id OR
  OLD.workflow_version IS NOT NEW.workflow_version)
BEGIN
  INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
  SELECT OLD.workflow_id, (OLD.opened_at / 86400000 + 3) / 7, (CASE WHEN (OLD.closed_at - OLD.opened_at) < 3600000 THEN (OLD.closed_at - OLD.opened_at) / 60000 WHEN (OLD.closed_at - OLD.opened_at) < 86400000 THEN ((OLD.closed_at - OLD.opened_at) / 900000) * 15 ELSE ((OLD.closed_at - OLD.opened_at) / 3600000) * 60 END), -1
  WHERE OLD.status = 'resolved' AND OLD.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, week, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
  INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
  SELECT NEW.workflow_id, (NEW.opened_at / 86400000 + 3) / 7, (CASE WHEN (NEW.closed_at - NEW.opened_at) < 3600000 THEN (NEW.closed_at - NEW.opened_at) / 60000 WHEN (NEW.closed_at - NEW.opened_at) < 86400000 THEN ((NEW.closed_at - NEW.opened_at) / 900000) * 15 ELSE ((NEW.closed_at - NEW.opened_at) / 3600000) * 60 END), 1
  WHERE NEW.status = 'resolved' AND NEW.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, week, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
END;
