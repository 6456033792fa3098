/**
 * Router definitions of the CSV imports. Imports are not one router transaction: validation holds
 * none, and on the embedded store the rows are written in short transactions the console's calls
 * run between (run.ts). On PostgreSQL the writing is one transaction, so a cancel keeps nothing; on
 * the embedded store a cancel is honoured until the first rows are in, after which the import
 * completes. The audit entry is written with the import's last transaction.
 */
import { z } from 'zod';
import { auditIn } from '../../platform/kernel/audit-in.js';
import { defineCommand, type HandlerContext } from '../../platform/kernel/router.js';
import { importCsv, type ImportKindName, type ImportSummary } from './run.js';

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
