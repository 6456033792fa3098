ALTER TABLE `payout_batches` ADD `left_out` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `payout_batches` ADD `rejected_by` text;--> statement-breakpoint
ALTER TABLE `payout_batches` ADD `rejected_at` text;--> statement-breakpoint
ALTER TABLE `payout_batches` ADD `rejection_reason` text;