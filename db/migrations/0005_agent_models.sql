CREATE TABLE `agent_models` (
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`model` text NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`workflow_id`, `workflow_version`, `model`)
);
