CREATE TABLE "sandbox_payouts" (
	"provider_id" text PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"reference" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"status" text NOT NULL,
	"failure_code" text,
	"settles_as" text,
	"created_ms" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "sandbox_payouts_key" ON "sandbox_payouts" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "sandbox_payouts_reference" ON "sandbox_payouts" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "sandbox_payouts_created" ON "sandbox_payouts" USING btree ("created_ms");