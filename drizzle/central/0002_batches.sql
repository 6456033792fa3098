CREATE TABLE "batch_approvals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" uuid NOT NULL,
	"operator_id" uuid NOT NULL,
	"content_hash" text NOT NULL,
	"high_value" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"voided_at" timestamp with time zone,
	"void_reason" text
);
--> statement-breakpoint
CREATE TABLE "payout_attempts" (
	"payout_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"provider" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_body" text NOT NULL,
	"state" text DEFAULT 'PREPARED' NOT NULL,
	"sends" integer DEFAULT 0 NOT NULL,
	"provider_payout_id" text,
	"provider_status" text,
	"failure_code" text,
	"last_error" text,
	"lease_token" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payout_attempts_payout_id_attempt_pk" PRIMARY KEY("payout_id","attempt"),
	CONSTRAINT "payout_attempts_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "payout_attempts_state_check" CHECK ("payout_attempts"."state" in ('PREPARED','ACCEPTED','SUCCEEDED','FAILED','REJECTED','CANCELLED','REVERSED'))
);
--> statement-breakpoint
CREATE TABLE "reconciliation_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"period_from" timestamp with time zone NOT NULL,
	"period_to" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"problem" text,
	"operator_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reconciliation_runs_status_check" CHECK ("reconciliation_runs"."status" in ('complete','incomplete'))
);
--> statement-breakpoint
ALTER TABLE "adjustments" DROP CONSTRAINT "adjustments_kind_check";--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "group_id" uuid;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "part" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "parts" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "cutoff" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "request" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "summary" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "required_approvals" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "high_value" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "submitted_by" uuid;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "submitted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "lease_token" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "execution_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD COLUMN "completed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "attempt" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "provider_status" text;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "auto_retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payouts" ADD COLUMN "settled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reconciliation_results" ADD COLUMN "our_status" text;--> statement-breakpoint
ALTER TABLE "reconciliation_results" ADD COLUMN "provider_status" text;--> statement-breakpoint
ALTER TABLE "batch_approvals" ADD CONSTRAINT "batch_approvals_batch_id_payout_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."payout_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch_approvals" ADD CONSTRAINT "batch_approvals_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_attempts" ADD CONSTRAINT "payout_attempts_payout_id_payouts_id_fk" FOREIGN KEY ("payout_id") REFERENCES "public"."payouts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD CONSTRAINT "reconciliation_runs_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "batch_approvals_live_key" ON "batch_approvals" USING btree ("batch_id","operator_id") WHERE "batch_approvals"."voided_at" is null;--> statement-breakpoint
CREATE INDEX "payout_attempts_provider_idx" ON "payout_attempts" USING btree ("provider","provider_payout_id");--> statement-breakpoint
CREATE INDEX "reconciliation_runs_created_idx" ON "reconciliation_runs" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "payout_batches" ADD CONSTRAINT "payout_batches_submitted_by_operators_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payout_batches_group_idx" ON "payout_batches" USING btree ("group_id");--> statement-breakpoint
ALTER TABLE "adjustments" ADD CONSTRAINT "adjustments_kind_check" CHECK ("adjustments"."kind" in ('clawback','recalculation','manual','reversal','rounding'));--> statement-breakpoint
ALTER TABLE "payout_batches" ADD CONSTRAINT "payout_batches_approvals_check" CHECK ("payout_batches"."required_approvals" between 1 and 2);--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_status_check" CHECK ("payouts"."status" in ('PENDING','UNKNOWN','ACCEPTED','SUCCEEDED','FAILED','CANCELLED','REVERSED'));