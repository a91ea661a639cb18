-- Rollups follow the `cases` summary rows: a new row adds its contribution to its opened day, a changed row takes
-- its old contribution back and adds the new one, all inside the statement that wrote the row. A repeated
-- (idempotent) write nets to zero, and a stale snapshot never reaches here (the upsert's WHERE refuses it).
-- The column list matches db/schema.ts; db/rollups.test.ts recounts every rollup from `cases` to hold them to it.
CREATE TRIGGER `cases_rollup_insert` AFTER INSERT ON `cases` BEGIN
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved)
  VALUES (NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, 1, (NEW.status = 'resolved' AND NOT NEW.human_touch), (NEW.status = 'resolved' AND NEW.human_touch), (NEW.status = 'failed'), (NEW.status = 'escalated'), (NEW.escalated <> 0), (NEW.errored <> 0), (NEW.exception IS NOT NULL), (NEW.asks > 0), (NEW.judgments > 0), NEW.human_decisions, NEW.human_minutes, (CASE WHEN NEW.exception IS NULL THEN 0 ELSE NEW.human_minutes END), NEW.minutes_saved)
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved;
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
CREATE TRIGGER `cases_rollup_update` AFTER UPDATE ON `cases` BEGIN
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved)
  VALUES (OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, -1, -(OLD.status = 'resolved' AND NOT OLD.human_touch), -(OLD.status = 'resolved' AND OLD.human_touch), -(OLD.status = 'failed'), -(OLD.status = 'escalated'), -(OLD.escalated <> 0), -(OLD.errored <> 0), -(OLD.exception IS NOT NULL), -(OLD.asks > 0), -(OLD.judgments > 0), -OLD.human_decisions, -OLD.human_minutes, -(CASE WHEN OLD.exception IS NULL THEN 0 ELSE OLD.human_minutes END), -OLD.minutes_saved)
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved;
  INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, (CASE WHEN (OLD.closed_at - OLD.opened_at) < 3600000 THEN (OLD.closed_at - OLD.opened_at) / 60000 WHEN (OLD.closed_at - OLD.opened_at) < 86400000 THEN ((OLD.closed_at - OLD.opened_at) / 900000) * 15 ELSE ((OLD.closed_at - OLD.opened_at) / 3600000) * 60 END), -1
  WHERE OLD.status = 'resolved' AND OLD.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
  INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, OLD.exception, -1, -OLD.human_minutes
  WHERE OLD.exception IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, exception) DO UPDATE SET cases = cases + excluded.cases, human_minutes = human_minutes + excluded.human_minutes;
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved)
  VALUES (NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, 1, (NEW.status = 'resolved' AND NOT NEW.human_touch), (NEW.status = 'resolved' AND NEW.human_touch), (NEW.status = 'failed'), (NEW.status = 'escalated'), (NEW.escalated <> 0), (NEW.errored <> 0), (NEW.exception IS NOT NULL), (NEW.asks > 0), (NEW.judgments > 0), NEW.human_decisions, NEW.human_minutes, (CASE WHEN NEW.exception IS NULL THEN 0 ELSE NEW.human_minutes END), NEW.minutes_saved)
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved;
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
CREATE TRIGGER `cases_rollup_delete` AFTER DELETE ON `cases` BEGIN
  INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved)
  VALUES (OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, -1, -(OLD.status = 'resolved' AND NOT OLD.human_touch), -(OLD.status = 'resolved' AND OLD.human_touch), -(OLD.status = 'failed'), -(OLD.status = 'escalated'), -(OLD.escalated <> 0), -(OLD.errored <> 0), -(OLD.exception IS NOT NULL), -(OLD.asks > 0), -(OLD.judgments > 0), -OLD.human_decisions, -OLD.human_minutes, -(CASE WHEN OLD.exception IS NULL THEN 0 ELSE OLD.human_minutes END), -OLD.minutes_saved)
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET opened = opened + excluded.opened, resolved_autonomous = resolved_autonomous + excluded.resolved_autonomous, resolved_human = resolved_human + excluded.resolved_human, failed = failed + excluded.failed, awaiting_human = awaiting_human + excluded.awaiting_human, escalated = escalated + excluded.escalated, errored = errored + excluded.errored, with_exception = with_exception + excluded.with_exception, conversational = conversational + excluded.conversational, judgment = judgment + excluded.judgment, human_decisions = human_decisions + excluded.human_decisions, human_minutes = human_minutes + excluded.human_minutes, exception_minutes = exception_minutes + excluded.exception_minutes, minutes_saved = minutes_saved + excluded.minutes_saved;
  INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, (CASE WHEN (OLD.closed_at - OLD.opened_at) < 3600000 THEN (OLD.closed_at - OLD.opened_at) / 60000 WHEN (OLD.closed_at - OLD.opened_at) < 86400000 THEN ((OLD.closed_at - OLD.opened_at) / 900000) * 15 ELSE ((OLD.closed_at - OLD.opened_at) / 3600000) * 60 END), -1
  WHERE OLD.status = 'resolved' AND OLD.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
  INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, OLD.exception, -1, -OLD.human_minutes
  WHERE OLD.exception IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, exception) DO UPDATE SET cases = cases + excluded.cases, human_minutes = human_minutes + excluded.human_minutes;
END;
--> statement-breakpoint
-- Cases reported before this migration: their rollups, once.
INSERT INTO daily_rollups (workflow_id, workflow_version, day, opened, resolved_autonomous, resolved_human, failed, awaiting_human, escalated, errored, with_exception, conversational, judgment, human_decisions, human_minutes, exception_minutes, minutes_saved)
SELECT c.workflow_id, c.workflow_version, c.opened_at / 86400000, count(*), sum(c.status = 'resolved' AND NOT c.human_touch), sum(c.status = 'resolved' AND c.human_touch), sum(c.status = 'failed'), sum(c.status = 'escalated'), sum(c.escalated <> 0), sum(c.errored <> 0), sum(c.exception IS NOT NULL), sum(c.asks > 0), sum(c.judgments > 0), sum(c.human_decisions), sum(c.human_minutes), sum(CASE WHEN c.exception IS NULL THEN 0 ELSE c.human_minutes END), sum(c.minutes_saved)
FROM cases c GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
SELECT c.workflow_id, c.workflow_version, c.opened_at / 86400000, (CASE WHEN (c.closed_at - c.opened_at) < 3600000 THEN (c.closed_at - c.opened_at) / 60000 WHEN (c.closed_at - c.opened_at) < 86400000 THEN ((c.closed_at - c.opened_at) / 900000) * 15 ELSE ((c.closed_at - c.opened_at) / 3600000) * 60 END), count(*)
FROM cases c WHERE c.status = 'resolved' AND c.closed_at IS NOT NULL GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
SELECT c.workflow_id, c.workflow_version, c.opened_at / 86400000, c.exception, count(*), sum(c.human_minutes)
FROM cases c WHERE c.exception IS NOT NULL GROUP BY 1, 2, 3, 4;
