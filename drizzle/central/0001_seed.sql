-- The six hierarchical roles (a higher rank holds every right of the lower ranks) and the audit
-- chain's head row. The genesis hash is 64 zeros: the first entry's prev_hash.
INSERT INTO "roles" ("name", "rank", "description") VALUES
  ('viewer', 1, 'Reads payables, batches and reports'),
  ('operator', 2, 'Prepares: calculates commissions and builds batches'),
  ('processor', 3, 'Submits batches and retries failed payouts'),
  ('manager', 4, 'Approves batches, including high-value ones'),
  ('admin', 5, 'Executes batches, reconciles, manages operators and settings'),
  ('super_admin', 6, 'Everything, including provider credentials and role administration')
ON CONFLICT ("name") DO NOTHING;
--> statement-breakpoint
INSERT INTO "audit_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64)) ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
-- Conversions are never deleted (a refund or fraud is a status): commissions rely on their
-- conversion existing, and the audit trail must be able to explain every commission.
CREATE FUNCTION treasury_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are never changed or deleted this way (%)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER conversions_no_delete BEFORE DELETE ON conversions FOR EACH STATEMENT EXECUTE FUNCTION treasury_refuse_delete();
--> statement-breakpoint
CREATE TRIGGER conversions_no_truncate BEFORE TRUNCATE ON conversions FOR EACH STATEMENT EXECUTE FUNCTION treasury_refuse_delete();
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION treasury_refuse_delete();
