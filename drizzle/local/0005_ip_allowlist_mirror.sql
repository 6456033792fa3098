CREATE TABLE `ip_allowlist` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text,
	`operator_id` text,
	`cidr` text NOT NULL,
	`note` text,
	`created_by` text,
	`created_at` text NOT NULL
);
