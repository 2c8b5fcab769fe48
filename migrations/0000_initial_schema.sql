CREATE TABLE `incidents` (
	`number` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`severity` text NOT NULL,
	`phase` text NOT NULL,
	`is_private` integer NOT NULL,
	`platform` text NOT NULL,
	`declared_at` integer NOT NULL,
	`declared_by` text NOT NULL,
	`cadence_seconds` integer,
	`next_update_due` integer,
	`reminder_at` integer,
	`reminder_stage` text,
	`last_update_text` text,
	`last_update_at` integer,
	`last_update_by` text,
	`channel_id` text,
	`channel_name` text,
	`card_message_id` text,
	`room_attempt_at` integer,
	`mitigated_at` integer,
	`resolved_at` integer,
	`closed_at` integer
);
--> statement-breakpoint
CREATE INDEX `incidents_reminder_at_idx` ON `incidents` (`reminder_at`);--> statement-breakpoint
CREATE INDEX `incidents_phase_idx` ON `incidents` (`phase`);--> statement-breakpoint
CREATE INDEX `incidents_room_idx` ON `incidents` (`platform`,`channel_id`);--> statement-breakpoint
CREATE TABLE `reminders_sent` (
	`incident_number` integer NOT NULL,
	`due_at` integer NOT NULL,
	`stage` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`incident_number`, `due_at`, `stage`),
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `role_assignments` (
	`incident_number` integer NOT NULL,
	`role` text NOT NULL,
	`user_id` text NOT NULL,
	`assigned_at` integer NOT NULL,
	PRIMARY KEY(`incident_number`, `role`),
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `timeline_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_number` integer NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`kind` text NOT NULL,
	`text` text NOT NULL,
	`data` text NOT NULL,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `timeline_events_incident_idx` ON `timeline_events` (`incident_number`,`id`);