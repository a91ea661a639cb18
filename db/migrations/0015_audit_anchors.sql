CREATE TABLE `audit_anchors` (
	`case_id` text NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`anchored_at` integer NOT NULL,
	PRIMARY KEY(`case_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `audit_anchors_anchored_at_idx` ON `audit_anchors` (`anchored_at`);--> statement-breakpoint
CREATE TABLE `audit_manifests` (
	`day` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL,
	`sha256` text NOT NULL,
	`signature` text NOT NULL,
	`public_key` text NOT NULL,
	`cases` integer NOT NULL,
	`created_at` integer NOT NULL
);
