ALTER TABLE `affiliates` ADD `payout_hold_reason` text;--> statement-breakpoint
ALTER TABLE `affiliates` ADD `payout_hold_by` text;--> statement-breakpoint
ALTER TABLE `affiliates` ADD `payout_hold_at` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `exception_cleared_at` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `exception_cleared_by` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `exception_note` text;