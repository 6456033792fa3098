CREATE INDEX `payout_items_commission_idx` ON `payout_items` (`commission_id`);--> statement-breakpoint
CREATE INDEX `payout_items_adjustment_idx` ON `payout_items` (`adjustment_id`);