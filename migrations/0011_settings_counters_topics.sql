CREATE TABLE `change_counters` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `channel_topics` (
	`platform` text NOT NULL,
	`channel_id` text NOT NULL,
	`topic_hash` text NOT NULL,
	PRIMARY KEY(`platform`, `channel_id`)
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
