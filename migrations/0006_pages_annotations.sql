CREATE TABLE `dashboard_annotations` (
	`incident_number` integer PRIMARY KEY NOT NULL,
	`annotation_id` text,
	`queued_state` text NOT NULL,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `pages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_number` integer NOT NULL,
	`team` text NOT NULL,
	`message` text NOT NULL,
	`severity` text NOT NULL,
	`paged_at` integer NOT NULL,
	`paged_by` text NOT NULL,
	`refreshed_at` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pages_incident_idx` ON `pages` (`incident_number`);--> statement-breakpoint
CREATE INDEX `pages_firing_idx` ON `pages` (`resolved_at`);