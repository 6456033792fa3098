-- IP allowlists join the synced tables (offline sign-in and offline calls are held to them): the
-- change-log triggers of migration 0004 (the list must match src/core/sync/tables.ts).
CREATE TRIGGER ip_allowlist_log_insert AFTER INSERT ON ip_allowlist REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER ip_allowlist_log_update AFTER UPDATE ON ip_allowlist REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER ip_allowlist_log_delete AFTER DELETE ON ip_allowlist REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
