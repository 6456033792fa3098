ALTER TABLE "payout_batches" ADD COLUMN "left_out" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "rejected_by" uuid;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "rejected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "rejection_reason" text;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD CONSTRAINT "payout_batches_rejected_by_operators_id_fk" FOREIGN KEY ("rejected_by") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;