CREATE TABLE "open_commissions" (
	"affiliate_id" text NOT NULL,
	"currency" text NOT NULL,
	"payable_minor" numeric(38, 0) NOT NULL,
	"payable_count" numeric(38, 0) NOT NULL,
	"pending_minor" numeric(38, 0) NOT NULL,
	"pending_count" numeric(38, 0) NOT NULL,
	"held_count" numeric(38, 0) NOT NULL,
	"available_until" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "open_commissions_key_idx" ON "open_commissions" USING btree ("affiliate_id","currency");