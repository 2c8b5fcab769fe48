CREATE TABLE `dialog_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`used_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
