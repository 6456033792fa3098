-- Provider events (webhooks and polled statuses) join the synced tables: the same change-log
-- triggers as migration 0004 (the list must match src/core/sync/tables.ts; test/sync-pull.test.ts
-- checks it).
CREATE TRIGGER provider_events_log_insert AFTER INSERT ON provider_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER provider_events_log_update AFTER UPDATE ON provider_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
--> statement-breakpoint
CREATE TRIGGER provider_events_log_delete AFTER DELETE ON provider_events REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_log_changes('id');
