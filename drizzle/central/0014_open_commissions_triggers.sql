-- open_commissions (the open commissions per affiliate and currency: see schema.ts) kept by the
-- writes that change them, as the report aggregates are (0012): statement-level triggers with
-- transition tables append signed deltas in the same statement as the write.
--
-- A payable or pending commission in no live payout item counts in its status's sum and count; a
-- pending one in its hold period also counts as held (whatever its items: as the preview counts).
-- Each statement changes either commissions or payout_items, never both, so its delta is the facts
-- of the table it changed evaluated with the other as it is: a commission's new state minus its old
-- one under today's items; an item's commission under the item's new liveness minus its old one
-- (at most one live item per commission: a unique index).
CREATE FUNCTION treasury_open_facts(rel text, sign int) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT format($q$
    SELECT r.affiliate_id, trim(r.currency) AS currency,
           coalesce(sum(r.amount_minor) FILTER (WHERE r.status = 'payable' AND r.unlinked), 0) * %2$s AS payable,
           count(*) FILTER (WHERE r.status = 'payable' AND r.unlinked) * %2$s AS payable_count,
           coalesce(sum(r.amount_minor) FILTER (WHERE r.status = 'pending' AND r.unlinked), 0) * %2$s AS pending,
           count(*) FILTER (WHERE r.status = 'pending' AND r.unlinked) * %2$s AS pending_count,
           count(*) FILTER (WHERE r.status = 'pending' AND r.reason = 'hold_period') * %2$s AS held_count,
           CASE WHEN %2$s > 0 THEN max(r.available_at) FILTER (WHERE r.status = 'payable' AND r.unlinked) END AS available_until
    FROM (SELECT r.affiliate_id, r.currency, r.amount_minor, r.status, r.reason, r.available_at,
                 NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = r.id AND l.live) AS unlinked
          FROM %1$s r WHERE r.status IN ('payable', 'pending')) r
    GROUP BY 1, 2$q$, rel, sign)
$fn$;
--> statement-breakpoint
-- Payable and pending commissions of live items in `rel` (payout_items rows): leaving the open sums
-- when an item becomes live (sign -1), coming back when it stops being live (sign +1).
CREATE FUNCTION treasury_open_linked(rel text, sign int) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT format($q$
    SELECT m.affiliate_id, trim(m.currency) AS currency,
           coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'payable'), 0) * %2$s AS payable,
           count(*) FILTER (WHERE m.status = 'payable') * %2$s AS payable_count,
           coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'pending'), 0) * %2$s AS pending,
           count(*) FILTER (WHERE m.status = 'pending') * %2$s AS pending_count,
           0::bigint AS held_count,
           CASE WHEN %2$s > 0 THEN max(m.available_at) FILTER (WHERE m.status = 'payable') END AS available_until
    FROM %1$s l JOIN commissions m ON m.id = l.commission_id
    WHERE l.live AND m.status IN ('payable', 'pending')
    GROUP BY 1, 2$q$, rel, sign)
$fn$;
--> statement-breakpoint
-- A delta that nets to nothing is not written, unless it carries a bound (a commission whose hold
-- now ends later than the key's bound said, with the same amount).
CREATE FUNCTION treasury_open_insert(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT 'INSERT INTO open_commissions (affiliate_id, currency, payable_minor, payable_count, pending_minor, pending_count, held_count, available_until) '
      || 'SELECT affiliate_id, currency, sum(payable), sum(payable_count), sum(pending), sum(pending_count), sum(held_count), max(available_until) FROM ('
      || array_to_string(parts, ' UNION ALL ') || ') d GROUP BY 1, 2'
      || ' HAVING sum(payable) <> 0 OR sum(payable_count) <> 0 OR sum(pending) <> 0 OR sum(pending_count) <> 0 OR sum(held_count) <> 0'
      || ' OR max(available_until) IS NOT NULL'
$fn$;
--> statement-breakpoint
CREATE FUNCTION treasury_open_commissions() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  parts text[] := '{}';
BEGIN
  IF TG_OP <> 'DELETE' THEN parts := parts || treasury_open_facts('new_rows', 1); END IF;
  IF TG_OP <> 'INSERT' THEN parts := parts || treasury_open_facts('old_rows', -1); END IF;
  EXECUTE treasury_open_insert(parts);
  RETURN NULL;
END $fn$;
--> statement-breakpoint
CREATE FUNCTION treasury_open_items() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  parts text[] := '{}';
BEGIN
  IF TG_OP <> 'DELETE' THEN parts := parts || treasury_open_linked('new_rows', -1); END IF;
  IF TG_OP <> 'INSERT' THEN parts := parts || treasury_open_linked('old_rows', 1); END IF;
  EXECUTE treasury_open_insert(parts);
  RETURN NULL;
END $fn$;
--> statement-breakpoint
CREATE TRIGGER commissions_open_insert AFTER INSERT ON commissions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_open_commissions();
--> statement-breakpoint
CREATE TRIGGER commissions_open_update AFTER UPDATE ON commissions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_open_commissions();
--> statement-breakpoint
CREATE TRIGGER commissions_open_delete AFTER DELETE ON commissions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_open_commissions();
--> statement-breakpoint
CREATE TRIGGER payout_items_open_insert AFTER INSERT ON payout_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_open_items();
--> statement-breakpoint
CREATE TRIGGER payout_items_open_update AFTER UPDATE ON payout_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_open_items();
--> statement-breakpoint
CREATE TRIGGER payout_items_open_delete AFTER DELETE ON payout_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_open_items();
--> statement-breakpoint
-- What is already there, once.
DO $do$ BEGIN
  EXECUTE treasury_open_insert(ARRAY[treasury_open_facts('commissions', 1)]);
END $do$;
