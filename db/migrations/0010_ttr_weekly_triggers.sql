-- The weekly time-to-resolution histogram follows the case rows like the daily rollups (0002, 0008): its own
-- triggers, so the daily ones stay as they are. Same bucket rule (workers/metrics/facts.ts ttrBucketMinutes); week =
-- (UTC day + 3) / 7, so weeks start on Monday.
CREATE TRIGGER `cases_ttr_weekly_insert` AFTER INSERT ON `cases` BEGIN
  INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
  SELECT NEW.workflow_id, (NEW.opened_at / 86400000 + 3) / 7, (CASE WHEN (NEW.closed_at - NEW.opened_at) < 3600000 THEN (NEW.closed_at - NEW.opened_at) / 60000 WHEN (NEW.closed_at - NEW.opened_at) < 86400000 THEN ((NEW.closed_at - NEW.opened_at) / 900000) * 15 ELSE ((NEW.closed_at - NEW.opened_at) / 3600000) * 60 END), 1
  WHERE NEW.status = 'resolved' AND NEW.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, week, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_ttr_weekly_update` AFTER UPDATE ON `cases`
WHEN (OLD.status = 'resolved') IS NOT (NEW.status = 'resolved') OR
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
  OLD.workflow_version IS NOT NEW.workflow_version
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
--> statement-breakpoint
CREATE TRIGGER `cases_ttr_weekly_delete` AFTER DELETE ON `cases` BEGIN
  INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
  SELECT OLD.workflow_id, (OLD.opened_at / 86400000 + 3) / 7, (CASE WHEN (OLD.closed_at - OLD.opened_at) < 3600000 THEN (OLD.closed_at - OLD.opened_at) / 60000 WHEN (OLD.closed_at - OLD.opened_at) < 86400000 THEN ((OLD.closed_at - OLD.opened_at) / 900000) * 15 ELSE ((OLD.closed_at - OLD.opened_at) / 3600000) * 60 END), -1
  WHERE OLD.status = 'resolved' AND OLD.closed_at IS NOT NULL
  ON CONFLICT (workflow_id, week, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases;
END;
--> statement-breakpoint
INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
SELECT c.workflow_id, (c.opened_at / 86400000 + 3) / 7, (CASE WHEN (c.closed_at - c.opened_at) < 3600000 THEN (c.closed_at - c.opened_at) / 60000 WHEN (c.closed_at - c.opened_at) < 86400000 THEN ((c.closed_at - c.opened_at) / 900000) * 15 ELSE ((c.closed_at - c.opened_at) / 3600000) * 60 END), count(*)
FROM cases c WHERE c.status = 'resolved' AND c.closed_at IS NOT NULL GROUP BY 1, 2, 3;
