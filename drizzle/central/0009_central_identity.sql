-- The central store's identity: a random id that a restore from a backup replaces
-- (src/core/backup/restore.ts). A cache remembers the identity it pulled from; when it changes
-- (a restore, or a different database), the cache is filled again from scratch instead of
-- continuing from a cursor that means nothing in the restored store (src/core/sync/pull.ts).
INSERT INTO settings (key, value) VALUES ('central.identity', jsonb_build_object('id', gen_random_uuid()::text)) ON CONFLICT (key) DO NOTHING;
