-- Customer satisfaction (issue 21): the survey a workflow version declares, asked after its case resolved. The case
-- row's survey facts (null: never asked) and satisfaction_rollups kept by their own triggers, as value_rollups are
-- (0023): each change of a surveyed row takes its old figures out and puts its new ones in, in the same transaction.
CREATE TABLE `satisfaction_rollups` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`day` integer NOT NULL,
	`asked` integer DEFAULT 0 NOT NULL,
	`answered` integer DEFAULT 0 NOT NULL,
	`score_sum` integer DEFAULT 0 NOT NULL,
	`unreadable` integer DEFAULT 0 NOT NULL,
	`unanswered` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `day`)
);
--> statement-breakpoint
ALTER TABLE `cases` ADD `satisfaction_asked` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `satisfaction_reply` text;--> statement-breakpoint
ALTER TABLE `cases` ADD `satisfaction_score` integer;
--> statement-breakpoint
CREATE TRIGGER `cases_satisfaction_rollup_insert` AFTER INSERT ON `cases` BEGIN
  INSERT INTO satisfaction_rollups (workflow_id, workflow_version, day, asked, answered, score_sum, unreadable, unanswered)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, 1, (NEW.satisfaction_reply IS 'answered'), coalesce(NEW.satisfaction_score, 0), (NEW.satisfaction_reply IS 'unreadable'), (NEW.satisfaction_reply IS 'unanswered')
  WHERE NEW.satisfaction_asked IS NOT NULL AND NEW.satisfaction_asked <> 0
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET asked = asked + excluded.asked, answered = answered + excluded.answered, score_sum = score_sum + excluded.score_sum, unreadable = unreadable + excluded.unreadable, unanswered = unanswered + excluded.unanswered;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_satisfaction_rollup_update` AFTER UPDATE ON `cases`
WHEN OLD.satisfaction_asked IS NOT NEW.satisfaction_asked OR
  OLD.satisfaction_reply IS NOT NEW.satisfaction_reply OR
  OLD.satisfaction_score IS NOT NEW.satisfaction_score OR
  OLD.opened_at IS NOT NEW.opened_at OR
  OLD.workflow_id IS NOT NEW.workflow_id OR
  OLD.workflow_version IS NOT NEW.workflow_version
BEGIN
  INSERT INTO satisfaction_rollups (workflow_id, workflow_version, day, asked, answered, score_sum, unreadable, unanswered)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, -1, -(OLD.satisfaction_reply IS 'answered'), -coalesce(OLD.satisfaction_score, 0), -(OLD.satisfaction_reply IS 'unreadable'), -(OLD.satisfaction_reply IS 'unanswered')
  WHERE OLD.satisfaction_asked IS NOT NULL AND OLD.satisfaction_asked <> 0
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET asked = asked + excluded.asked, answered = answered + excluded.answered, score_sum = score_sum + excluded.score_sum, unreadable = unreadable + excluded.unreadable, unanswered = unanswered + excluded.unanswered;
  INSERT INTO satisfaction_rollups (workflow_id, workflow_version, day, asked, answered, score_sum, unreadable, unanswered)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, 1, (NEW.satisfaction_reply IS 'answered'), coalesce(NEW.satisfaction_score, 0), (NEW.satisfaction_reply IS 'unreadable'), (NEW.satisfaction_reply IS 'unanswered')
  WHERE NEW.satisfaction_asked IS NOT NULL AND NEW.satisfaction_asked <> 0
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET asked = asked + excluded.asked, answered = answered + excluded.answered, score_sum = score_sum + excluded.score_sum, unreadable = unreadable + excluded.unreadable, unanswered = unanswered + excluded.unanswered;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_satisfaction_rollup_delete` AFTER DELETE ON `cases` BEGIN
  INSERT INTO satisfaction_rollups (workflow_id, workflow_version, day, asked, answered, score_sum, unreadable, unanswered)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, -1, -(OLD.satisfaction_reply IS 'answered'), -coalesce(OLD.satisfaction_score, 0), -(OLD.satisfaction_reply IS 'unreadable'), -(OLD.satisfaction_reply IS 'unanswered')
  WHERE OLD.satisfaction_asked IS NOT NULL AND OLD.satisfaction_asked <> 0
  ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET asked = asked + excluded.asked, answered = answered + excluded.answered, score_sum = score_sum + excluded.score_sum, unreadable = unreadable + excluded.unreadable, unanswered = unanswered + excluded.unanswered;
END;
