ALTER TABLE `payouts` ADD `split_part` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `payouts` ADD `split_parts` integer DEFAULT 1 NOT NULL;