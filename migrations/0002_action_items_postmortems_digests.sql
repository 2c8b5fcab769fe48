CREATE TABLE `action_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_number` integer NOT NULL,
	`text` text NOT NULL,
	`owner` text,
	`due` text,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`done_at` integer,
	`done_by` text,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `action_items_incident_idx` ON `action_items` (`incident_number`);--> statement-breakpoint
CREATE INDEX `action_items_state_idx` ON `action_items` (`state`);--> statement-breakpoint
CREATE TABLE `digests_sent` (
	`slot` integer PRIMARY KEY NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `postmortems` (
	`incident_number` integer PRIMARY KEY NOT NULL,
	`markdown` text NOT NULL,
	`generated_at` integer NOT NULL,
	FOREIGN KEY (`incident_number`) REFERENCES `incidents`(`number`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `incidents_declared_at_idx` ON `incidents` (`declared_at`);