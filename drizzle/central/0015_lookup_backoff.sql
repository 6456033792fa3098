ALTER TABLE "payout_attempts" ADD COLUMN "lookups" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_attempts" ADD COLUMN "next_lookup_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "payout_attempts_open_idx" ON "payout_attempts" USING btree ("payout_id") WHERE "payout_attempts"."state" in ('PREPARED','ACCEPTED');