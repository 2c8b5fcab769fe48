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
CREATE INDEX `publications_live_idx` ON `publications` (`live`,`published_at`);