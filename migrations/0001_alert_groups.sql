CREATE TABLE `alert_cards` (
	`group_id` integer NOT NULL,
	`platform` text NOT NULL,
	`channel` text,
	`message_id` text,
	`version` integer NOT NULL,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `platform`),
	FOREIGN KEY (`group_id`) REFERENCES `alert_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `alert_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_key` text NOT NULL,
	`receiver` text NOT NULL,
	`group_labels` text NOT NULL,
	`common_labels` text NOT NULL,
	`common_annotations` text NOT NULL,
	`external_url` text NOT NULL,
	`truncated_alerts` integer NOT NULL,
	`first_firing_at` integer,
	`last_delivery_key` text NOT NULL,
	`last_delivery_at` integer NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`firing_count` integer NOT NULL,
	`acknowledged_by` text,
	`acknowledged_at` integer,
	`not_actionable_by` text,
	`not_actionable_at` integer,
	`incident_number` integer,
	`silence_id` text,
	`silence_until` integer,
	`silenced_by` text,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_groups_group_key_unique` ON `alert_groups` (`group_key`);--> statement-breakpoint
CREATE INDEX `alert_groups_incident_idx` ON `alert_groups` (`incident_number`);--> statement-breakpoint
CREATE INDEX `alert_groups_updated_at_idx` ON `alert_groups` (`updated_at`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`group_id` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`starts_at` integer NOT NULL,
	`status` text NOT NULL,
	`ends_at` integer,
	`labels` text NOT NULL,
	`annotations` text NOT NULL,
	`generator_url` text NOT NULL,
	PRIMARY KEY(`group_id`, `fingerprint`, `starts_at`),
	FOREIGN KEY (`group_id`) REFERENCES `alert_groups`(`id`) ON UPDATE no action ON DELETE no action
);
