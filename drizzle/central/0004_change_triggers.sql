-- The change log's writers: ONE generic function and, on every synced table, three STATEMENT-level
-- AFTER triggers with transition tables (Postgres allows transition tables only on single-event
-- triggers). Each statement appends one change_log row per changed row with one INSERT … SELECT
-- from its transition table: set-based, so calc's bulk writes stay bulk (a row-level trigger would
-- run once per row). The trigger argument is the table's key column; row_key is its text form.
--
--   INSERT → 'U' for each new row
--   UPDATE → 'U' for each new row, and 'D' for an old key no new row has (a key that was changed)
--   DELETE → 'D' for each old row
--
-- xid defaults to pg_current_xact_id(), the top-level transaction's id (also inside savepoints).
-- The list of tables must match src/core/sync/tables.ts (test/sync-pull.test.ts checks it).
-- TRUNCATE is not logged (no transition table): synced tables are never truncated.
CREATE FUNCTION treasury_log_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text := format('%I::text', TG_ARGV[0]);
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO change_log (tbl, row_key, op) SELECT %L, %s, ''U'' FROM new_rows', TG_TABLE_NAME, k);
  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE format('INSERT INTO change_log (tbl, row_key, op) SELECT %L, %s, ''U'' FROM new_rows', TG_TABLE_NAME, k);
    EXECUTE format(
      'INSERT INTO change_log (tbl, row_key, op) SELECT %1$L, o.%2$I::text, ''D'' FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.%2$I = o.%2$I)',
      TG_TABLE_NAME, TG_ARGV[0]);
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('INSERT INTO change_log (tbl, row_key, op) SELECT %L, %s, ''D'' FROM old_rows', TG_TABLE_NAME, k);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Commissions are logged per AFFILIATE (op 'A', row_key = affiliate id), not per row: calc writes
-- them a million at a time and a million log rows made it half again slower; its statements touch
-- whole affiliates anyway (10,000 log rows for 1,000,000 commissions). The pull re-reads all the
-- commissions of a logged affiliate. A commission never moves to another affiliate.
CREATE FUNCTION treasury_log_commission_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO change_log (tbl, row_key, op) SELECT DISTINCT 'commissions', affiliate_id, 'A' FROM old_rows;
  ELSE
    INSERT INTO change_log (tbl, row_key, op) SELECT DISTINCT 'commissions', affiliate_id, 'A' FROM new_rows;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER affiliates_log_insert AFTER INSERT ON affiliates REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER affiliates_log_update AFTER UPDATE ON affiliates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER affiliates_log_delete AFTER DELETE ON affiliates REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER commissions_log_insert AFTER INSERT ON commissions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_commission_changes();
--> statement-breakpoint
CREATE TRIGGER commissions_log_update AFTER UPDATE ON commissions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_commission_changes();
--> statement-breakpoint
CREATE TRIGGER commissions_log_delete AFTER DELETE ON commissions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_commission_changes();
--> statement-breakpoint
CREATE TRIGGER adjustments_log_insert AFTER INSERT ON adjustments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER adjustments_log_update AFTER UPDATE ON adjustments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER adjustments_log_delete AFTER DELETE ON adjustments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER commission_rules_log_insert AFTER INSERT ON commission_rules REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('version');
--> statement-breakpoint
CREATE TRIGGER commission_rules_log_update AFTER UPDATE ON commission_rules REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('version');
--> statement-breakpoint
CREATE TRIGGER commission_rules_log_delete AFTER DELETE ON commission_rules REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('version');
--> statement-breakpoint
CREATE TRIGGER payout_batches_log_insert AFTER INSERT ON payout_batches REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payout_batches_log_update AFTER UPDATE ON payout_batches REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payout_batches_log_delete AFTER DELETE ON payout_batches REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payouts_log_insert AFTER INSERT ON payouts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payouts_log_update AFTER UPDATE ON payouts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payouts_log_delete AFTER DELETE ON payouts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payout_items_log_insert AFTER INSERT ON payout_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payout_items_log_update AFTER UPDATE ON payout_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER payout_items_log_delete AFTER DELETE ON payout_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER batch_approvals_log_insert AFTER INSERT ON batch_approvals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER batch_approvals_log_update AFTER UPDATE ON batch_approvals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER batch_approvals_log_delete AFTER DELETE ON batch_approvals REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER operators_log_insert AFTER INSERT ON operators REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER operators_log_update AFTER UPDATE ON operators REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER operators_log_delete AFTER DELETE ON operators REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER roles_log_insert AFTER INSERT ON roles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('name');
--> statement-breakpoint
CREATE TRIGGER roles_log_update AFTER UPDATE ON roles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('name');
--> statement-breakpoint
CREATE TRIGGER roles_log_delete AFTER DELETE ON roles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('name');
--> statement-breakpoint
CREATE TRIGGER settings_log_insert AFTER INSERT ON settings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('key');
--> statement-breakpoint
CREATE TRIGGER settings_log_update AFTER UPDATE ON settings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('key');
--> statement-breakpoint
CREATE TRIGGER settings_log_delete AFTER DELETE ON settings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('key');
--> statement-breakpoint
CREATE TRIGGER reconciliation_runs_log_insert AFTER INSERT ON reconciliation_runs REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER reconciliation_runs_log_update AFTER UPDATE ON reconciliation_runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER reconciliation_runs_log_delete AFTER DELETE ON reconciliation_runs REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER reconciliation_results_log_insert AFTER INSERT ON reconciliation_results REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER reconciliation_results_log_update AFTER UPDATE ON reconciliation_results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER reconciliation_results_log_delete AFTER DELETE ON reconciliation_results REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
