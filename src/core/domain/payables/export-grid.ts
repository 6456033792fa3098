/**
 * "Export this grid" on payables: every row matching the grid's filters (the same filter model as
 * `payables.page`, over the same kept decided set, so the file holds exactly the rows the grid
 * pages through — not only the blocks it has loaded), in the grid's sort, with the columns the
 * operator sees in their order. CSV: a first line `# {metadata}` (the filters, sort, columns,
 * operator, time, row count — as the report exports' JSON metadata), then RFC 4180 records with a
 * header. Amounts as exact decimal strings in major units, next to a currency column.
 *
 * Whole or nothing (whole-file.ts), audited as `export.payablesGrid` before the file is put in
 * place, as report exports are (reports/export-file.ts).
 */
import { z } from 'zod';
import { appendAudit } from '../../platform/kernel/audit-chain.js';
import { defineCommand } from '../../platform/kernel/router.js';
import { checkTarget, writeWholeFile } from '../../platform/files/whole-file.js';
import { appVersion } from '../../platform/files/resources.js';
import { pageFields } from '../../platform/query/paging.js';
import { formatAmount } from '../../shared/money/index.js';
import { csvField, neutraliseCell } from '../reports/export-file.js';
import { decidedPayables } from './decided.js';
import {
  checkPayablesFilters,
  PAYABLES_SORT,
  payablesFilterFields,
  payablesFilterOf,
  type PayablesPageRow,
} from './payables.js';

/** The grid's columns as the file names them, and how each cell is written. */
const CELLS = {
  affiliateId: (r) => r.affiliateId,
  name: (r) => r.name,
  status: (r) => r.status,
  currency: (r) => r.currency,
  pendingMinor: (r) => formatAmount(BigInt(r.pendingMinor), r.currency),
  payableMinor: (r) => formatAmount(BigInt(r.payableMinor), r.currency),
  commissions: (r) => String(r.commissions),
  eligible: (r) => (r.eligible ? 'yes' : 'no'),
  reason: (r) => r.reasons.join('; '),
  provider: (r) => r.provider ?? '',
  nextPayoutDate: (r) => r.nextPayoutDate ?? '',
} satisfies Record<string, (r: PayablesPageRow) => string>;
type GridColumn = keyof typeof CELLS;
export const PAYABLES_GRID_COLUMNS = Object.keys(CELLS) as [GridColumn, ...GridColumn[]];
const AMOUNT_COLUMNS: ReadonlySet<string> = new Set(['pendingMinor', 'payableMinor']);

/** Rows written per slice (each slice is written and awaited before the next is cut). */
const SLICE = 2000;

const { sort, search } = pageFields(PAYABLES_SORT);

export const exportGridInput = z
  .strictObject({
    ...payablesFilterFields,
    search,
    sort,
    columns: z
      .array(
        z.enum(PAYABLES_GRID_COLUMNS, {
          error: `must be one of ${PAYABLES_GRID_COLUMNS.join(', ')}`,
        }),
      )
      .min(1, 'show at least one column to export')
      .refine((c) => new Set(c).size === c.length, 'a column is named twice'),
    out: z.string().min(1, 'name the file to write').max(4096),
    overwrite: z.boolean().optional(),
    /** Start with a UTF-8 byte order mark, so spreadsheets read the file as UTF-8. */
    bom: z.boolean().optional(),
  })
  .superRefine(checkPayablesFilters);

export interface GridExportResult {
  report: 'payablesGrid';
  file: string;
  format: 'csv';
  rowCount: number;
  columns: string[];
  /** Per amount column and currency, the exact sum written (as report exports give them). */
  totals: { column: string; currency: string; group: null; rows: number; amount: string }[];
  sha256: null;
  fileSha256: string;
  bytes: number;
}

export const exportPayablesGrid = defineCommand({
  name: 'export.payablesGrid',
  permission: 'payables.view',
  transactional: false,
  input: exportGridInput,
  async run(ctx, input): Promise<GridExportResult> {
    const file = checkTarget(input.out, input.overwrite ?? false);
    const set = await decidedPayables(ctx, { currency: input.currency, search: input.search });
    const filter = payablesFilterOf(input);
    // An amount is only a number next to its currency: the currency column is always written.
    const columns: GridColumn[] = input.columns.some((c) => AMOUNT_COLUMNS.has(c))
      ? input.columns.includes('currency')
        ? input.columns
        : [...input.columns, 'currency']
      : input.columns;
    const total = set.page({ ...input, offset: 0, limit: 1 }, filter).total;
    const now = ctx.now;
    const metadata = {
      grid: 'payables',
      generatedAt: now.toISOString(),
      generatedBy: { operatorId: ctx.actor.operatorId, username: ctx.actor.username },
      appVersion: appVersion(),
      filters: {
        search: input.search?.trim() || null,
        currency: input.currency ?? null,
        eligible: input.eligible ?? null,
        ...(input.filters ?? {}),
      },
      sort: input.sort ?? null,
      columns,
      amounts:
        'exact decimal strings in major units of the currency named in the row; parse with the currency exponent (ISO 4217)',
      rowCount: total,
    };
    let rowCount = 0;
    const sums = new Map<string, { column: string; currency: string; rows: number; sum: bigint }>();
    const amountColumns = columns.filter((c) => AMOUNT_COLUMNS.has(c)) as (
      'pendingMinor' | 'payableMinor'
    )[];
    const written = await writeWholeFile(
      file,
      { overwrite: input.overwrite ?? false, lost: 'nothing was exported' },
      async (sink) => {
        await sink.write(
          (input.bom ? '\uFEFF' : '') +
            `# ${JSON.stringify(metadata)}\r\n` +
            columns.map(csvField).join(',') +
            '\r\n',
        );
        ctx.progress({ phase: 'exporting', done: 0, total });
        for (const slice of set.slices(input, filter, SLICE)) {
          let text = '';
          for (const row of slice) {
            for (const c of amountColumns) {
              const key = `${c}|${row.currency}`;
              const t = sums.get(key) ?? { column: c, currency: row.currency, rows: 0, sum: 0n };
              t.rows++;
              t.sum += BigInt(row[c]);
              sums.set(key, t);
            }
            text +=
              columns
                .map((c) =>
                  AMOUNT_COLUMNS.has(c) ? CELLS[c](row) : csvField(neutraliseCell(CELLS[c](row))),
                )
                .join(',') + '\r\n';
          }
          await sink.write(text);
          rowCount += slice.length;
          ctx.progress({ phase: 'exporting', done: rowCount, total });
        }
        // Audited before the file is put in place: a file nobody can account for never exists.
        await ctx.store.db.transaction(async (tx) => {
          await appendAudit(
            tx,
            {
              commandId: ctx.commandId,
              ip: ctx.call.ip,
              workstationId: ctx.workstationId,
              operatorId: ctx.actor.operatorId,
              decision: 'allowed',
              at: now,
            },
            [
              {
                action: 'export.payablesGrid',
                entityType: 'export',
                entityId: file,
                after: { grid: 'payables', file, rowCount, filters: metadata.filters, columns },
              },
            ],
          );
        });
      },
    );
    return {
      report: 'payablesGrid',
      file,
      format: 'csv',
      rowCount,
      columns,
      totals: [...sums.values()]
        .sort((a, b) =>
          a.column === b.column
            ? a.currency.localeCompare(b.currency)
            : a.column.localeCompare(b.column),
        )
        .map((t) => ({
          column: t.column,
          currency: t.currency,
          group: null,
          rows: t.rows,
          amount: formatAmount(t.sum, t.currency),
        })),
      sha256: null,
      fileSha256: written.sha256,
      bytes: written.bytes,
    };
  },
});
