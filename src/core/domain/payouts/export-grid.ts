/**
 * "Export this grid" on payout history: every payout matching the grid's filters (exactly the
 * `payouts.page` filter model and query, so the file holds the rows the grid pages through — not
 * only the blocks it has loaded), in the grid's sort, with the columns the operator sees in their
 * order. The file's shape (metadata line, exact amounts next to their currency, audit before the
 * file is in place) is every grid's: reports/grid-export.ts.
 *
 * Read set-based: counted, then read through a server-side cursor a slice at a time, in one
 * read-only snapshot, so the count in the metadata is the rows written and memory holds one slice
 * whatever the history's size.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/central/store.js';
import { defineCommand } from '../../platform/kernel/router.js';
import {
  gridFileFields,
  writeGridFile,
  type GridExportResult,
  type GridFile,
} from '../reports/grid-export.js';
import {
  countPayouts,
  payoutRowOf,
  payoutsPageInput,
  payoutsQuery,
  type PayoutQueryRow,
  type PayoutRow,
} from './page.js';

/** The grid's columns as the file names them, and how each cell is written. */
const CELLS = {
  id: (r) => r.id,
  createdAt: (r) => r.createdAt,
  batchNumber: (r) => r.batchNumber,
  affiliateId: (r) => r.affiliateId,
  affiliateName: (r) => r.affiliateName,
  amountMinor: (r) => r.amountMinor,
  currency: (r) => r.currency,
  provider: (r) => r.provider,
  status: (r) => r.status,
  providerReference: (r) => r.providerReference ?? '',
  attempts: (r) => String(r.attempts),
  failureCode: (r) => r.failureCode ?? '',
  // The grid's "Last error" column: the failure in words, else the provider's last error.
  failureMessage: (r) => r.failureMessage ?? r.lastError ?? '',
  updatedAt: (r) => r.updatedAt,
} satisfies Record<string, (r: PayoutRow) => string>;
type GridColumn = keyof typeof CELLS;
export const PAYOUTS_GRID_COLUMNS = Object.keys(CELLS) as [GridColumn, ...GridColumn[]];

const PAYOUTS_FILE: GridFile<PayoutRow, GridColumn> = {
  grid: 'payouts',
  action: 'export.payoutsGrid',
  cells: CELLS,
  amounts: { amountMinor: (r) => r.amountMinor },
};

/** Rows fetched from the cursor and written per slice. */
const SLICE = 2000;
const CURSOR = 'treasury_payouts_grid';

/** The page's own filters and sort (its schema, without the page window), and the file's fields. */
export const exportPayoutsGridInput = payoutsPageInput
  .omit({ offset: true, limit: true })
  .extend(gridFileFields(PAYOUTS_GRID_COLUMNS));

export const exportPayoutsGrid = defineCommand({
  name: 'export.payoutsGrid',
  permission: 'payables.view',
  transactional: false,
  input: exportPayoutsGridInput,
  async run(ctx, input): Promise<GridExportResult> {
    const { columns: _c, out: _o, overwrite: _w, bom: _b, sort, ...filterInput } = input;
    const filters = {
      search: filterInput.search?.trim() || null,
      status: filterInput.status ?? null,
      provider: filterInput.provider ?? null,
      currency: filterInput.currency ?? null,
      batch: filterInput.batch ?? null,
      affiliateId: filterInput.affiliateId ?? null,
      failureCode: filterInput.failureCode ?? null,
      from: filterInput.from ?? null,
      to: filterInput.to ?? null,
    };
    return writeGridFile(ctx, PAYOUTS_FILE, { ...input, filters, sort }, (grid) =>
      ctx.store.db.transaction(
        async (tx) => {
          await grid.begin(await countPayouts(tx, filterInput));
          await tx.execute(
            sql`DECLARE ${sql.raw(CURSOR)} NO SCROLL CURSOR FOR ${payoutsQuery({ ...filterInput, sort })}`,
          );
          for (;;) {
            const slice = await rows<PayoutQueryRow>(
              tx,
              sql`FETCH FORWARD ${sql.raw(String(SLICE))} FROM ${sql.raw(CURSOR)}`,
            );
            if (slice.length > 0) await grid.write(slice.map(payoutRowOf));
            if (slice.length < SLICE) break;
          }
          await tx.execute(sql`CLOSE ${sql.raw(CURSOR)}`);
        },
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      ),
    );
  },
});
