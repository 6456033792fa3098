/**
 * bench:calc — 1,000,000 conversions for 10,000 affiliates, `calc` on each central store, beside
 * (a) the naive way: one query per conversion, timed on 20,000 rows and extrapolated, and
 * (b) the floor: the same number of rows copied out of and into the same store with COPY.
 *
 * Each measured phase runs in its own child process so its peak RSS (getrusage maxrss) is its own.
 * On PGlite it also times the calculation in slices, as the console runs it there.
 *
 * Usage: npm run bench:calc -- [--conversions N] [--affiliates N] [--stores postgres,pglite]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { calculateCommissions, calculateInSlices } from '../src/core/domain/calculation/run.js';
import { loadRuleVersions } from '../src/core/domain/calculation/rules-store.js';
import { copyInto, copyOutText } from '../src/core/platform/central/copy.js';
import { openCentral, rows, type CentralStore } from '../src/core/platform/central/store.js';
import {
  computeAffiliateCommissions,
  type AffiliateStatus,
  type ConversionStatus,
} from '../src/core/shared/commission/index.js';
import { writeDemo } from '../src/core/domain/demo/generate.js';
import { resourcePath } from '../src/core/platform/files/resources.js';
import { arg, phaseEntry, rssMB, runPhase, withScratchStore } from './support.js';

const UNTIL = new Date('2026-11-01T00:00:00Z');
const AS_OF = new Date('2026-11-21T00:00:00Z');
const NAIVE_ROWS = 20_000;
const BENCH = fileURLToPath(import.meta.url);

interface Target {
  store: 'postgres' | 'pglite';
  url?: string;
  dataDir: string;
}

async function open(target: Target): Promise<CentralStore> {
  return openCentral({ dataDir: target.dataDir, url: target.url });
}

// ------------------------------------------------------------------ phases (run in child
//   processes)

const phases: Record<
  string,
  (t: Target, n: { conversions: number; affiliates: number }) => Promise<Record<string, unknown>>
> = {
  async prepare(t, n) {
    const store = await open(t);
    const started = performance.now();
    await store.db.transaction(async (tx) => {
      const [op] = await rows<{ id: string }>(
        tx,
        sql`INSERT INTO operators (username, display_name, role, password_hash) VALUES ('bench', 'Bench', 'super_admin', 'x') RETURNING id`,
      );
      await tx.execute(sql`INSERT INTO commission_rules (version, effective_from, body, created_by)
        VALUES (1, '1970-01-01T00:00:00Z', ${readFileSync(resourcePath('examples/rules.json'), 'utf8')}::jsonb, ${op!.id})`);
      await writeDemo(tx, {
        affiliates: n.affiliates,
        conversions: n.conversions,
        seed: 7,
        until: UNTIL,
      });
    });
    // Data at rest, as in production: statistics, visibility map and hint bits are settled before
    // anything is measured (otherwise the first measured reader pays for writing hint bits).
    await store.db.execute(sql`VACUUM ANALYZE`);
    const ms = performance.now() - started;
    await store.close();
    return { ms };
  },

  // Run twice: first on an empty commissions table (all rows new), then again with nothing changed.
  async calc(t) {
    const store = await open(t);
    const started = performance.now();
    const summary = await store.db.transaction((tx) => calculateCommissions(tx, AS_OF));
    const ms = performance.now() - started;
    await store.close();
    return {
      ms,
      rssMB: rssMB(),
      inserted: summary.inserted,
      updated: summary.updated,
      errors: summary.errors.total,
    };
  },

  // The embedded store's console path: the same calculation in slices, each its own transaction
  // (calculateInSlices), from the same empty start as the first run.
  async sliced(t) {
    const store = await open(t);
    await store.db.execute(
      sql`TRUNCATE commissions, report_days, report_affiliates, open_commissions CASCADE`,
    );
    const started = performance.now();
    const summary = await calculateInSlices(store.db, AS_OF, { lanes: store.lanes });
    const ms = performance.now() - started;
    await store.close();
    return { ms, rssMB: rssMB(), inserted: summary.inserted, errors: summary.errors.total };
  },

  async floor(t, n) {
    const store = await open(t);
    await store.db.execute(sql`DROP TABLE IF EXISTS floor_commissions`);
    // Same columns, defaults, checks and indexes as the real table: the floor pays index upkeep
    // too.
    await store.db.execute(sql`CREATE TABLE floor_commissions (LIKE commissions INCLUDING ALL)`);
    // The same COPY helpers calc uses, in one transaction each way.
    const started = performance.now();
    const out = await store.db.transaction((tx) =>
      copyOutText(
        tx,
        `SELECT c.id, c.affiliate_id, c.occurred_at, c.product, c.gross_minor - c.discount_minor, c.currency, c.status, a.status
         FROM conversions c JOIN affiliates a ON a.id = c.affiliate_id`,
      ),
    );
    const outMs = performance.now() - started;
    const bytes = out.length;
    const inStart = performance.now();
    const lines: string[] = [];
    for (let i = 1; i <= n.conversions; i++) {
      lines.push(
        `cv-${String(i).padStart(8, '0')}\taff-${String((i % n.affiliates) + 1).padStart(6, '0')}\t1\t${i * 7}\tUSD\tpayable\t\\N\t1000\tf\t2026-10\t2026-10-01 00:00:00+00\t2026-10-31 00:00:00+00\t2026-11-21 00:00:00+00\n`,
      );
    }
    await store.db.transaction((tx) =>
      copyInto(
        tx,
        'floor_commissions (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped, period, occurred_at, available_at, calculated_at)',
        lines,
      ),
    );
    const inMs = performance.now() - inStart;
    await store.db.execute(sql`DROP TABLE floor_commissions`);
    await store.close();
    return { ms: outMs + inMs, outMs, inMs, outBytes: bytes };
  },

  async naive(t) {
    // The naive way, as a first implementation would write it: read the conversions, then for each
    // one compute its commission and write it with its own statement — one query per conversion.
    const store = await open(t);
    const versions = await loadRuleVersions(store.db);
    await store.db.execute(sql`DROP TABLE IF EXISTS naive_commissions`);
    await store.db.execute(sql`CREATE TABLE naive_commissions (LIKE commissions INCLUDING ALL)`);
    const started = performance.now();
    const list = await rows<{
      id: string;
      affiliate_id: string;
      ms: string;
      product: string;
      net: string;
      currency: string;
      status: string;
      a_status: string;
    }>(
      store.db,
      sql`SELECT c.id, c.affiliate_id, (extract(epoch FROM c.occurred_at) * 1000)::bigint::text AS ms, c.product,
                 (c.gross_minor - c.discount_minor)::text AS net, c.currency, c.status, a.status AS a_status
          FROM conversions c JOIN affiliates a ON a.id = c.affiliate_id ORDER BY c.id LIMIT ${NAIVE_ROWS}`,
    );
    for (const c of list) {
      const { commissions } = computeAffiliateCommissions(
        { id: c.affiliate_id, status: c.a_status as AffiliateStatus },
        [
          {
            id: c.id,
            affiliateId: c.affiliate_id,
            occurredAt: Number(c.ms),
            product: c.product,
            netAmount: BigInt(c.net),
            currency: c.currency,
            status: c.status as ConversionStatus,
          },
        ],
        versions,
        AS_OF.getTime(),
      );
      const m = commissions[0]!;
      await store.db
        .execute(sql`INSERT INTO naive_commissions (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped, period, occurred_at, available_at, calculated_at)
        VALUES (${c.id}, ${m.affiliateId}, ${m.ruleVersion}, ${m.amount.toString()}::bigint, ${m.currency}, ${m.status}, ${m.reason}, ${m.rateBps}, ${m.capped}, ${m.period},
                ${new Date(m.occurredAt).toISOString()}::timestamptz, ${new Date(m.availableAt).toISOString()}::timestamptz, now())
        ON CONFLICT (conversion_id) DO UPDATE SET amount_minor = excluded.amount_minor, status = excluded.status`);
    }
    const ms = performance.now() - started;
    await store.db.execute(sql`DROP TABLE naive_commissions`);
    await store.close();
    return { ms, rows: list.length };
  },
};

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`; // display of durations only, never money

export async function main(args: string[]): Promise<void> {
  const n = {
    conversions: Number(arg(args, 'conversions', '1000000')),
    affiliates: Number(arg(args, 'affiliates', '10000')),
  };
  const stores = arg(args, 'stores', 'postgres,pglite').split(',') as Target['store'][];
  console.log(
    `bench:calc — ${n.conversions.toLocaleString('en-US')} conversions, ${n.affiliates.toLocaleString('en-US')} affiliates; ${os.cpus().length} cores, Node ${process.version}`,
  );
  for (const store of stores) {
    await withScratchStore(store, async (where) => {
      const target: Target = { store, dataDir: where.dataDir, url: where.url };
      const prep = runPhase(BENCH, 'prepare', target, n);
      const calc = runPhase(BENCH, 'calc', target, n);
      const recalc = runPhase(BENCH, 'calc', target, n);
      const floor = runPhase(BENCH, 'floor', target, n);
      const sliced = store === 'pglite' ? runPhase(BENCH, 'sliced', target, n) : null;
      const naive = runPhase(BENCH, 'naive', target, n);
      const naiveTotal = (naive.ms! / naive.rows!) * n.conversions;
      console.log(
        `\n[${store}] ${store === 'postgres' ? target.url!.replace(/\/\/.*@/, '//') : 'embedded PGlite'}`,
      );
      console.log(`  generate demo data (not measured against)  ${s(prep.ms!)}`);
      console.log(
        `  calc (first run, all rows new)             ${s(calc.ms!)}   peak RSS ${calc.rssMB} MB   (${calc.inserted} commissions, ${calc.errors} errors)`,
      );
      console.log(
        `  calc again (nothing changed)               ${s(recalc.ms!)}   peak RSS ${recalc.rssMB} MB   (${recalc.inserted} new, ${recalc.updated} updated)`,
      );
      console.log(
        `  floor: COPY out + COPY in of ${n.conversions} rows  ${s(floor.ms!)}   (out ${s(floor.outMs!)}, in ${s(floor.inMs!)})`,
      );
      if (sliced)
        console.log(
          `  calc in slices (the console's path here)   ${s(sliced.ms!)}   peak RSS ${sliced.rssMB} MB   (${sliced.inserted} commissions; ${(sliced.ms! / floor.ms!).toFixed(2)}× the floor)`,
        );
      console.log(
        `  naive: one query per conversion            ${s(naive.ms!)} for ${naive.rows} rows → ${s(naiveTotal)} extrapolated`,
      );
      console.log(`  calc / floor = ${(calc.ms! / floor.ms!).toFixed(2)}×  (target ≤ 2×)`);
      console.log(`  naive / calc = ${(naiveTotal / calc.ms!).toFixed(1)}×  (target ≥ 50×)`);
      console.log(`  peak RSS ${calc.rssMB} MB  (target ≤ 500 MB)`);
    });
  }
}

// Child-process entry: `--phase NAME --target JSON --n JSON` prints one JSON line.
await phaseEntry<Target, { conversions: number; affiliates: number }>(phases);
