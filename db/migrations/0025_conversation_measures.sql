-- The conversation measures (issue 20): what became of the messages customers wrote while their case waited, per
-- workflow, version and the customer's language. The case row's counts (null from case objects that reported before
-- they existed) and conversation_rollups kept by their own triggers, as value_rollups are (0023): each change of a
-- row whose customer asked something takes its old figures out and puts its new ones in, in the same transaction.
CREATE TABLE `conversation_rollups` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`day` integer NOT NULL,
	`language` text NOT NULL,
	`cases` integer DEFAULT 0 NOT NULL,
	`answered` integer DEFAULT 0 NOT NULL,
	`withheld` integer DEFAULT 0 NOT NULL,
	`escalated` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `day`, `language`)
);
--> statement-breakpoint
ALTER TABLE `cases` ADD `questions_answered` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `answers_withheld` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `questions_escalated` integer;--> statement-breakpoint
ALTER TABLE `cases` ADD `conversation_language` text;
--> statement-breakpoint
CREATE TRIGGER `cases_conversation_rollup_insert` AFTER INSERT ON `cases` BEGIN
  INSERT INTO conversation_rollups (workflow_id, workflow_version, day, language, cases, answered, withheld, escalated)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, NEW.conversation_language, 1, coalesce(NEW.questions_answered, 0), coalesce(NEW.answers_withheld, 0), coalesce(NEW.questions_escalated, 0)
  WHERE NEW.conversation_language IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, language) DO UPDATE SET cases = cases + excluded.cases, answered = answered + excluded.answered, withheld = withheld + excluded.withheld, escalated = escalated + excluded.escalated;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_conversation_rollup_update` AFTER UPDATE ON `cases`
WHEN OLD.conversation_language IS NOT NEW.conversation_language OR
  OLD.questions_answered IS NOT NEW.questions_answered OR
  OLD.answers_withheld IS NOT NEW.answers_withheld OR
  OLD.questions_escalated IS NOT NEW.questions_escalated OR
  OLD.opened_at IS NOT NEW.opened_at OR
  OLD.workflow_id IS NOT NEW.workflow_id OR
  OLD.workflow_version IS NOT NEW.workflow_version
BEGIN
  INSERT INTO conversation_rollups (workflow_id, workflow_version, day, language, cases, answered, withheld, escalated)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, OLD.conversation_language, -1, -coalesce(OLD.questions_answered, 0), -coalesce(OLD.answers_withheld, 0), -coalesce(OLD.questions_escalated, 0)
  WHERE OLD.conversation_language IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, language) DO UPDATE SET cases = cases + excluded.cases, answered = answered + excluded.answered, withheld = withheld + excluded.withheld, escalated = escalated + excluded.escalated;
  INSERT INTO conversation_rollups (workflow_id, workflow_version, day, language, cases, answered, withheld, escalated)
  SELECT NEW.workflow_id, NEW.workflow_version, NEW.opened_at / 86400000, NEW.conversation_language, 1, coalesce(NEW.questions_answered, 0), coalesce(NEW.answers_withheld, 0), coalesce(NEW.questions_escalated, 0)
  WHERE NEW.conversation_language IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, language) DO UPDATE SET cases = cases + excluded.cases, answered = answered + excluded.answered, withheld = withheld + excluded.withheld, escalated = escalated + excluded.escalated;
END;
--> statement-breakpoint
CREATE TRIGGER `cases_conversation_rollup_delete` AFTER DELETE ON `cases` BEGIN
  INSERT INTO conversation_rollups (workflow_id, workflow_version, day, language, cases, answered, withheld, escalated)
  SELECT OLD.workflow_id, OLD.workflow_version, OLD.opened_at / 86400000, OLD.conversation_language, -1, -coalesce(OLD.questions_answered, 0), -coalesce(OLD.answers_withheld, 0), -coalesce(OLD.questions_escalated, 0)
  WHERE OLD.conversation_language IS NOT NULL
  ON CONFLICT (workflow_id, workflow_version, day, language) DO UPDATE SET cases = cases + excluded.cases, answered = answered + excluded.answered, withheld = withheld + excluded.withheld, escalated = escalated + excluded.escalated;
END;
