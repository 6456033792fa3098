/**
 * The audit trail: the newest entries (audit.tail takes a count, at most 10,000, and a sequence
 * number to read on from), filtered and sorted in the grid; newer entries are fetched on demand
 * after the newest one held. "Verify chain" recomputes every hash on the central store and says
 * where the chain breaks, if it does.
 */
import { useMemo, useState } from 'react';
import type { CellKeyDownEvent, ColDef } from 'ag-grid-community';
import { call, describeError } from '../api';
import { Action } from '../components/Action';
import { Grid } from '../components/Grid';
import { Card, Drawer, ErrorLine, Page } from '../components/Panel';
import { count, when } from '../format';
import { useConsole } from '../store';
import { useAuditTail, type AuditEntry } from './audit/useAuditTail';
import { Allowed } from './common/Allowed';
import { Select } from './common/Select';
import { stamp } from './common/stamp';

type Verified = Awaited<ReturnType<typeof verify>>;
const verify = () => call('audit.verify', {});

const LIMITS = ['100', '500', '1000', '5000', '10000'];

export function AuditView() {
  return (
    <Allowed
      call="audit.tail"
      what="Reading the audit log"
      page={{ title: 'Audit log', testId: 'view-audit' }}
    >
      <AuditLog />
    </Allowed>
  );
}

function AuditLog() {
  const notify = useConsole((s) => s.notify);
  const [limit, setLimit] = useState('1000');
  const [search, setSearch] = useState('');
  const tail = useAuditTail(Number(limit));
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const [verified, setVerified] = useState<Verified | null>(null);
  const [verifying, setVerifying] = useState(false);

  const runVerify = async () => {
    setVerifying(true);
    try {
      const v = await verify();
      setVerified(v);
      notify(
        v.intact ? 'success' : 'error',
        v.intact
          ? `Audit chain intact: ${count(v.entries)} entries checked`
          : `Audit chain broken: ${count(v.problems.length)} problems`,
      );
    } catch (error) {
      notify('error', describeError(error));
    } finally {
      setVerifying(false);
    }
  };

  const columns = useMemo<ColDef<AuditEntry>[]>(
    () => [
      {
        field: 'seq',
        headerName: 'Seq',
        width: 100,
        type: 'rightAligned',
        cellClass: 'num',
        sort: 'desc',
        comparator: (a: string, b: string) =>
          BigInt(a) === BigInt(b) ? 0 : BigInt(a) < BigInt(b) ? -1 : 1,
        valueFormatter: (p) => count(p.value as string),
      },
      {
        field: 'at',
        headerName: 'At (UTC)',
        width: 170,
        valueFormatter: (p) => stamp(p.value as string),
      },
      { field: 'username', headerName: 'Operator', width: 120 },
      { field: 'action', headerName: 'Action', width: 210, tooltipField: 'action' },
      {
        field: 'decision',
        headerName: 'Decision',
        width: 110,
        cellClassRules: { bad: (p) => p.value === 'denied' || p.value === 'failed' },
      },
      { field: 'entityType', headerName: 'Entity', width: 140 },
      {
        field: 'entityId',
        headerName: 'Entity id',
        width: 180,
        cellClass: 'mono-cell',
        tooltipField: 'entityId',
      },
      {
        colId: 'change',
        headerName: 'Change',
        flex: 1,
        minWidth: 240,
        valueGetter: (p) => summarise(p.data),
      },
      { field: 'ip', headerName: 'IP', width: 120 },
    ],
    [],
  );

  return (
    <Page
      title="Audit log"
      testId="view-audit"
      actions={
        <>
          <label className="inline">
            Search
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="action, operator, entity…"
              data-testid="audit-search"
            />
          </label>
          <Select
            label="Newest"
            value={limit}
            onChange={setLimit}
            options={LIMITS.map((l) => ({ value: l, label: `${count(l)} entries` }))}
            testId="audit-limit"
          />
          <button
            type="button"
            className="btn"
            onClick={tail.loadNewer}
            disabled={tail.loading}
            data-testid="audit-newer"
          >
            Load newer
          </button>
          <Action
            call="audit.verify"
            onRun={runVerify}
            busy={verifying}
            kind="primary"
            testId="audit-verify"
          >
            Verify chain
          </Action>
        </>
      }
    >
      {verified && <VerifyResult result={verified} />}
      <ErrorLine error={tail.error} />
      <p className="muted small">
        {count(tail.entries.length)} entries held
        {tail.entries.length > 0
          ? `, #${count(tail.entries[0]!.seq)} to #${count(tail.entries.at(-1)!.seq)}`
          : ''}
        . Click an entry (or press Enter) for its full before/after.
      </p>
      <div className="fill">
        <Grid<AuditEntry>
          testId="audit-grid"
          rowData={tail.entries}
          columnDefs={columns}
          quickFilterText={search}
          getRowId={(p) => p.data.seq}
          onRowClicked={(e) => e.data && setOpen(e.data)}
          onCellKeyDown={(e: CellKeyDownEvent<AuditEntry>) =>
            (e.event as KeyboardEvent | undefined)?.key === 'Enter' && e.data && setOpen(e.data)
          }
          rowClass="clickable"
          loading={tail.loading && tail.entries.length === 0}
        />
      </div>
      {open && <EntryDrawer entry={open} onClose={() => setOpen(null)} />}
    </Page>
  );
}

function VerifyResult({ result }: { result: Verified }) {
  return (
    <Card title="Chain verification" testId="audit-verify-result">
      {result.intact ? (
        <p className="ok">
          Intact: {count(result.entries)} entries checked, every hash recomputed and linked to the
          one before.
        </p>
      ) : (
        <>
          <p className="error">
            Broken: {count(result.entries)} entries checked, {count(result.problems.length)} problem
            {result.problems.length === 1 ? '' : 's'}. First break at entry #
            {count(String(result.problems[0]?.seq ?? '?'))}.
          </p>
          <ul className="problems">
            {result.problems.slice(0, 20).map((p, i) => (
              <li key={i}>
                #{String(p.seq)} — {p.problem.replace(/_/g, ' ')}: {p.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

function EntryDrawer({ entry, onClose }: { entry: AuditEntry; onClose(): void }) {
  return (
    <Drawer title={`Audit entry #${count(entry.seq)}`} onClose={onClose} testId="audit-entry">
      <table className="facts kv">
        <tbody>
          <tr>
            <th>At</th>
            <td>{when(entry.at)}</td>
          </tr>
          <tr>
            <th>Operator</th>
            <td>{entry.username ?? '—'}</td>
          </tr>
          <tr>
            <th>Action</th>
            <td>
              {entry.action} ({entry.decision})
            </td>
          </tr>
          <tr>
            <th>Entity</th>
            <td>
              {entry.entityType} <span className="mono">{entry.entityId}</span>
            </td>
          </tr>
          <tr>
            <th>Command</th>
            <td className="mono">{entry.commandId ?? '—'}</td>
          </tr>
          <tr>
            <th>IP / workstation</th>
            <td className="mono">
              {entry.ip ?? '—'} · {entry.workstationId ?? '—'}
            </td>
          </tr>
          <tr>
            <th>Hash</th>
            <td className="mono">{entry.hash}</td>
          </tr>
          <tr>
            <th>Previous</th>
            <td className="mono">{entry.prevHash}</td>
          </tr>
        </tbody>
      </table>
      <h3>Before</h3>
      <pre className="json">{JSON.stringify(entry.before, null, 2)}</pre>
      <h3>After</h3>
      <pre className="json">{JSON.stringify(entry.after, null, 2)}</pre>
    </Drawer>
  );
}

/** One line for the grid: the changed keys of after (with before where it differs). */
function summarise(e: AuditEntry | undefined): string {
  if (!e) return '';
  const after = (e.after ?? {}) as Record<string, unknown>;
  const before = (e.before ?? {}) as Record<string, unknown>;
  if (typeof after !== 'object' || after === null) return JSON.stringify(after);
  return Object.entries(after)
    .slice(0, 6)
    .map(([k, v]) => {
      const b = before && typeof before === 'object' ? before[k] : undefined;
      const show = (x: unknown) =>
        typeof x === 'object' ? JSON.stringify(x)?.slice(0, 40) : String(x);
      return b !== undefined && show(b) !== show(v)
        ? `${k}: ${show(b)} → ${show(v)}`
        : `${k}: ${show(v)}`;
    })
    .join(', ');
}
