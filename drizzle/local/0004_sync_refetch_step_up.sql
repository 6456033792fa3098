CREATE TABLE `sync_refetch` (
	`tbl` text NOT NULL,
	`row_key` text NOT NULL,
	PRIMARY KEY(`tbl`, `row_key`)
);
--> statement-breakpoint
ALTER TABLE `local_sessions` ADD `stepped_up_at` integer;