ALTER TABLE `cases` ADD `handed_to_person` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `cases` ADD `sla_breaches` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_rollups` ADD `handed_to_person` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_rollups` ADD `sla_breached` integer DEFAULT 0 NOT NULL;