/**
 * Router definitions of the CSV imports. Imports are not one router transaction: validation holds
 * none, and on the embedded store the rows are written in short transactions the console's calls
 * run between (run.ts). On PostgreSQL the writing is one transaction, so a cancel keeps nothing; on
 * the embedded store a cancel is honoured until the first rows are in, after which the import
 * completes. The audit entry is written with the import's last transaction.
 *
 * `dryRun: true` checks the file the same way and compares it with the store, writing nothing
 * (check.ts): the console's preview. Its one audit entry is the router's record of the call.
 */
import { z } from 'zod';
import { auditIn } from '../../platform/kernel/audit-in.js';
import { defineCommand, type HandlerContext } from '../../platform/kernel/router.js';
import { checkCsv, type ImportPreview } from './check.js';
import { importCsv, type ImportKindName, type ImportSummary } from './run.js';

/**
 * What an import names: the file; a dry run, or the SHA-256 the file had when it was checked (the
 * import then refuses a file changed since).
 */
const importInput = z.strictObject({
  file: z.string().min(1),
  dryRun: z.boolean().optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'is not a SHA-256 (64 hexadecimal digits)')
    .optional(),
});
type ImportInput = z.infer<typeof importInput>;

export const importAffiliates = defineCommand({
  name: 'affiliates.import',
  permission: 'commissions.calculate',
  transactional: false,
  cancellable: true,
  input: importInput,
  run: (ctx, input) => runImport(ctx, 'affiliates', input),
});

export const importConversions = defineCommand({
  name: 'conversions.import',
  permission: 'commissions.calculate',
  transactional: false,
  cancellable: true,
  input: importInput,
  run: (ctx, input) => runImport(ctx, 'conversions', input),
});

function runImport(
  ctx: HandlerContext,
  kind: ImportKindName,
  input: ImportInput,
): Promise<ImportSummary | ImportPreview> {
  if (input.dryRun) return checkCsv(ctx.store, kind, input.file, (p) => ctx.progress(p));
  return importCsv(ctx.store, kind, input.file, {
    progress: (p) => ctx.progress(p),
    ...(input.sha256 ? { sha256: input.sha256 } : {}),
    record: (tx, summary) =>
      auditIn(ctx, tx, {
        action: `${kind}.import`,
        entityType: 'import',
        entityId: summary.sha256,
        after: { ...summary },
      }),
  });
}
