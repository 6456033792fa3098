/**
 * The preview: one row per affiliate with what a batch created now would pay, or why it would not.
 * Paged at the source: the grid asks the workstation for a block of rows at a time, sorted and
 * filtered there (batch.previewPage), so the page never holds 100,000 preview rows. Eligible rows
 * carry an "include" tick (Space toggles it from the keyboard); unticking one adds it to the
 * operator's short list of rows left out, which create takes as is. Excluded rows cannot be ticked:
 * their reasons say why. An amount sent in several transfers (above its channel's maximum) says
 * "3 parts" beside it, and the parts' amounts on hover. A payout at or above its high-value threshold
 * is marked: it makes the batch need two approvals.
 */
import type { CellKeyDownEvent, ICellRendererParams } from 'ag-grid-community';
import type { AgGridReact } from 'ag-grid-react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { CallInput } from '../../../../core/host/bridge/contract';
import { call } from '../../api';
import {
  Grid,
  moneyColumn,
  pagedRows,
  usePagedDatasource,
  type ColDef,
} from '../../components/Grid';
import { count, money } from '../../format';
import { reasonsLabel } from '../payables/reasons';
import { partsBadge, partsSummary } from './parts';
import type { PreviewInput, PreviewRow } from './types';

/** The same object every render (a new one makes AG Grid rebuild its columns). */
const COLUMN_DEFAULTS = { filter: false };

type Show = NonNullable<CallInput<'batch.previewPage'>['show']>;
type SortField = NonNullable<CallInput<'batch.previewPage'>['sort']>['field'];
const SORTABLE: readonly string[] = [
  'affiliateId',
  'name',
  'eligible',
  'amountMinor',
  'commissionCount',
  'heldCount',
  'provider',
  'channelCode',
];
const BLOCK = 200;

export interface PreviewGridProps {
  input: PreviewInput;
  show: Show;
  search: string;
  leftOut: ReadonlyMap<string, PreviewRow>;
  onToggle(row: PreviewRow): void;
  onPage(page: { total: number }): void;
  onError(error: unknown): void;
}

function IncludeCell(
  p: ICellRendererParams<PreviewRow> & {
    leftOut: ReadonlyMap<string, PreviewRow>;
    onToggle(row: PreviewRow): void;
  },
) {
  const row = p.data;
  if (!row) return null;
  return (
    <input
      type="checkbox"
      aria-label={`Include ${row.affiliateId}`}
      checked={row.eligible && !p.leftOut.has(row.affiliateId)}
      disabled={!row.eligible}
      title={row.eligible ? 'Include in the batch' : `Excluded: ${reasonsLabel(row.reasons)}`}
      onChange={() => p.onToggle(row)}
      data-testid="builder-include"
    />
  );
}

/** The amount, with "3 parts" before it when the provider takes it as several transfers. */
function PaysCell(p: ICellRendererParams<PreviewRow>) {
  const badge = partsBadge(p.data?.parts);
  return (
    <>
      {badge && (
        <span className="parts-badge" data-testid="builder-parts">
          {badge}
        </span>
      )}
      {p.valueFormatted ?? ''}
    </>
  );
}

/** An eligible payout at or above its high-value threshold: it makes the batch need 2 approvals. */
function HighValueCell(p: ICellRendererParams<PreviewRow>) {
  if (!p.data?.highValue) return null;
  return (
    <span
      className="status tone-warn"
      data-testid="builder-high-value"
      title="At or above its currency's high-value threshold: the batch needs two approvers allowed to approve high-value batches"
    >
      high value · 2 approvals
    </span>
  );
}

/** High-value rows that would be paid stand out in the grid. */
const ROW_CLASS_RULES = {
  'high-value-row': (p: { data?: PreviewRow }) => !!p.data?.eligible && !!p.data.highValue,
};

export function PreviewGrid({
  input,
  show,
  search,
  leftOut,
  onToggle,
  onPage,
  onError,
}: PreviewGridProps) {
  const datasource = usePagedDatasource(
    (request) => {
      const sort =
        request.sort && SORTABLE.includes(request.sort.field)
          ? { field: request.sort.field as SortField, dir: request.sort.dir }
          : undefined;
      return call('batch.previewPage', {
        ...input,
        offset: request.offset,
        limit: request.limit,
        show,
        ...(search.trim() ? { search: search.trim() } : {}),
        ...(sort ? { sort } : {}),
      });
    },
    { onPage, onError },
    [JSON.stringify(input), show, search],
  );
  const columns = useMemo<ColDef<PreviewRow>[]>(
    () => [
      {
        colId: 'include',
        headerName: 'Include',
        width: 90,
        pinned: 'left',
        sortable: false,
        cellRenderer: IncludeCell,
        cellRendererParams: { leftOut, onToggle },
      },
      { field: 'affiliateId', headerName: 'Affiliate', width: 120 },
      { field: 'name', headerName: 'Name', flex: 1, minWidth: 150 },
      {
        field: 'eligible',
        headerName: 'Eligibility',
        width: 110,
        // Words, not AG Grid's inferred boolean checkbox (which would look like a second
        // "include").
        cellDataType: false,
        valueFormatter: (p) => (p.value === undefined ? '' : p.value ? 'included' : 'excluded'),
        cellClassRules: { ok: (p) => p.value === true, warning: (p) => p.value === false },
      },
      {
        field: 'reasons',
        headerName: 'Why excluded',
        flex: 1,
        minWidth: 190,
        sortable: false,
        valueFormatter: (p) => reasonsLabel(p.value as string[]),
        tooltipValueGetter: (p) => reasonsLabel(p.value as string[]),
      },
      moneyColumn<PreviewRow>('amountMinor', 'Pays', 'currency', {
        width: 215,
        cellRenderer: PaysCell,
        tooltipValueGetter: (p) => (p.data ? partsSummary(p.data.parts, p.data.currency) : ''),
      }),
      {
        field: 'commissionCount',
        headerName: 'Commissions',
        width: 115,
        type: 'rightAligned',
        cellClass: 'num',
        valueFormatter: (p) => count(p.value as number),
      },
      {
        field: 'heldCount',
        headerName: 'On hold',
        width: 90,
        type: 'rightAligned',
        cellClass: 'num',
        valueFormatter: (p) => count(p.value as number),
      },
      { field: 'provider', headerName: 'Provider', width: 95 },
      { field: 'channelCode', headerName: 'Channel', width: 110 },
      { field: 'fxRate', headerName: 'FX rate', width: 100, cellClass: 'num', sortable: false },
      {
        headerName: 'Owed before FX',
        field: 'sourceAmountMinor',
        width: 150,
        type: 'rightAligned',
        cellClass: 'amount muted',
        sortable: false,
        // Shown only when paid in another currency than earned (the FX case).
        valueFormatter: (p) =>
          p.data && p.data.sourceCurrency !== p.data.currency
            ? money(p.data.sourceAmountMinor, p.data.sourceCurrency)
            : '',
      },
      {
        field: 'highValue',
        headerName: 'High value',
        width: 140,
        cellDataType: false,
        sortable: false,
        cellRenderer: HighValueCell,
      },
    ],
    [leftOut, onToggle],
  );
  // The ticks follow the operator's list of rows left out (the rows themselves stay as loaded).
  const grid = useRef<AgGridReact<PreviewRow>>(null);
  useEffect(
    () => grid.current?.api?.refreshCells({ columns: ['include'], force: true }),
    [leftOut],
  );
  // Space on a row toggles its tick, as AG Grid's own selection did.
  const onCellKeyDown = useCallback(
    (e: CellKeyDownEvent<PreviewRow>) => {
      if ((e.event as KeyboardEvent | null)?.key === ' ' && e.data?.eligible) {
        e.event?.preventDefault();
        onToggle(e.data);
      }
    },
    [onToggle],
  );
  return (
    <Grid<PreviewRow>
      ref={grid}
      testId="builder-preview-grid"
      columnDefs={columns}
      defaultColDef={COLUMN_DEFAULTS}
      {...pagedRows(datasource, BLOCK)}
      getRowId={(p) => p.data.affiliateId}
      rowClassRules={ROW_CLASS_RULES}
      onCellKeyDown={onCellKeyDown}
      tooltipShowDelay={400}
      localeText={{ noRowsToShow: 'No affiliate matches' }}
    />
  );
}
