ALTER TABLE "adjustments" DROP CONSTRAINT "adjustments_kind_check";--> statement-breakpoint
DROP INDEX "payouts_batch_affiliate_key";--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "split_part" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "split_parts" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "payouts_batch_affiliate_part_key" ON "payouts" USING btree ("batch_id","affiliate_id","split_part");--> statement-breakpoint
ALTER TABLE "adjustments" ADD CONSTRAINT "adjustments_kind_check" CHECK ("adjustments"."kind" in ('clawback','recalculation','manual','reversal','rounding','split'));