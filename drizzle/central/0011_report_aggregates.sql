CREATE TABLE "report_affiliates" (
	"affiliate_id" text NOT NULL,
	"currency" text NOT NULL,
	"entries" numeric(38, 0) NOT NULL,
	"conversions" numeric(38, 0) NOT NULL,
	"revenue_minor" numeric(38, 0) NOT NULL,
	"commissions_minor" numeric(38, 0) NOT NULL,
	"paid_minor" numeric(38, 0) NOT NULL,
	"pending_minor" numeric(38, 0) NOT NULL,
	"payable_minor" numeric(38, 0) NOT NULL,
	"clawed_minor" numeric(38, 0) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_days" (
	"day" date NOT NULL,
	"currency" text NOT NULL,
	"provider" text NOT NULL,
	"fact" text NOT NULL,
	"status" text NOT NULL,
	"n" numeric(38, 0) NOT NULL,
	"amount_minor" numeric(38, 0) NOT NULL
);
--> statement-breakpoint
CREATE INDEX "report_affiliates_key_idx" ON "report_affiliates" USING btree ("affiliate_id","currency");--> statement-breakpoint
CREATE INDEX "report_days_fact_day_idx" ON "report_days" USING btree ("fact","day");