/**
 * "Export this grid" on payout history: every payout matching the grid's filters (exactly the
 * `payouts.page` filter model and query, so the file holds the rows the grid pages through — not
 * only the blocks it has loaded), in the grid's sort, with the columns the operator sees in their
 * order. The file's shape (metadata line, exact amounts next to their currency, audit before the
 * file is in place) is every grid's: reports/grid-export.ts.
 *
 * Read set-based, a slice at a time, so memory holds one slice whatever the history's size, and
 * the count in the metadata is the rows written (one snapshot):
 * - PostgreSQL: counted, then read through a server-side cursor in one read-only snapshot.
 * - The embedded store (one connection): each slice in its own short read-only transaction, so the
 *   console's calls run between slices instead of waiting for the whole export; the first fixes an
 *   xmin and every slice checks that no source table was written since (central/changes.ts). If
 *   one was (a batch executing meanwhile), the file is dropped and written again once the writers
 *   are idle — at the third try, or with no writer to wait for, in one snapshot, which always ends.
 */
import { sql } from 'drizzle-orm';
import { changedSince, snapshotXmin } from '../../platform/central/changes.js';
import { rows, type CentralStore } from '../../platform/central/store.js';
import { defineCommand } from '../../platform/kernel/router.js';
import {
  gridFileFields,
  writeGridFile,
  type GridExportResult,
  type GridFile,
} from '../reports/grid-export.js';
import { SnapshotLost } from '../reports/read-report.js';
import {
  countPayouts,
  payoutRowOf,
  payoutsPageInput,
  payoutsQuery,
  type PayoutQueryRow,
  type PayoutRow,
  type PayoutsPageInput,
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
    const query = { ...filterInput, sort };
    const write = (oneSnapshot: boolean) =>
      writeGridFile(ctx, PAYOUTS_FILE, { ...input, filters, sort }, (grid) =>
        oneSnapshot || ctx.store.kind !== 'pglite'
          ? readInOneSnapshot(ctx.store, grid, query)
          : readInSlices(ctx.store, grid, query),
      );
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(false);
      } catch (error) {
        if (!(error instanceof SnapshotLost)) throw error;
        if (attempt < 3 && ctx.store.lanes.busyWriting()) {
          await ctx.store.lanes.writersIdle();
          continue;
        }
        return write(true);
      }
    }
  },
});

type Query = Omit<PayoutsPageInput, 'offset' | 'limit'>;
type Grid = Parameters<Parameters<typeof writeGridFile<PayoutRow, GridColumn>>[3]>[0];
const READ_ONLY = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;
/** The tables payoutsQuery reads that the change log follows (payout_attempts changes with payouts). */
const SOURCES = ['payouts', 'payout_batches', 'affiliates'];

/** Counted, then read through a cursor, in one read-only snapshot. */
function readInOneSnapshot(store: CentralStore, grid: Grid, query: Query): Promise<void> {
  return store.db.transaction(async (tx) => {
    await grid.begin(await countPayouts(tx, query));
    await tx.execute(sql`DECLARE ${sql.raw(CURSOR)} NO SCROLL CURSOR FOR ${payoutsQuery(query)}`);
    for (;;) {
      const slice = await rows<PayoutQueryRow>(
        tx,
        sql`FETCH FORWARD ${sql.raw(String(SLICE))} FROM ${sql.raw(CURSOR)}`,
      );
      if (slice.length > 0) await grid.write(slice.map(payoutRowOf));
      if (slice.length < SLICE) break;
    }
    await tx.execute(sql`CLOSE ${sql.raw(CURSOR)}`);
  }, READ_ONLY);
}

/**
 * Slice after slice, each its own short transaction (the order ends in p.id, so the slices follow
 * one another exactly while nothing changes); SnapshotLost when a source changed since the first.
 */
async function readInSlices(store: CentralStore, grid: Grid, query: Query): Promise<void> {
  const xmin = await store.db.transaction(async (tx) => {
    const at = await snapshotXmin(tx);
    await grid.begin(await countPayouts(tx, query));
    return at;
  }, READ_ONLY);
  for (let offset = 0; ; offset += SLICE) {
    await store.lanes.quiet(); // the console's calls first (central/lanes.ts)
    const slice = await store.db.transaction(async (tx) => {
      const read = await rows<PayoutQueryRow>(
        tx,
        sql`${payoutsQuery(query)} LIMIT ${SLICE} OFFSET ${offset}`,
      );
      if (await changedSince(tx, xmin, SOURCES))
        throw new SnapshotLost(`payouts: ${SOURCES.join(', ')} changed during the export`);
      return read;
    }, READ_ONLY);
    if (slice.length > 0) await grid.write(slice.map(payoutRowOf));
    if (slice.length < SLICE) break;
  }
}
