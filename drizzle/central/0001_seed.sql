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
