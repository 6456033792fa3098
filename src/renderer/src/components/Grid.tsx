/**
 * AG Grid (community) as the console uses it everywhere: one theme, amounts right-aligned and
 * formatted per currency, keyboard navigation on (AG Grid's own), and for large sets the infinite
 * row model: blocks of rows are fetched through the bridge as the operator scrolls, sorts or
 * filters — the renderer never holds more than the blocks in its cache.
 */
import {
  AllCommunityModule,
  ModuleRegistry,
  themeQuartz,
  type ColDef,
  type GridApi,
  type IDatasource,
  type SortModelItem,
} from 'ag-grid-community';
import { AgGridReact, type AgGridReactProps } from 'ag-grid-react';
import { forwardRef, useLayoutEffect, useMemo, useState, type DependencyList } from 'react';
import { money } from '../format';
import { compareAmounts, SORTED_WITHIN_CURRENCY } from './amountOrder';

ModuleRegistry.registerModules([AllCommunityModule]);

/**
 * Quartz with its colours taken from the page's CSS variables (styles.css): AG Grid writes them
 * into its own CSS as given, and mixes its derived colours (stripes, header, borders' shades) from
 * them with color-mix, so the grid follows light and dark the moment <html data-theme> changes —
 * no second theme object to swap, and no grid rebuilt.
 */
export const gridTheme = themeQuartz.withParams({
  fontSize: 13,
  headerFontSize: 13,
  rowHeight: 32,
  headerHeight: 36,
  spacing: 6,
  fontFamily: 'inherit',
  backgroundColor: 'var(--panel)',
  foregroundColor: 'var(--ink)',
  borderColor: 'var(--line)',
  accentColor: 'var(--accent)',
  chromeBackgroundColor: 'var(--bg)',
  rowHoverColor: 'var(--hover)',
  selectedRowBackgroundColor: 'var(--selected)',
  // The scrollbars and form controls inside the grid follow the page's color-scheme.
  browserColorScheme: 'inherit',
});

/** An amount column: minor units in `field`, the currency in `currencyField` (or a fixed code). */
export function moneyColumn<T>(
  field: string,
  headerName: string,
  currencyField = 'currency',
  extra: Partial<ColDef<T>> = {},
): ColDef<T> {
  // A fixed code ('USD') or the name of the row's currency field.
  const fixedCurrency = /^[A-Z]{3}$/.test(currencyField);
  const currencyOf = (data: unknown): string | null =>
    fixedCurrency
      ? currencyField
      : ((data as Record<string, string> | undefined)?.[currencyField] ?? null);
  return {
    // AG Grid types `field` as a path of T; these helpers take the column's name as plain text.
    field: field as never,
    headerName,
    type: 'rightAligned',
    cellClass: 'amount',
    // Amounts are strings of minor units: sort them as integers, never as floats, and only within
    // their currency (amountOrder.ts) — raw minor units of two currencies do not compare.
    comparator: (a: string | null, b: string | null, nodeA, nodeB, isDescending: boolean) =>
      compareAmounts(
        { minor: a, currency: currencyOf(nodeA?.data) },
        { minor: b, currency: currencyOf(nodeB?.data) },
        isDescending,
      ),
    headerTooltip: fixedCurrency ? headerName : `${headerName} — ${SORTED_WITHIN_CURRENCY}`,
    valueFormatter: (p) => money(p.value as string | null, currencyOf(p.data)),
    filter: false,
    ...extra,
  };
}

export interface PageRequest {
  offset: number;
  limit: number;
  sort?: { field: string; dir: 'asc' | 'desc' };
  filterModel: Record<string, unknown>;
}

/**
 * A datasource for the infinite row model over a paged query: AG Grid asks for rows
 * [startRow, endRow) with its sort and filter model; we ask the bridge for exactly that page.
 */
export function pagedDatasource<Row>(
  fetchPage: (request: PageRequest) => Promise<{ total: number; rows: Row[] }>,
  onError?: (error: unknown) => void,
): IDatasource {
  return {
    getRows(params) {
      const sort: SortModelItem | undefined = params.sortModel[0];
      fetchPage({
        offset: params.startRow,
        limit: params.endRow - params.startRow,
        ...(sort ? { sort: { field: sort.colId, dir: sort.sort } } : {}),
        filterModel: params.filterModel as Record<string, unknown>,
      })
        .then((page) => params.successCallback(page.rows, page.total))
        .catch((error: unknown) => {
          onError?.(error);
          params.failCallback();
        });
    },
  };
}

/**
 * `pagedDatasource` rebuilt whenever `deps` change (a new search, currency, filter: AG Grid starts
 * over from the first block), whose `onPage` and `onError` hear only the answers of the datasource
 * the grid uses now. A slow answer for a superseded one still arrives — AG Grid drops its rows
 * itself — but it must not put another filter's row count or totals next to the grid.
 *
 * The datasource is state, built again in the render whose `deps` differ from those it was built
 * for (compared one by one, as React compares a hook's dependencies): information kept from
 * previous renders, which a memo would be free to forget. A datasource hears its answers while it
 * is committed (a layout effect, not during render: StrictMode builds twice and keeps one build,
 * and a datasource of an interrupted render never reaches the grid), until the next one is, or
 * the grid is gone.
 */
export function usePagedDatasource<Page extends { total: number; rows: unknown[] }>(
  fetchPage: (request: PageRequest) => Promise<Page>,
  handlers: { onPage?(page: Page, request: PageRequest): void; onError?(error: unknown): void },
  deps: DependencyList,
): IDatasource {
  // The callers' deps decide when the query changed (fetchPage and handlers are new each render):
  // a datasource keeps those of the render that built it.
  const build = () => {
    let live = false;
    const datasource = pagedDatasource<Page['rows'][number]>(
      async (request) => {
        const page = await fetchPage(request);
        if (live) handlers.onPage?.(page, request);
        return page;
      },
      (error) => live && handlers.onError?.(error),
    );
    const commit = () => {
      live = true;
      return () => {
        live = false;
      };
    };
    return { deps, datasource, commit };
  };
  const [built, setBuilt] = useState(build);
  let current = built;
  if (!sameDeps(built.deps, deps)) {
    current = build();
    setBuilt(current);
  }
  const { datasource, commit } = current;
  useLayoutEffect(commit, [commit]);
  return datasource;
}

/** Object.is over each dependency, as React compares them. */
function sameDeps(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((d, i) => Object.is(d, b[i]));
}

/**
 * The infinite row model as the console's paged grids use it: blocks of `block` rows fetched
 * through `datasource`, at most 50 blocks kept, two requests in flight.
 */
export function pagedRows(datasource: IDatasource, block: number) {
  return {
    rowModelType: 'infinite',
    datasource,
    cacheBlockSize: block,
    maxBlocksInCache: 50,
    maxConcurrentDatasourceRequests: 2,
    infiniteInitialRowCount: block,
  } as const;
}

export type GridProps<T> = AgGridReactProps<T> & { height?: number | string; testId?: string };

/**
 * A cell's whole text on hover, as the cell shows it (its formatted value): a narrow column
 * truncates, the tooltip does not. Columns with their own tooltip keep it.
 */
export function textTooltip(p: { valueFormatted?: string | null; value?: unknown }) {
  if (typeof p.valueFormatted === 'string' && p.valueFormatted !== '') return p.valueFormatted;
  return typeof p.value === 'string' && p.value !== '' ? p.value : undefined;
}

/** How long the pointer rests on a cell before its tooltip shows. */
export const TOOLTIP_DELAY_MS = 400;

/**
 * The console's grid: themed, keyboard-navigable, sized by its container unless a height is given.
 */
export const Grid = forwardRef(function Grid<T>(
  { height = '100%', testId, defaultColDef, ...props }: GridProps<T>,
  ref: React.Ref<AgGridReact<T>>,
) {
  // The same object while the caller's is the same: a new one each render made AG Grid rebuild
  // every column on each render (the payables grid's first rows waited for it twice).
  const columnDefaults = useMemo(
    () => ({
      sortable: true,
      resizable: true,
      filter: true,
      minWidth: 90,
      tooltipValueGetter: textTooltip,
      ...defaultColDef,
    }),
    [defaultColDef],
  );
  return (
    <div style={{ height, width: '100%' }} data-testid={testId} className="grid">
      <AgGridReact<T>
        ref={ref}
        theme={gridTheme}
        animateRows={false}
        suppressCellFocus={false}
        enableCellTextSelection
        tooltipShowDelay={TOOLTIP_DELAY_MS}
        defaultColDef={columnDefaults}
        {...props}
      />
    </div>
  );
}) as <T>(props: GridProps<T> & { ref?: React.Ref<AgGridReact<T>> }) => React.ReactElement;

export type { ColDef, GridApi };
