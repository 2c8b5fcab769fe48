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
ALTER TABLE `incidents` ADD `type` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `is_drill` integer DEFAULT false NOT NULL;