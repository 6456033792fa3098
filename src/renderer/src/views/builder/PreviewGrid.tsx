/**
 * The preview: one row per affiliate with what a batch created now would pay, or why it would not.
 * Eligible rows carry an "include" checkbox (AG Grid's row selection: Space toggles it from the
 * keyboard); all eligible rows start included. Excluded rows cannot be ticked: their reasons say why.
 */
import type { AgGridReact } from 'ag-grid-react';
import type { SelectionChangedEvent } from 'ag-grid-community';
import { forwardRef, useCallback } from 'react';
import { Grid, moneyColumn, type ColDef } from '../../components/Grid';
import { count, money } from '../../format';
import { reasonsLabel } from '../payables/reasons';
import type { PreviewRow } from './types';

const COLUMNS: ColDef<PreviewRow>[] = [
  { field: 'affiliateId', headerName: 'Affiliate', width: 120, filter: 'agTextColumnFilter' },
  { field: 'name', headerName: 'Name', flex: 1, minWidth: 150, filter: 'agTextColumnFilter' },
  {
    field: 'eligible',
    headerName: 'Eligibility',
    width: 110,
    // Words, not AG Grid's inferred boolean checkbox (which would look like a second "include").
    cellDataType: false,
    valueFormatter: (p) => (p.value ? 'included' : 'excluded'),
    cellClassRules: { ok: (p) => p.value === true, warning: (p) => p.value === false },
    filter: 'agTextColumnFilter',
    filterValueGetter: (p) => (p.data?.eligible ? 'included' : 'excluded'),
  },
  { field: 'reasons', headerName: 'Why excluded', flex: 1, minWidth: 190, valueFormatter: (p) => reasonsLabel(p.value as string[]), tooltipValueGetter: (p) => reasonsLabel(p.value as string[]), filter: 'agTextColumnFilter', filterValueGetter: (p) => reasonsLabel(p.data?.reasons) },
  moneyColumn<PreviewRow>('amountMinor', 'Pays', 'currency', { width: 165 }),
  { field: 'commissionCount', headerName: 'Commissions', width: 115, type: 'rightAligned', cellClass: 'num', valueFormatter: (p) => count(p.value as number), filter: false },
  { field: 'heldCount', headerName: 'On hold', width: 90, type: 'rightAligned', cellClass: 'num', valueFormatter: (p) => count(p.value as number), filter: false },
  { field: 'provider', headerName: 'Provider', width: 95 },
  { field: 'channelCode', headerName: 'Channel', width: 110 },
  { field: 'fxRate', headerName: 'FX rate', width: 100, cellClass: 'num', filter: false },
  {
    headerName: 'Owed before FX',
    field: 'sourceAmountMinor',
    width: 150,
    type: 'rightAligned',
    cellClass: 'amount muted',
    filter: false,
    // Shown only when paid in another currency than earned (the FX case).
    valueFormatter: (p) => (p.data && p.data.sourceCurrency !== p.data.currency ? money(p.data.sourceAmountMinor, p.data.sourceCurrency) : ''),
  },
  { field: 'highValue', headerName: 'High value', width: 140, cellDataType: false, valueFormatter: (p) => (p.value ? 'yes (2 approvals)' : ''), filter: false },
];

export const PreviewGrid = forwardRef(function PreviewGrid({ rows, onIncludedChange }: { rows: PreviewRow[]; onIncludedChange(included: PreviewRow[]): void }, ref: React.Ref<AgGridReact<PreviewRow>>) {
  const onSelectionChanged = useCallback((e: SelectionChangedEvent<PreviewRow>) => onIncludedChange(e.api.getSelectedRows()), [onIncludedChange]);
  return (
    <Grid<PreviewRow>
      ref={ref}
      testId="builder-preview-grid"
      columnDefs={COLUMNS}
      rowData={rows}
      getRowId={(p) => p.data.affiliateId}
      rowSelection={{ mode: 'multiRow', checkboxes: true, headerCheckbox: true, selectAll: 'filtered', enableClickSelection: false, isRowSelectable: (node) => node.data?.eligible === true }}
      selectionColumnDef={{ headerName: 'Include', width: 96, pinned: 'left', headerTooltip: 'Include in the batch' }}
      onRowDataUpdated={(e) => e.api.selectAll()}
      onSelectionChanged={onSelectionChanged}
      tooltipShowDelay={400}
    />
  );
});
