/**
 * Saved views of the console's grids: an operator names the state of a grid (its filters, sort,
 * column order, widths and hidden columns, and what the view itself filters by: search, currency)
 * and applies it again later. Kept in this workstation's encrypted cache (`saved_views`), per
 * operator and grid, so they work offline and outlive a restart of the console; answered by the
 * workstation like its other own calls, and journaled with them.
 *
 * The state is the console's to interpret (each grid checks its own filter model when it sends
 * it to its query); here it is only bounded in shape and size.
 */
import { z } from 'zod';
import { defineCommand, defineQuery } from '../platform/kernel/router.js';
import { TreasuryError } from '../shared/errors.js';
import type { WorkstationContext } from './workstation-context.js';

/** A saved view's state at most (JSON text): a grid's filter model and a hundred columns fit. */
const MAX_STATE_CHARS = 64_000;

const gridId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a grid name such as "payables" (a-z, 0-9, -)');
const viewName = z
  .string()
  .trim()
  .min(1, 'give the view a name')
  .max(80, 'at most 80 characters')
  .refine((n) => n.toLowerCase() !== 'all rows', '"All rows" is the grid without a view');

const colId = z.string().min(1).max(100);

export const viewStateInput = z
  .strictObject({
    /** The grid's column filter model, as the grid keeps it. */
    filters: z.record(colId, z.unknown()),
    sort: z
      .array(z.strictObject({ colId, sort: z.enum(['asc', 'desc'], "must be 'asc' or 'desc'") }))
      .max(20),
    /** Columns in their order, with their width and whether hidden. */
    columns: z
      .array(
        z.strictObject({
          colId,
          width: z.number().int('must be whole pixels').min(10).max(5000).optional(),
          hide: z.boolean().optional(),
        }),
      )
      .max(200),
    /** What the view filters by outside the grid (its search box, its currency). */
    extra: z.record(z.string().max(40), z.string().max(200)).optional(),
  })
  .refine(
    (s) => JSON.stringify(s).length <= MAX_STATE_CHARS,
    `a view holds at most ${MAX_STATE_CHARS.toLocaleString('en-US')} characters of grid state`,
  );
export type ViewState = z.infer<typeof viewStateInput>;

export interface SavedView {
  name: string;
  state: ViewState;
  updatedAt: string;
}

export interface SavedViews {
  views: SavedView[];
  /** The view the grid opens with (the last one applied), null for "All rows". */
  lastUsed: string | null;
  /** Where the views are kept. */
  store: 'local-cache';
}

interface ViewRow {
  name: string;
  state: string;
  // The cache's connection reads integers as bigint (safe integers).
  updated_at: number | bigint;
  last_used_at: number | bigint | null;
}

function listViews(ctx: WorkstationContext, grid: string): SavedViews {
  const rows = ctx.cache.sqlite
    .prepare(
      'SELECT name, state, updated_at, last_used_at FROM saved_views WHERE operator_id = ? AND grid_id = ? ORDER BY name COLLATE NOCASE',
    )
    .all(ctx.actor.operatorId, grid) as ViewRow[];
  // The last applied view, unless "All rows" was applied after it (a marker row, see useView).
  let last: ViewRow | null = null;
  for (const r of rows)
    if (r.last_used_at !== null && (last === null || r.last_used_at > last.last_used_at!)) last = r;
  return {
    views: rows
      .filter((r) => r.name !== ALL_ROWS)
      .map((r) => ({
        name: r.name,
        state: JSON.parse(r.state) as ViewState,
        updatedAt: new Date(Number(r.updated_at)).toISOString(),
      })),
    lastUsed: last && last.name !== ALL_ROWS ? last.name : null,
    store: 'local-cache',
  };
}

/** "All rows" applied is remembered as a row of its own (never listed), so it can be the last. */
const ALL_ROWS = '';

/** Marks `name` (ALL_ROWS: no view) as the grid's last applied view. */
function useView(ctx: WorkstationContext, grid: string, name: string): void {
  const at = ctx.now.getTime();
  if (name === ALL_ROWS)
    ctx.cache.sqlite
      .prepare(
        `INSERT INTO saved_views (operator_id, grid_id, name, state, updated_at, last_used_at) VALUES (?, ?, '', '{}', ?, ?)
         ON CONFLICT (operator_id, grid_id, name) DO UPDATE SET last_used_at = excluded.last_used_at`,
      )
      .run(ctx.actor.operatorId, grid, at, at);
  else {
    const r = ctx.cache.sqlite
      .prepare(
        'UPDATE saved_views SET last_used_at = ? WHERE operator_id = ? AND grid_id = ? AND name = ?',
      )
      .run(at, ctx.actor.operatorId, grid, name);
    if (r.changes === 0) throw new TreasuryError('NOT_FOUND', `there is no view "${name}" here`);
  }
}

export const VIEW_CALLS = [
  defineQuery({
    name: 'views.list',
    permission: 'signed_in',
    input: z.strictObject({ grid: gridId }),
    run: async (ctx: WorkstationContext, input): Promise<SavedViews> => listViews(ctx, input.grid),
  }),
  // Saves (or replaces) a view by name; it becomes the grid's last used.
  defineCommand({
    name: 'views.save',
    permission: 'signed_in',
    input: z.strictObject({ grid: gridId, name: viewName, state: viewStateInput }),
    run: async (ctx: WorkstationContext, input): Promise<SavedViews> => {
      const at = ctx.now.getTime();
      ctx.cache.sqlite
        .prepare(
          `INSERT INTO saved_views (operator_id, grid_id, name, state, updated_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (operator_id, grid_id, name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
             last_used_at = excluded.last_used_at`,
        )
        .run(ctx.actor.operatorId, input.grid, input.name, JSON.stringify(input.state), at, at);
      return listViews(ctx, input.grid);
    },
  }),
  // Applying a view (or "All rows": no name) makes it the one the grid opens with next time.
  defineCommand({
    name: 'views.use',
    permission: 'signed_in',
    input: z.strictObject({ grid: gridId, name: viewName.nullable() }),
    run: async (ctx: WorkstationContext, input): Promise<SavedViews> => {
      useView(ctx, input.grid, input.name ?? ALL_ROWS);
      return listViews(ctx, input.grid);
    },
  }),
  defineCommand({
    name: 'views.delete',
    permission: 'signed_in',
    input: z.strictObject({ grid: gridId, name: viewName }),
    run: async (ctx: WorkstationContext, input): Promise<SavedViews> => {
      const wasLast = listViews(ctx, input.grid).lastUsed === input.name;
      const r = ctx.cache.sqlite
        .prepare('DELETE FROM saved_views WHERE operator_id = ? AND grid_id = ? AND name = ?')
        .run(ctx.actor.operatorId, input.grid, input.name);
      if (r.changes === 0)
        throw new TreasuryError('NOT_FOUND', `there is no view "${input.name}" to delete`);
      // The grid then opens with all its rows, not with an older view.
      if (wasLast) useView(ctx, input.grid, ALL_ROWS);
      return listViews(ctx, input.grid);
    },
  }),
] as const;
