CREATE TABLE `checklist_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_number` integer NOT NULL,
	`position` integer NOT NULL,
	`text` text NOT NULL,
	`required` integer NOT NULL,
	`source` text NOT NULL,
	`checked_at` integer,
	`checked_by` text,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checklist_items_position_idx` ON `checklist_items` (`incident_number`,`position`);--> statement-breakpoint
CREATE TABLE `dialog_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`used_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `health_heartbeat` (
	`id` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`lane` text NOT NULL,
	`target` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`coalesce_key` text,
	`version` integer NOT NULL,
	`incident_number` integer,
	`actor` text,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer NOT NULL,
	`done_at` integer,
	`message_id` text,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`state`,`platform`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_target_idx` ON `outbox` (`platform`,`target`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_coalesce_idx` ON `outbox` (`coalesce_key`,`state`);--> statement-breakpoint
CREATE INDEX `outbox_incident_idx` ON `outbox` (`incident_number`,`state`);--> statement-breakpoint
CREATE TABLE `postmortem_sections` (
	`incident_number` integer PRIMARY KEY NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`impact` text DEFAULT '' NOT NULL,
	`contributing_factors` text DEFAULT '' NOT NULL,
	`went_well` text DEFAULT '' NOT NULL,
	`went_wrong` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `public_updates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_number` integer NOT NULL,
	`text` text NOT NULL,
	`at` integer NOT NULL,
	`by` text NOT NULL,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `public_updates_incident_idx` ON `public_updates` (`incident_number`,`id`);--> statement-breakpoint
CREATE TABLE `publications` (
	`incident_number` integer PRIMARY KEY NOT NULL,
	`public_id` text NOT NULL,
	`title` text NOT NULL,
	`impact` text,
	`components` text NOT NULL,
	`published_at` integer NOT NULL,
	`published_by` text NOT NULL,
	`live` integer NOT NULL,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `publications_public_id_unique` ON `publications` (`public_id`);--> statement-breakpoint
CREATE INDEX `publications_live_idx` ON `publications` (`live`,`published_at`);--> statement-breakpoint
CREATE TABLE `web_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`viewer` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `web_sessions_last_seen_idx` ON `web_sessions` (`last_seen_at`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `type` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `is_drill` integer DEFAULT false NOT NULL;