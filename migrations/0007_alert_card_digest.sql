CREATE TABLE `alert_label_counts` (
	`group_id` integer NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`alerts` integer NOT NULL,
	PRIMARY KEY(`group_id`, `name`, `value`),
	FOREIGN KEY (`group_id`) REFERENCES `alert_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `alert_groups` ADD `latest_alerts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `alert_groups` ADD `latest_firing` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `runbook_url` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `latest` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `alerts_latest_idx` ON `alerts` (`group_id`,`status`,`starts_at`,`fingerprint`) WHERE "alerts"."latest" = 1;--> statement-breakpoint
CREATE INDEX `alerts_latest_generator_idx` ON `alerts` (`group_id`,`starts_at`,`fingerprint`) WHERE "alerts"."latest" = 1 AND "alerts"."generator_url" != '';--> statement-breakpoint
CREATE INDEX `alerts_latest_runbook_idx` ON `alerts` (`group_id`,`starts_at`,`fingerprint`) WHERE "alerts"."latest" = 1 AND "alerts"."runbook_url" != '';