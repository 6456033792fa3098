/**
 * The demo: a generated program (affiliates, conversions, the example rules) written in chunks the
 * console's calls run between; not one router transaction, so its audit entry is written with its
 * last chunk.
 */
import { readFileSync } from 'node:fs';
import { asJson } from '../../platform/kernel/audit-chain.js';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { writeInChunks } from '../../platform/central/chunks.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { resourcePath } from '../../platform/files/resources.js';
import { auditIn } from '../../platform/kernel/audit-in.js';
import { instant, toDate } from '../../platform/kernel/inputs.js';
import { defineCommand, operatorIdOf, type HandlerContext } from '../../platform/kernel/router.js';
import { parseRuleSet } from '../../shared/commission/index.js';
import { FIRST_VERSION_FROM } from '../calculation/rules-store.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import { demoChunks, writeDemoChunk } from './generate.js';

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
    after: { version: 1, source: 'examples/rules.json', body: asJson(body) },
  });
  return 1;
}
