-- Fills what 0005 added for alerts stored before it (the store keeps it current from then on).
-- The latest row of each fingerprint: with a lone MAX(), the bare rowid is the row holding the maximum.
UPDATE `alerts` SET `latest` = 1 WHERE rowid IN (SELECT rowid FROM (SELECT rowid, MAX(`starts_at`) FROM `alerts` GROUP BY `group_id`, `fingerprint`));--> statement-breakpoint
UPDATE `alerts` SET `runbook_url` = COALESCE(json_extract(`annotations`, '$.runbook_url'), '');--> statement-breakpoint
UPDATE `alert_groups` SET
  `latest_alerts` = (SELECT COUNT(*) FROM `alerts` WHERE `group_id` = `alert_groups`.`id` AND `latest` = 1),
  `latest_firing` = (SELECT COUNT(*) FROM `alerts` WHERE `group_id` = `alert_groups`.`id` AND `latest` = 1 AND `status` = 'firing');--> statement-breakpoint
INSERT INTO `alert_label_counts` (`group_id`, `name`, `value`, `alerts`)
  SELECT a.`group_id`, l.key, l.value, COUNT(*) FROM `alerts` a, json_each(a.`labels`) l WHERE a.`latest` = 1 GROUP BY a.`group_id`, l.key, l.value;
