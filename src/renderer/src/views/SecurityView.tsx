/**
 * Security events: suspicious activity the rules noticed (unusual hours, high-value bursts,
 * changed or shared destinations, sign-in failures…). A high-risk event holds the action that
 * raised it until a second administrator — never the operator who raised it — acknowledges it with
 * a note.
 */
import { useMemo, useState } from 'react';
import type { ColDef } from 'ag-grid-community';
import { call, useQuery } from '../api';
import { Action } from '../components/Action';
import { Grid } from '../components/Grid';
import { ErrorLine, Page } from '../components/Panel';
import { count, when } from '../format';
import { useConsole } from '../store';
import { Allowed } from './common/Allowed';
import { ReasonDialog } from './common/ReasonDialog';
import { Select } from './common/Select';
import { stamp } from './common/stamp';
import { StatusCell } from './common/StatusPill';
import { statusChoices } from './common/words';

type SecurityEvent = NonNullable<ReturnType<typeof useEvents>['data']>[number];

function useEvents(open: boolean, risk: string) {
  return useQuery(
    'security.events',
    { open, ...(risk ? { risk: risk as 'low' | 'medium' | 'high' } : {}), limit: 1000 },
    30_000,
  );
}

export function SecurityView() {
  return (
    <Allowed
      call="security.events"
      what="Reading security events"
      page={{ title: 'Security events', testId: 'view-security' }}
    >
      <SecurityEvents />
    </Allowed>
  );
}

function SecurityEvents() {
  const me = useConsole((s) => s.manifest!.operator.username);
  const notify = useConsole((s) => s.notify);
  const [openOnly, setOpenOnly] = useState(true);
  const [risk, setRisk] = useState('');
  const events = useEvents(openOnly, risk);
  const [selected, setSelected] = useState<SecurityEvent | null>(null);
  const [acking, setAcking] = useState(false);

  const blocked = !selected
    ? 'select an event in the grid'
    : selected.acknowledgedAt
      ? `already acknowledged by ${selected.acknowledgedBy ?? 'someone'}`
      : selected.operator && selected.operator.toLowerCase() === me.toLowerCase()
        ? 'you raised this event: a second administrator must acknowledge it'
        : null;

  const columns = useMemo<ColDef<SecurityEvent>[]>(
    () => [
      {
        field: 'at',
        headerName: 'At (UTC)',
        width: 170,
        valueFormatter: (p) => stamp(p.value as string),
      },
      { field: 'risk', headerName: 'Risk', width: 100, cellRenderer: StatusCell },
      {
        field: 'kind',
        headerName: 'Kind',
        width: 190,
        valueFormatter: (p) => String(p.value ?? '').replace(/_/g, ' '),
      },
      { field: 'operator', headerName: 'Operator', width: 120 },
      { field: 'ip', headerName: 'IP', width: 130 },
      {
        field: 'message',
        headerName: 'What happened',
        flex: 1,
        minWidth: 320,
        tooltipField: 'message',
      },
      {
        colId: 'ack',
        headerName: 'Acknowledged',
        width: 260,
        valueGetter: (p) =>
          p.data?.acknowledgedAt
            ? `${p.data.acknowledgedBy ?? ''} · ${when(p.data.acknowledgedAt)}`
            : 'open',
        cellClassRules: { warning: (p) => p.value === 'open' },
      },
    ],
    [],
  );

  return (
    <Page
      title="Security events"
      testId="view-security"
      actions={
        <>
          <label className="check">
            <input
              type="checkbox"
              checked={openOnly}
              onChange={(e) => setOpenOnly(e.target.checked)}
              data-testid="security-open"
            />
            Open only
          </label>
          <Select
            label="Risk"
            value={risk}
            onChange={setRisk}
            options={statusChoices(['high', 'medium', 'low'])}
            any="Any risk"
            testId="security-risk"
          />
          <button
            type="button"
            className="btn"
            onClick={events.reload}
            data-testid="security-reload"
          >
            Refresh
          </button>
          <Action
            call="security.acknowledge"
            online
            blocked={blocked}
            onRun={() => setAcking(true)}
            kind="primary"
            testId="security-ack"
          >
            Acknowledge…
          </Action>
        </>
      }
    >
      <ErrorLine error={events.error?.message} />
      <p className="muted small" data-testid="security-count">
        {events.data
          ? `${count(events.data.length)} ${openOnly ? 'open ' : ''}event${events.data.length === 1 ? '' : 's'}`
          : 'Loading…'}
        {selected && ` · selected #${selected.id}: ${selected.kind.replace(/_/g, ' ')}`}
      </p>
      <div className="fill">
        <Grid<SecurityEvent>
          testId="security-grid"
          rowData={events.data ?? []}
          loading={events.loading && !events.data}
          columnDefs={columns}
          getRowId={(p) => p.data.id}
          rowSelection={{ mode: 'singleRow', checkboxes: false, enableClickSelection: true }}
          onSelectionChanged={(e) => setSelected(e.api.getSelectedRows()[0] ?? null)}
          onRowDataUpdated={(e) => setSelected(e.api.getSelectedRows()[0] ?? null)}
          overlayNoRowsTemplate={openOnly ? 'No open security event' : 'No security event'}
        />
      </div>
      {acking && selected && (
        <ReasonDialog
          title={`Acknowledge event #${selected.id}`}
          prompt={`${selected.message} — why is it fine? Acknowledging releases what it held.`}
          confirm="Acknowledge"
          testId="security-ack-dialog"
          onClose={() => setAcking(false)}
          onSubmit={async (note) => {
            await call('security.acknowledge', { id: selected.id, note });
            notify('success', `Security event #${selected.id} acknowledged`);
            events.reload();
          }}
        />
      )}
    </Page>
  );
}
