-- The report aggregates' writers (tables from 0011; readers in src/core/reports/aggregates.ts).
--
-- Every write that changes what a report sums — calc (commissions), adjustments, batch creation,
-- execution and status updates (payouts, payout_attempts), conversions imported or refunded, an
-- affiliate's new payout provider — appends signed DELTAS in the same statement: STATEMENT-level AFTER triggers with
-- transition tables (as the change log's, migration 0004), so a calc of a million rows stays one
-- set-based INSERT … SELECT per statement. A delta is "the facts of the new rows minus the facts of
-- the old rows", grouped per key; keys whose delta is zero are not written. Deltas are appended,
-- never updated in place, so two writers never wait on one hot row (a long calc beside execution);
-- compactReportAggregates folds them (src/core/reports/aggregates.ts).
--
-- ONE definition of each source's facts (treasury_report_*_facts, returning SQL over a relation
-- name) serves the triggers (over new_rows / old_rows), the backfill below and the test that
-- recomputes the aggregates from scratch (over the tables themselves).
--
-- Facts of report_days, per UTC day of the instant named, currency, provider and status:
--   commissions (provider: the affiliate's payout provider)
--     accrued           when earned (occurred_at)        count, stored amount; status '+' when the
--                       amount is > 0 (a journal accrual entry), '0' when it is 0 (no entry)
--   adjustments (provider: the affiliate's; status: '+' when amount > 0, else '-'; not the 'rev:' reversal bookings)
--     clawback | adjustment   when made (created_at)     count, signed amount
--   payouts (provider: the payout's; status: the payout's current status)
--     created           when created                     count, amount
--     failure           when created, FAILED             count, amount; status holds the failure code
--     sent              at the first attempt              count, amount
--     failed            when settled, FAILED             count, amount
--     succeeded[_src|_fx|_fx_src|_same]   when paid (SUCCEEDED or REVERSED)
--     reversed[_src|_fx|_fx_src|_same]    when reversed (REVERSED)
--        plain: payout currency and amount; _src: the commissions' currency and amount; _fx and
--        _fx_src: the same, only for payouts with FX (the journal's 1900 FX clearing lines);
--        _same: count of those whose two currencies are one (entries per currency).
-- The instants are those of src/core/reports/payout-times.ts (paidAt, reversedAt, submittedAt).
--
-- report_affiliates, per affiliate and currency, all time: conversions (count, and net revenue of
-- those that stand), commissions (amount by status) and clawbacks (negated). Each from its own table,
-- so no write joins another table's million rows to book its figures.
CREATE FUNCTION treasury_report_day_facts(src text, rel text, aff text, sign int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  IF src = 'commissions' THEN
    RETURN format($q$
      SELECT (r.occurred_at AT TIME ZONE 'UTC')::date AS day, trim(r.currency) AS currency, coalesce(a.payout_provider, '') AS provider,
             'accrued' AS fact, CASE WHEN r.amount_minor > 0 THEN '+' ELSE '0' END AS status, %3$s::bigint AS n, r.amount_minor * %3$s AS amount
      FROM %1$s r JOIN %2$s a ON a.id = r.affiliate_id$q$, rel, aff, sign);
  ELSIF src = 'adjustments' THEN
    RETURN format($q$
      SELECT (r.created_at AT TIME ZONE 'UTC')::date AS day, trim(r.currency) AS currency, coalesce(a.payout_provider, '') AS provider,
             CASE WHEN r.kind = 'clawback' THEN 'clawback' ELSE 'adjustment' END AS fact,
             CASE WHEN r.amount_minor > 0 THEN '+' ELSE '-' END AS status, %3$s::bigint AS n, r.amount_minor * %3$s AS amount
      FROM %1$s r JOIN %2$s a ON a.id = r.affiliate_id
      WHERE NOT (r.kind = 'reversal' AND r.id LIKE 'rev:%%')$q$, rel, aff, sign);
  ELSIF src = 'payouts' THEN
    RETURN format($q$
      SELECT (x.at AT TIME ZONE 'UTC')::date AS day, x.currency, r.provider, x.fact,
             CASE WHEN x.fact = 'failure' THEN coalesce(r.failure_code, 'UNSPECIFIED') ELSE r.status END AS status,
             %2$s::bigint AS n, x.amount * %2$s AS amount
      FROM %1$s r
      CROSS JOIN LATERAL (SELECT
        (SELECT min(t.created_at) FROM payout_attempts t WHERE t.payout_id = r.id) AS sent_at,
        CASE WHEN r.status = 'SUCCEEDED' THEN coalesce(r.settled_at, r.updated_at)
             WHEN r.status = 'REVERSED' THEN coalesce(
               (SELECT min(l.at) FROM audit_log l WHERE l.entity_type = 'payout' AND l.entity_id = r.id::text
                  AND l.action = 'payout.status' AND l.after->>'status' = 'SUCCEEDED'),
               r.settled_at, r.updated_at) END AS paid_at,
        coalesce(r.settled_at, r.updated_at) AS settled_at,
        r.status IN ('SUCCEEDED', 'REVERSED') AS paid,
        r.status = 'REVERSED' AS reversed,
        (r.currency <> r.source_currency OR r.amount_minor <> r.source_amount_minor) AS fx,
        r.currency = r.source_currency AS same,
        trim(r.currency) AS cur, trim(r.source_currency) AS src) AS t
      CROSS JOIN LATERAL (VALUES
        ('created', r.created_at, t.cur, r.amount_minor, TRUE),
        ('failure', r.created_at, t.cur, r.amount_minor, r.status = 'FAILED'),
        ('sent', t.sent_at, t.cur, r.amount_minor, r.attempt > 0),
        ('failed', t.settled_at, t.cur, r.amount_minor, r.status = 'FAILED'),
        ('succeeded', t.paid_at, t.cur, r.amount_minor, t.paid),
        ('succeeded_src', t.paid_at, t.src, r.source_amount_minor, t.paid),
        ('succeeded_fx', t.paid_at, t.cur, r.amount_minor, t.paid AND t.fx),
        ('succeeded_fx_src', t.paid_at, t.src, r.source_amount_minor, t.paid AND t.fx),
        ('succeeded_same', t.paid_at, t.cur, 0::bigint, t.paid AND t.same),
        ('reversed', t.settled_at, t.cur, r.amount_minor, t.reversed),
        ('reversed_src', t.settled_at, t.src, r.source_amount_minor, t.reversed),
        ('reversed_fx', t.settled_at, t.cur, r.amount_minor, t.reversed AND t.fx),
        ('reversed_fx_src', t.settled_at, t.src, r.source_amount_minor, t.reversed AND t.fx),
        ('reversed_same', t.settled_at, t.cur, 0::bigint, t.reversed AND t.same)) AS x(fact, at, currency, amount, applies)
      WHERE x.applies AND x.at IS NOT NULL$q$, rel, sign);
  END IF;
  RAISE EXCEPTION 'no report facts for %', src;
END $fn$;
--> statement-breakpoint
CREATE FUNCTION treasury_report_affiliate_facts(src text, rel text, sign int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  IF src = 'commissions' THEN
    RETURN format($q$
      SELECT r.affiliate_id, trim(r.currency) AS currency, %2$s::bigint AS entries, 0::bigint AS conversions, 0::bigint AS revenue,
             r.amount_minor * %2$s AS commissions,
             CASE WHEN r.status = 'paid' THEN r.amount_minor ELSE 0 END * %2$s AS paid,
             CASE WHEN r.status = 'pending' THEN r.amount_minor ELSE 0 END * %2$s AS pending,
             CASE WHEN r.status = 'payable' THEN r.amount_minor ELSE 0 END * %2$s AS payable,
             0::bigint AS clawed
      FROM %1$s r$q$, rel, sign);
  ELSIF src = 'conversions' THEN
    RETURN format($q$
      SELECT r.affiliate_id, trim(r.currency) AS currency, %2$s::bigint AS entries, %2$s::bigint AS conversions,
             CASE WHEN r.status IN ('approved', 'pending') THEN r.gross_minor - r.discount_minor ELSE 0 END * %2$s AS revenue,
             0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
      FROM %1$s r$q$, rel, sign);
  ELSIF src = 'adjustments' THEN
    RETURN format($q$
      SELECT r.affiliate_id, trim(r.currency) AS currency, %2$s::bigint AS entries, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
             -r.amount_minor * %2$s AS clawed
      FROM %1$s r WHERE r.kind = 'clawback'$q$, rel, sign);
  END IF;
  RAISE EXCEPTION 'no affiliate report facts for %', src;
END $fn$;
--> statement-breakpoint
-- The grouped deltas of some facts queries (UNION ALL), as one SELECT per table's columns.
CREATE FUNCTION treasury_report_days_sum(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT 'SELECT day, currency, provider, fact, status, sum(n), sum(amount) FROM (' || array_to_string(parts, ' UNION ALL ')
      || ') d GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 OR sum(amount) <> 0'
$fn$;
--> statement-breakpoint
CREATE FUNCTION treasury_report_affiliates_sum(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT 'SELECT affiliate_id, currency, sum(entries), sum(conversions), sum(revenue), sum(commissions), sum(paid),'
      || ' sum(pending), sum(payable), sum(clawed) FROM ('
      || array_to_string(parts, ' UNION ALL ') || ') d(affiliate_id, currency, entries, conversions, revenue, commissions, paid, pending, payable, clawed)'
      || ' GROUP BY 1, 2 HAVING sum(entries) <> 0 OR sum(conversions) <> 0 OR sum(revenue) <> 0 OR sum(commissions) <> 0 OR sum(paid) <> 0'
      || ' OR sum(pending) <> 0 OR sum(payable) <> 0 OR sum(clawed) <> 0'
$fn$;
--> statement-breakpoint
CREATE FUNCTION treasury_report_days_insert(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT 'INSERT INTO report_days (day, currency, provider, fact, status, n, amount_minor) ' || treasury_report_days_sum(parts)
$fn$;
--> statement-breakpoint
CREATE FUNCTION treasury_report_affiliates_insert(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT 'INSERT INTO report_affiliates (affiliate_id, currency, entries, conversions, revenue_minor, commissions_minor, paid_minor, pending_minor, payable_minor, clawed_minor) '
      || treasury_report_affiliates_sum(parts)
$fn$;
--> statement-breakpoint
-- Both aggregates recomputed from the tables, as SELECTs (the backfill below; the tests compare them
-- with the maintained ones).
CREATE FUNCTION treasury_report_recomputed(which text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE which
    WHEN 'days' THEN treasury_report_days_sum(ARRAY[
      treasury_report_day_facts('commissions', 'commissions', 'affiliates', 1),
      treasury_report_day_facts('adjustments', 'adjustments', 'affiliates', 1),
      treasury_report_day_facts('payouts', 'payouts', '', 1)])
    WHEN 'affiliates' THEN treasury_report_affiliates_sum(ARRAY[
      treasury_report_affiliate_facts('conversions', 'conversions', 1),
      treasury_report_affiliate_facts('commissions', 'commissions', 1),
      treasury_report_affiliate_facts('adjustments', 'adjustments', 1)])
  END
$fn$;
--> statement-breakpoint
-- The trigger: the table's facts of new_rows minus those of old_rows. Transition tables are visible
-- only to this function's own statements, hence EXECUTE here (not in a helper). Conversions have
-- only per-affiliate facts; payouts only per-day ones.
--
-- The rows' affiliates (for their payout provider) are looked up by key, = ANY of the few ids the
-- statement touched, never joined whole: calc writes 20,000 commissions a statement, fifty times
-- over a million, and a join planned against the whole affiliates table each time would cost more
-- than the rows themselves.
CREATE FUNCTION treasury_report_write() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  src text := TG_TABLE_NAME;
  days text[] := '{}';
  affs text[] := '{}';
  ids text[] := '{}';
  aff text := '(SELECT id, payout_provider FROM affiliates WHERE id = ANY($1))';
BEGIN
  IF src IN ('commissions', 'adjustments') THEN
    IF TG_OP <> 'DELETE' THEN SELECT coalesce(array_agg(DISTINCT affiliate_id), '{}') INTO ids FROM new_rows; END IF;
    IF TG_OP <> 'INSERT' THEN SELECT coalesce(array_agg(DISTINCT affiliate_id), '{}') || ids INTO ids FROM old_rows; END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF src <> 'conversions' THEN days := days || treasury_report_day_facts(src, 'new_rows', aff, 1); END IF;
    IF src <> 'payouts' THEN affs := affs || treasury_report_affiliate_facts(src, 'new_rows', 1); END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF src <> 'conversions' THEN days := days || treasury_report_day_facts(src, 'old_rows', aff, -1); END IF;
    IF src <> 'payouts' THEN affs := affs || treasury_report_affiliate_facts(src, 'old_rows', -1); END IF;
  END IF;
  IF array_length(days, 1) > 0 THEN EXECUTE treasury_report_days_insert(days) USING ids; END IF;
  IF array_length(affs, 1) > 0 THEN EXECUTE treasury_report_affiliates_insert(affs); END IF;
  RETURN NULL;
END $fn$;
--> statement-breakpoint
-- A payout's first attempt dates its `sent` fact: the executor inserts the attempt before it sets
-- the payout's attempt number, so the payout's own trigger normally sees it. An attempt that arrives
-- for a payout already counted as sent moves the date only if it is earlier (it never is; this
-- keeps the aggregate exact whatever the order): re-book those payouts' facts around it.
CREATE FUNCTION treasury_report_attempts() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  -- The payouts touched, as they are (their facts now see the new attempts), minus the same
  -- payouts' facts as if the new attempts did not exist.
  EXECUTE treasury_report_days_insert(ARRAY[
    treasury_report_day_facts('payouts', '(SELECT p.* FROM payouts p WHERE p.attempt > 0 AND p.id IN (SELECT payout_id FROM new_rows))', '', 1),
    replace(treasury_report_day_facts('payouts', '(SELECT p.* FROM payouts p WHERE p.attempt > 0 AND p.id IN (SELECT payout_id FROM new_rows))', '', -1),
            'FROM payout_attempts t WHERE', 'FROM payout_attempts t WHERE NOT EXISTS (SELECT 1 FROM new_rows w WHERE w.payout_id = t.payout_id AND w.attempt = t.attempt) AND')]);
  RETURN NULL;
END $fn$;
--> statement-breakpoint
-- An affiliate's payout provider keys its commissions and adjustments: a new provider moves them.
CREATE FUNCTION treasury_report_affiliates() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  moved text := '(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.payout_provider IS DISTINCT FROM o.payout_provider)';
BEGIN
  EXECUTE treasury_report_days_insert(ARRAY[
    treasury_report_day_facts('commissions', format('(SELECT c.* FROM commissions c WHERE c.affiliate_id IN %s)', moved), 'new_rows', 1),
    treasury_report_day_facts('commissions', format('(SELECT c.* FROM commissions c WHERE c.affiliate_id IN %s)', moved), 'old_rows', -1),
    treasury_report_day_facts('adjustments', format('(SELECT a.* FROM adjustments a WHERE a.affiliate_id IN %s)', moved), 'new_rows', 1),
    treasury_report_day_facts('adjustments', format('(SELECT a.* FROM adjustments a WHERE a.affiliate_id IN %s)', moved), 'old_rows', -1)]);
  RETURN NULL;
END $fn$;
--> statement-breakpoint
CREATE TRIGGER commissions_report_insert AFTER INSERT ON commissions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER commissions_report_update AFTER UPDATE ON commissions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER commissions_report_delete AFTER DELETE ON commissions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER adjustments_report_insert AFTER INSERT ON adjustments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER adjustments_report_update AFTER UPDATE ON adjustments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER adjustments_report_delete AFTER DELETE ON adjustments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER payouts_report_insert AFTER INSERT ON payouts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER payouts_report_update AFTER UPDATE ON payouts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER payouts_report_delete AFTER DELETE ON payouts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER payout_attempts_report_insert AFTER INSERT ON payout_attempts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_attempts();
--> statement-breakpoint
CREATE TRIGGER conversions_report_insert AFTER INSERT ON conversions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER conversions_report_update AFTER UPDATE ON conversions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_write();
--> statement-breakpoint
CREATE TRIGGER affiliates_report_update AFTER UPDATE ON affiliates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treasury_report_affiliates();
--> statement-breakpoint
-- What is already there, once.
DO $do$ BEGIN
  EXECUTE 'INSERT INTO report_days (day, currency, provider, fact, status, n, amount_minor) ' || treasury_report_recomputed('days');
  EXECUTE 'INSERT INTO report_affiliates (affiliate_id, currency, entries, conversions, revenue_minor, commissions_minor, paid_minor, pending_minor, payable_minor, clawed_minor) '
       || treasury_report_recomputed('affiliates');
END $do$;
