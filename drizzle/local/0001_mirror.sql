CREATE TABLE `batch_approvals` (
	`id` integer PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`operator_id` text NOT NULL,
	`content_hash` text NOT NULL,
	`high_value` integer NOT NULL,
	`created_at` text NOT NULL,
	`voided_at` text,
	`void_reason` text
);
--> statement-breakpoint
CREATE INDEX `batch_approvals_batch_idx` ON `batch_approvals` (`batch_id`);--> statement-breakpoint
CREATE TABLE `operators` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`display_name` text NOT NULL,
	`role` text NOT NULL,
	`status` text NOT NULL,
	`failed_attempts` integer NOT NULL,
	`locked_until` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payout_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`status` text NOT NULL,
	`content_hash` text,
	`fx_rates` text NOT NULL,
	`group_id` text,
	`part` integer NOT NULL,
	`parts` integer NOT NULL,
	`cutoff` text,
	`request` text NOT NULL,
	`summary` text NOT NULL,
	`required_approvals` integer NOT NULL,
	`high_value` integer NOT NULL,
	`created_by` text NOT NULL,
	`submitted_by` text,
	`submitted_at` text,
	`lease_owner` text,
	`lease_token` integer NOT NULL,
	`lease_expires_at` text,
	`execution_started_at` text,
	`completed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payout_batches_status_idx` ON `payout_batches` (`status`);--> statement-breakpoint
CREATE TABLE `payout_items` (
	`id` integer PRIMARY KEY NOT NULL,
	`payout_id` text NOT NULL,
	`commission_id` integer,
	`adjustment_id` text,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`live` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payout_items_payout_idx` ON `payout_items` (`payout_id`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`source_amount_minor` integer NOT NULL,
	`source_currency` text NOT NULL,
	`fx_rate` text,
	`provider` text NOT NULL,
	`channel_code` text NOT NULL,
	`account_number` text NOT NULL,
	`account_holder_name` text NOT NULL,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`provider_payout_id` text,
	`provider_status` text,
	`failure_code` text,
	`auto_retries` integer NOT NULL,
	`next_attempt_at` text,
	`settled_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payouts_batch_idx` ON `payouts` (`batch_id`);--> statement-breakpoint
CREATE INDEX `payouts_affiliate_idx` ON `payouts` (`affiliate_id`);--> statement-breakpoint
CREATE TABLE `reconciliation_results` (
	`id` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`provider` text NOT NULL,
	`payout_id` text,
	`provider_payout_id` text,
	`outcome` text NOT NULL,
	`our_status` text,
	`provider_status` text,
	`our_amount_minor` integer,
	`provider_amount_minor` integer,
	`currency` text,
	`details` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reconciliation_results_run_idx` ON `reconciliation_results` (`run_id`);--> statement-breakpoint
CREATE TABLE `reconciliation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`period_from` text NOT NULL,
	`period_to` text NOT NULL,
	`status` text NOT NULL,
	`counts` text NOT NULL,
	`problem` text,
	`operator_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`name` text PRIMARY KEY NOT NULL,
	`rank` integer NOT NULL,
	`description` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_by` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
-- The foundation's four cache tables had other columns (epoch-millisecond times, text commission
-- ids). The cache is disposable and nothing filled them, so they are dropped and recreated as
-- mirrors of the central tables; the next pull fills them. cache_meta and outbox are untouched.
DROP TABLE `affiliates`;--> statement-breakpoint
DROP TABLE `commission_rules`;--> statement-breakpoint
DROP TABLE `commissions`;--> statement-breakpoint
DROP TABLE `adjustments`;--> statement-breakpoint
CREATE TABLE `affiliates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`country` text NOT NULL,
	`status` text NOT NULL,
	`kyc_status` text NOT NULL,
	`payout_provider` text,
	`payout_channel_code` text,
	`payout_account_number` text,
	`payout_account_holder_name` text,
	`payout_currency` text NOT NULL,
	`destination_changed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `affiliates_status_idx` ON `affiliates` (`status`);--> statement-breakpoint
CREATE TABLE `commission_rules` (
	`version` integer PRIMARY KEY NOT NULL,
	`effective_from` text NOT NULL,
	`body` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `commissions` (
	`id` integer PRIMARY KEY NOT NULL,
	`conversion_id` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`rule_version` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`rate_bps` integer NOT NULL,
	`capped` integer NOT NULL,
	`period` text NOT NULL,
	`occurred_at` text NOT NULL,
	`available_at` text NOT NULL,
	`calculated_at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `commissions_affiliate_idx` ON `commissions` (`affiliate_id`,`status`,`currency`);--> statement-breakpoint
CREATE TABLE `adjustments` (
	`id` text PRIMARY KEY NOT NULL,
	`affiliate_id` text NOT NULL,
	`commission_id` integer,
	`kind` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`reason` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `adjustments_affiliate_idx` ON `adjustments` (`affiliate_id`,`currency`);