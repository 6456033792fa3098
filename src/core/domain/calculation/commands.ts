/**
 * Commands and queries for the data that feeds payouts: imports, rules, calculation, payables,
 * demo.
 */
import { sql } from 'drizzle-orm';
import { asJson } from '../../platform/kernel/audit-chain.js';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import {
  defineCommand,
  defineQuery,
  operatorIdOf,
  type HandlerContext,
} from '../../platform/kernel/router.js';
import { TreasuryError } from '../../shared/errors.js';
import { parseRuleSet, RuleSetError } from '../../shared/commission/index.js';
import { isCurrency } from '../../shared/money/index.js';
import { listPayablesOffline, showRules as rulesOffline } from './offline.js';
import { listPayables } from './payables.js';
import { FIRST_VERSION_FROM, listRuleVersions } from './rules-store.js';
import { auditIn } from '../../platform/kernel/audit-in.js';
import { CalcStopped, calculateCommissions, calculateInSlices, type CalcSummary } from './run.js';
import { instant, toDate } from '../../platform/kernel/inputs.js';

export const setRules = defineCommand({
  name: 'rules.set',
  permission: 'admin.manage',
  input: z.strictObject({ body: z.unknown(), effectiveFrom: instant.optional() }),
  async run(ctx, input) {
    try {
      parseRuleSet(input.body);
    } catch (error) {
      if (error instanceof RuleSetError) {
        const n = error.issues.length;
        throw new TreasuryError(
          'RULES_INVALID',
          `invalid commission rule set (${n} problem${n === 1 ? '' : 's'})`,
          error.issues.map((i) => ({ path: i.path, message: i.message })),
        );
      }
      throw error;
    }
    await ctx.tx.execute(sql`LOCK TABLE commission_rules IN SHARE ROW EXCLUSIVE MODE`);
    const [latest] = await rows<{ version: number; effective_from: Date | string; body: unknown }>(
      ctx.tx,
      sql`SELECT version, effective_from, body FROM commission_rules ORDER BY version DESC LIMIT 1`,
    );
    // The first version covers all history unless told otherwise; later ones start now by default.
    const effectiveFrom = input.effectiveFrom
      ? toDate(input.effectiveFrom)
      : latest
        ? ctx.now
        : FIRST_VERSION_FROM;
    if (latest && effectiveFrom.getTime() <= new Date(latest.effective_from).getTime()) {
      throw new TreasuryError(
        'CONFLICT',
        `a new rule version must take effect after version ${latest.version} (effective ${new Date(latest.effective_from).toISOString()}); got ${effectiveFrom.toISOString()}`,
        [{ field: 'effectiveFrom', message: 'not after the latest version' }],
      );
    }
    const version = latest ? Number(latest.version) + 1 : 1;
    await ctx.tx
      .execute(sql`INSERT INTO commission_rules (version, effective_from, body, created_by)
                             VALUES (${version}, ${effectiveFrom.toISOString()}::timestamptz, ${JSON.stringify(input.body)}::jsonb, ${operatorIdOf(ctx)})`);
    ctx.audit({
      action: 'rules.set',
      entityType: 'commission_rules',
      entityId: String(version),
      before: asJson(latest?.body ?? null),
      after: { version, effectiveFrom: effectiveFrom.toISOString(), body: asJson(input.body) },
    });
    return { version, effectiveFrom: effectiveFrom.toISOString() };
  },
});

export const showRules = defineQuery({
  name: 'rules.show',
  permission: 'payables.view',
  input: z.strictObject({}),
  async run(ctx) {
    const versions = await listRuleVersions(ctx.tx);
    const now = ctx.now.getTime();
    const current = versions.filter((v) => Date.parse(v.effectiveFrom) <= now).at(-1) ?? null;
    return { current: current?.version ?? null, versions };
  },
  offline: (ctx) => rulesOffline(ctx.cache, ctx.now),
});

/**
 * Not one router transaction: on the embedded store the calculation runs in slices, each its own
 * short transaction (run.ts, calculateInSlices), so the console's calls are answered beside it. On
 * PostgreSQL, where readers never wait for a writer, it stays one transaction: all or nothing. The
 * run record and its audit entry are written with the calculation's last transaction.
 */
export const calculate = defineCommand({
  name: 'commissions.calculate',
  permission: 'commissions.calculate',
  transactional: false,
  cancellable: true,
  input: z.strictObject({ asOf: instant.optional() }),
  async run(ctx, input) {
    const asOf = input.asOf ? toDate(input.asOf) : ctx.now;
    const progress = (done: number, total: number) =>
      ctx.progress({ phase: 'calculating', done, total });
    const record = (tx: CentralTx, summary: CalcSummary) => recordCalcRun(ctx, tx, summary);
    if (ctx.store.kind === 'postgres') {
      return ctx.store.db.transaction(async (tx) => {
        const summary = await calculateCommissions(tx, asOf, progress);
        await record(tx, summary);
        return summary;
      });
    }
    try {
      const summary = await calculateInSlices(ctx.store.db, asOf, {
        progress,
        lanes: ctx.store.lanes,
      });
      await ctx.store.db.transaction((tx) => record(tx, summary));
      return summary;
    } catch (error) {
      if (!(error instanceof CalcStopped)) throw error;
      const { summary, total } = error;
      throw new TreasuryError(
        'JOB_CANCELLED',
        `commissions.calculate was cancelled after ${summary.conversions.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} conversions: ` +
          'the affiliates it finished keep their new commissions (each affiliate whole, none half-calculated); calculate again to finish',
      );
    }
  },
});

/** The run's record and its audit entry, in the calculation's last transaction. */
async function recordCalcRun(
  ctx: HandlerContext,
  tx: CentralTx,
  summary: CalcSummary,
): Promise<void> {
  // The started time is the central clock's, like finished_at (a workstation's clock may be off).
  await tx.execute(sql`INSERT INTO calc_runs (as_of, started_at, finished_at, summary, operator_id)
    VALUES (${summary.asOf}::timestamptz, ${ctx.now.toISOString()}::timestamptz, now(), ${JSON.stringify(summary)}::jsonb, ${ctx.actor?.operatorId ?? null})`);
  await auditIn(ctx, tx, {
    action: 'commissions.calculate',
    entityType: 'calc_run',
    entityId: null,
    after: asJson(summary),
  });
}

export const payables = defineQuery({
  name: 'payables.list',
  permission: 'payables.view',
  input: z.strictObject({
    currency: z.string().refine(isCurrency, 'is not an ISO 4217 currency code').optional(),
  }),
  async run(ctx, input) {
    return listPayables(ctx.tx, { currency: input.currency, now: ctx.now });
  },
  offline: (ctx, input) => listPayablesOffline(ctx.cache, input.currency, ctx.now),
});
