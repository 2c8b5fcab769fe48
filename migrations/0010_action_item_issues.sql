ALTER TABLE `action_items` ADD `issue_number` integer;--> statement-breakpoint
ALTER TABLE `action_items` ADD `issue_url` text;