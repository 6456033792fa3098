CREATE TABLE `local_journal` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`command_id` text NOT NULL,
	`name` text NOT NULL,
	`operator_id` text,
	`username` text,
	`decision` text NOT NULL,
	`reason` text
);
--> statement-breakpoint
CREATE TABLE `local_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`operator_id` text NOT NULL,
	`username` text NOT NULL,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE TABLE `local_verifiers` (
	`operator_id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`verifier` text NOT NULL,
	`verified_at` integer NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`locked_until` integer
);
