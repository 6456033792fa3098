/**
 * Commands and queries for the data that feeds payouts: imports, rules, calculation, payables,
 * demo.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { appendAudit, type AuditEntry } from '../../platform/kernel/audit-chain.js';
import { centralNow } from '../../platform/central/clock.js';
import {
  defineCommand,
  defineQuery,
  operatorIdOf,
  type HandlerContext,
} from '../../platform/kernel/router.js';
import { TreasuryError } from '../../shared/errors.js';
import { parseRuleSet, RuleSetError } from '../../shared/commission/index.js';
import { writeInChunks } from '../../platform/central/chunks.js';
import { demoChunks, writeDemoChunk } from '../demo/generate.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import { importCsv, type ImportKindName, type ImportSummary } from '../imports/run.js';
import { isCurrency } from '../../shared/money/index.js';
import { resourcePath } from '../../platform/files/resources.js';
import { listPayablesOffline, showRules as rulesOffline } from './offline.js';
import { listPayables } from './payables.js';
import { listRuleVersions } from './rules-store.js';
import { CalcStopped, calculateCommissions, calculateInSlices, type CalcSummary } from './run.js';
import { instant, toDate } from '../../platform/kernel/inputs.js';

const FIRST_VERSION_FROM = new Date('1970-01-01T00:00:00Z');

/**
 * Imports are not one router transaction: validation holds none, and on the embedded store the
 * rows are written in short transactions the console's calls run between (imports/run.ts). On
 * PostgreSQL the writing is one transaction, so a cancel keeps nothing; on the embedded store a
 * cancel is honoured until the first rows are in, after which the import completes. The audit
 * entry is written with the import's last transaction.
 */
export const importAffiliates = defineCommand({
  name: 'affiliates.import',
  permission: 'commissions.calculate',
  transactional: false,
  cancellable: true,
  input: z.strictObject({ file: z.string().min(1) }),
  run: (ctx, input) => runImport(ctx, 'affiliates', input.file),
});

export const importConversions = defineCommand({
  name: 'conversions.import',
  permission: 'commissions.calculate',
  transactional: false,
  cancellable: true,
  input: z.strictObject({ file: z.string().min(1) }),
  run: (ctx, input) => runImport(ctx, 'conversions', input.file),
});

function runImport(
  ctx: HandlerContext,
  kind: ImportKindName,
  file: string,
): Promise<ImportSummary> {
  return importCsv(ctx.store, kind, file, {
    progress: (p) => ctx.progress(p),
    record: (tx, summary) =>
      auditIn(ctx, tx, {
        action: `${kind}.import`,
        entityType: 'import',
        entityId: summary.sha256,
        after: { ...summary },
      }),
  });
}

/**
 * A command that commits as it goes: its audit entry, in the transaction that commits its change.
 */
async function auditIn(ctx: HandlerContext, tx: CentralTx, entry: AuditEntry): Promise<void> {
  const at = await centralNow(tx);
  await appendAudit(
    tx,
    {
      operatorId: ctx.actor?.operatorId ?? null,
      commandId: ctx.commandId,
      ip: ctx.call.ip,
      workstationId: ctx.workstationId,
      decision: 'allowed',
      at,
    },
    [entry],
  );
}

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
      before: (latest?.body ?? null) as never,
      after: { version, effectiveFrom: effectiveFrom.toISOString(), body: input.body as never },
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
    after: summary as never,
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

/**
 * Not one router transaction, as imports (writeInChunks): on PostgreSQL one transaction; on the
 * embedded store one per chunk, after which it completes (it is deterministic: running it again
 * gives the same rows).
 */
export const demo = defineCommand({
  name: 'demo.generate',
  permission: 'admin.manage',
  transactional: false,
  cancellable: true,
  input: z.strictObject({
    affiliates: z.number().int().min(1).max(1_000_000),
    conversions: z.number().int().min(0).max(10_000_000),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    until: instant.optional(),
  }),
  async run(ctx, input) {
    const until = input.until
      ? toDate(input.until)
      : new Date(Math.floor(ctx.now.getTime() / 86_400_000) * 86_400_000);
    const total = input.conversions;
    return writeInChunks(ctx.store, demoChunks({ ...input, until }), {
      write: async (tx, chunk) => {
        await writeDemoChunk(tx, chunk);
        if (chunk.kind === 'conversions')
          ctx.progress({ phase: 'generating', done: chunk.done, total });
      },
      committing: () => ctx.progress({ phase: 'generating', done: 0, total, cancellable: false }),
      finish: async (tx) => {
        // Every chunk of random affiliates appended report deltas for thousands of them: fold them
        // once.
        await compactReportAggregates(tx);
        const rulesVersion = await exampleRulesIfNone(ctx, tx);
        await auditIn(ctx, tx, {
          action: 'demo.generate',
          entityType: 'demo',
          after: { ...input, until: until.toISOString(), rulesVersion },
        });
        ctx.progress({ phase: 'generating', done: total, total });
        return {
          affiliates: input.affiliates,
          conversions: total,
          until: until.toISOString(),
          rulesVersion,
        };
      },
    });
  },
});

/** The example rule set as version 1 when the store has none (a demo can be calculated at once). */
async function exampleRulesIfNone(ctx: HandlerContext, tx: CentralTx): Promise<number | null> {
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    tx,
    sql`SELECT count(*)::int AS n FROM commission_rules`,
  );
  if (Number(n) > 0) return null;
  const body = JSON.parse(readFileSync(resourcePath('examples/rules.json'), 'utf8')) as unknown;
  parseRuleSet(body);
  await tx.execute(sql`INSERT INTO commission_rules (version, effective_from, body, created_by)
                       VALUES (1, ${FIRST_VERSION_FROM.toISOString()}::timestamptz, ${JSON.stringify(body)}::jsonb, ${operatorIdOf(ctx)})`);
  await auditIn(ctx, tx, {
    action: 'rules.set',
    entityType: 'commission_rules',
    entityId: '1',
    after: { version: 1, source: 'examples/rules.json', body: body as never },
  });
  return 1;
}
