/**
 * Operators and roles: who may use the console and as what (role assignment, disabling), new
 * operators, the permission matrix, and the IP ranges operators may connect from.
 */
import { useMemo, useState } from 'react';
import type { ColDef } from 'ag-grid-community';
import { useQuery } from '../api';
import { Grid } from '../components/Grid';
import { Card, ErrorLine, Page } from '../components/Panel';
import { count } from '../format';
import { useConsole } from '../store';
import { stamp } from './common/stamp';
import { Allowed } from './common/Allowed';
import { StatusCell } from './common/StatusPill';
import { CreateOperator } from './operators/CreateOperator';
import { IpAllowlist } from './operators/IpAllowlist';
import { OperatorAdmin, type OperatorRow } from './operators/OperatorAdmin';
import { PermissionMatrix } from './operators/PermissionMatrix';

export function OperatorsView() {
  const manifest = useConsole((s) => s.manifest!);
  const matrix = <PermissionMatrix matrix={manifest.matrix} />;
  return (
    <Page title="Operators & roles" testId="view-operators">
      <Allowed call="operators.list" what="Managing operators, roles and IP allowlists">
        <OperatorAdministration matrix={matrix} />
      </Allowed>
      {!manifest.permissions.includes('admin.manage') && matrix}
    </Page>
  );
}

/** The parts only an administrator sees (every call here needs admin.manage). */
function OperatorAdministration({ matrix }: { matrix: React.ReactNode }) {
  const operators = useQuery('operators.list', {});
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const rows = (operators.data ?? []) as OperatorRow[];
  const selected = rows.find((o) => o.id === selectedId) ?? null;

  const columns = useMemo<ColDef<OperatorRow>[]>(
    () => [
      { field: 'username', headerName: 'Username', width: 120 },
      { field: 'displayName', headerName: 'Name', flex: 1, minWidth: 120 },
      { field: 'role', headerName: 'Role', width: 115 },
      { field: 'status', headerName: 'Status', width: 100, cellRenderer: StatusCell },
      {
        field: 'failedAttempts',
        headerName: 'Failed sign-ins',
        width: 125,
        type: 'rightAligned',
        cellClass: 'num',
        valueFormatter: (p) => count(p.value as number),
      },
      {
        field: 'lockedUntil',
        headerName: 'Locked until (UTC)',
        width: 165,
        valueFormatter: (p) => stamp(p.value as string | null),
      },
      {
        field: 'createdAt',
        headerName: 'Created (UTC)',
        width: 165,
        valueFormatter: (p) => stamp(p.value as string),
      },
    ],
    [],
  );

  return (
    <>
      <ErrorLine error={operators.error?.message} />
      <div className="two-col">
        <Card title="Operators" testId="operators">
          <Grid<OperatorRow>
            testId="operators-grid"
            height={260}
            rowData={rows}
            loading={operators.loading && !operators.data}
            columnDefs={columns}
            getRowId={(p) => p.data.id}
            rowSelection={{ mode: 'singleRow', checkboxes: false, enableClickSelection: true }}
            onSelectionChanged={(e) => setSelectedId(e.api.getSelectedRows()[0]?.id ?? null)}
          />
          <OperatorAdmin selected={selected} onChanged={operators.reload} />
        </Card>
        <CreateOperator onCreated={operators.reload} />
      </div>
      <div className="two-col">
        {matrix}
        <IpAllowlist usernames={rows.map((o) => o.username)} />
      </div>
    </>
  );
}
