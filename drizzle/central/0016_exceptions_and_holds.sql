ALTER TABLE "affiliates" ADD COLUMN "payout_hold_reason" text;--> statement-breakpoint
ALTER TABLE "affiliates" ADD COLUMN "payout_hold_by" uuid;--> statement-breakpoint
ALTER TABLE "affiliates" ADD COLUMN "payout_hold_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "exception_cleared_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "exception_cleared_by" uuid;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "exception_note" text;