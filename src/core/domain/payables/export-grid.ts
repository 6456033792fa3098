/**
 * "Export this grid" on payables: every row matching the grid's filters (the same filter model as
 * `payables.page`, over the same kept decided set, so the file holds exactly the rows the grid
 * pages through — not only the blocks it has loaded), in the grid's sort, with the columns the
 * operator sees in their order. CSV: a first line `# {metadata}` (the filters, sort, columns,
 * operator, time, row count — as the report exports' JSON metadata), then RFC 4180 records with a
 * header. Amounts as exact decimal strings in major units, next to a currency column.
 *
 * Whole or nothing, audited as `export.payablesGrid` before the file is put in place: what every
 * grid's export shares is reports/grid-export.ts.
 */
import { z } from 'zod';
import { defineCommand } from '../../platform/kernel/router.js';
import { pageFields } from '../../platform/query/paging.js';
import {
  gridFileFields,
  writeGridFile,
  type GridExportResult,
  type GridFile,
} from '../reports/grid-export.js';
import { decidedPayables } from './decided.js';
import {
  checkPayablesFilters,
  PAYABLES_SORT,
  payablesFilterFields,
  payablesFilterOf,
  type PayablesPageRow,
} from './payables.js';

export type { GridExportResult } from '../reports/grid-export.js';

/** The grid's columns as the file names them, and how each cell is written. */
const CELLS = {
  affiliateId: (r) => r.affiliateId,
  name: (r) => r.name,
  status: (r) => r.status,
  currency: (r) => r.currency,
  pendingMinor: (r) => r.pendingMinor,
  payableMinor: (r) => r.payableMinor,
  commissions: (r) => String(r.commissions),
  eligible: (r) => (r.eligible ? 'yes' : 'no'),
  reason: (r) => r.reasons.join('; '),
  provider: (r) => r.provider ?? '',
  nextPayoutDate: (r) => r.nextPayoutDate ?? '',
} satisfies Record<string, (r: PayablesPageRow) => string>;
type GridColumn = keyof typeof CELLS;
export const PAYABLES_GRID_COLUMNS = Object.keys(CELLS) as [GridColumn, ...GridColumn[]];

const PAYABLES_FILE: GridFile<PayablesPageRow, GridColumn> = {
  grid: 'payables',
  action: 'export.payablesGrid',
  cells: CELLS,
  amounts: { pendingMinor: (r) => r.pendingMinor, payableMinor: (r) => r.payableMinor },
};

/** Rows written per slice (each slice is written and awaited before the next is cut). */
const SLICE = 2000;

const { sort, search } = pageFields(PAYABLES_SORT);

export const exportGridInput = z
  .strictObject({
    ...payablesFilterFields,
    search,
    sort,
    ...gridFileFields(PAYABLES_GRID_COLUMNS),
  })
  .superRefine(checkPayablesFilters);

export const exportPayablesGrid = defineCommand({
  name: 'export.payablesGrid',
  permission: 'payables.view',
  transactional: false,
  input: exportGridInput,
  async run(ctx, input): Promise<GridExportResult> {
    const set = await decidedPayables(ctx, { currency: input.currency, search: input.search });
    const filter = payablesFilterOf(input);
    const total = set.page({ ...input, offset: 0, limit: 1 }, filter).total;
    const filters = {
      search: input.search?.trim() || null,
      currency: input.currency ?? null,
      eligible: input.eligible ?? null,
      ...(input.filters ?? {}),
    };
    return writeGridFile(
      ctx,
      PAYABLES_FILE,
      { ...input, filters, sort: input.sort },
      async (rows) => {
        await rows.begin(total);
        for (const slice of set.slices(input, filter, SLICE)) await rows.write(slice);
      },
    );
  },
});
