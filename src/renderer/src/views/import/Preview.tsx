/**
 * What the dry run found in a picked file: the counts, per-currency totals (exact, from minor
 * units), the first rows as the import parsed them, and every problem with its file, line and
 * field in a grid the operator can sort and filter.
 */
import { useMemo } from 'react';
import type { ColDef } from 'ag-grid-community';
import type { PickedImport } from '../../../../core/host/bridge/contract';
import { Grid, moneyColumn } from '../../components/Grid';
import { count, money } from '../../format';
import { gridHeight } from '../gridHeight';

type Preview = PickedImport['preview'];
type ProblemRow = Preview['problems'][number];
type SampleRow = Record<string, unknown>;

/** Problems shown without scrolling before the grid scrolls. */
const PROBLEM_ROWS_SHOWN = 12;

export function PreviewCounts({ preview }: { preview: Preview }) {
  return (
    <table className="facts kv" data-testid="import-counts">
      <tbody>
        <tr>
          <th>File</th>
          <td data-testid="import-file">{preview.file}</td>
        </tr>
        <tr>
          <th>Lines</th>
          <td data-testid="import-rows">{count(preview.rows)}</td>
        </tr>
        <tr>
          <th>New</th>
          <td data-testid="import-new">{count(preview.inserted)}</td>
        </tr>
        <tr>
          <th>Changed</th>
          <td data-testid="import-updated">{count(preview.updated)}</td>
        </tr>
        <tr>
          <th>Unchanged</th>
          <td data-testid="import-unchanged">{count(preview.unchanged)}</td>
        </tr>
        <tr>
          <th>Problems</th>
          <td data-testid="import-problem-count" className={preview.problemCount ? 'bad' : 'ok'}>
            {count(preview.problemCount)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

export function PreviewTotals({ totals }: { totals: Preview['totals'] }) {
  if (totals.length === 0) return null;
  return (
    <table className="facts" data-testid="import-totals">
      <thead>
        <tr>
          <th>Currency</th>
          <th className="num">Lines</th>
          <th className="amount">Gross</th>
          <th className="amount">Discount</th>
          <th className="amount">Net</th>
        </tr>
      </thead>
      <tbody>
        {totals.map((t) => (
          <tr key={t.currency} data-testid={`import-total-${t.currency}`}>
            <td>{t.currency}</td>
            <td className="num">{count(t.rows)}</td>
            <td className="amount">{money(t.gross, t.currency)}</td>
            <td className="amount">{money(t.discount, t.currency)}</td>
            <td className="amount">{money(t.net, t.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const instant = (ms: unknown) =>
  typeof ms === 'number' ? new Date(ms).toISOString().replace('.000Z', 'Z') : '';

function sampleColumns(kind: Preview['sample']['kind']): ColDef<SampleRow>[] {
  if (kind === 'affiliates')
    return [
      { field: 'id', headerName: 'id', width: 120 },
      { field: 'name', headerName: 'Name', flex: 1 },
      { field: 'email', headerName: 'Email', flex: 1 },
      { field: 'country', headerName: 'Country', width: 100 },
      { field: 'currency', headerName: 'Currency', width: 100 },
      { field: 'provider', headerName: 'Provider', width: 110 },
      { field: 'channelCode', headerName: 'Channel', width: 120 },
      { field: 'status', headerName: 'Status', width: 110 },
      { field: 'kycStatus', headerName: 'KYC', width: 100 },
    ];
  return [
    { field: 'line', headerName: 'Line', width: 80, type: 'rightAligned' },
    { field: 'id', headerName: 'id', width: 120 },
    { field: 'affiliateId', headerName: 'Affiliate', width: 120 },
    {
      field: 'occurredAt',
      headerName: 'Occurred (UTC)',
      width: 190,
      valueFormatter: (p) => instant(p.value),
    },
    { field: 'product', headerName: 'Product', flex: 1 },
    moneyColumn<SampleRow>('grossMinor', 'Gross'),
    moneyColumn<SampleRow>('discountMinor', 'Discount'),
    { field: 'currency', headerName: 'Currency', width: 100 },
    { field: 'status', headerName: 'Status', width: 110 },
    {
      field: 'refundedAt',
      headerName: 'Refunded (UTC)',
      width: 190,
      valueFormatter: (p) => instant(p.value),
    },
  ];
}

export function SampleGrid({ sample }: { sample: Preview['sample'] }) {
  const columns = useMemo(() => sampleColumns(sample.kind), [sample.kind]);
  if (sample.rows.length === 0) return null;
  return (
    <Grid<SampleRow>
      testId="import-sample"
      height={gridHeight(sample.rows.length)}
      rowData={sample.rows as SampleRow[]}
      columnDefs={columns}
    />
  );
}

const PROBLEM_COLUMNS: ColDef<ProblemRow>[] = [
  { field: 'file', headerName: 'File', width: 200 },
  { field: 'line', headerName: 'Line', width: 90, type: 'rightAligned', sort: 'asc' },
  { field: 'field', headerName: 'Field', width: 170 },
  { field: 'message', headerName: 'What is wrong', flex: 1, wrapText: true, autoHeight: true },
];

export function ProblemsGrid({ preview }: { preview: Preview }) {
  const shown = preview.problems.length;
  return (
    <div className="stack">
      {preview.problemCount > shown && (
        <p className="warning" data-testid="import-problems-more">
          Showing the first {count(shown)} of {count(preview.problemCount)} problems.
        </p>
      )}
      <Grid<ProblemRow>
        testId="import-problems"
        height={gridHeight(Math.min(shown, PROBLEM_ROWS_SHOWN))}
        rowData={preview.problems}
        columnDefs={PROBLEM_COLUMNS}
      />
    </div>
  );
}
