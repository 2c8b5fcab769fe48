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
