-- Which cases are parked on a person's task (an escalation or an approval), so the inbox reads those and not every
-- case waiting for a customer. Case rows written before this carry no such fact: every parked one is marked until it
-- reports again (the inbox checks each marked case's own wait through the case API, so a customer wait is skipped).
ALTER TABLE `cases` ADD `awaiting_person` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `cases` SET `awaiting_person` = 1 WHERE `status` IN ('escalated', 'waiting');--> statement-breakpoint
CREATE INDEX `cases_awaiting_person_idx` ON `cases` (`updated_at`) WHERE "cases"."awaiting_person" = 1;
