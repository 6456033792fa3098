/**
 * IP allowlists: CIDR ranges per role or per operator (IPv4 or IPv6). The router normalises and
 * checks the range (its message is shown under the input) and refuses a change that would lock the
 * acting administrator out.
 */
import { useMemo, useState } from 'react';
import type { ColDef } from 'ag-grid-community';
import { call, describeError, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Grid } from '../../components/Grid';
import { Card, ErrorLine } from '../../components/Panel';
import { stamp } from '../common/stamp';
import { useConsole } from '../../store';
import { FieldError } from '../common/FieldError';
import { ROLES } from '../common/domain';
import { problemsByField } from '../common/problems';
import { Select } from '../common/Select';

type Entry = NonNullable<ReturnType<typeof useList>['data']>[number];
const useList = () => useQuery('ip.list', {});

export function IpAllowlist({ usernames }: { usernames: readonly string[] }) {
  const notify = useConsole((s) => s.notify);
  const list = useList();
  const [scope, setScope] = useState<'role' | 'operator'>('role');
  const [role, setRole] = useState<string>('operator');
  const [username, setUsername] = useState('');
  const [cidr, setCidr] = useState('');
  const [note, setNote] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [selected, setSelected] = useState<Entry | null>(null);

  const allow = async () => {
    setBusy('allow');
    setProblems({});
    try {
      const target = scope === 'role' ? { role: role as (typeof ROLES)[number] } : { username };
      const r = await call('ip.allow', {
        ...target,
        cidr: cidr.trim(),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      notify('success', `Allowed ${r.cidr} for ${r.role ?? r.username}`);
      setCidr('');
      setNote('');
      list.reload();
    } catch (error) {
      const byField = problemsByField(error);
      if (Object.keys(byField).length > 0) setProblems(byField);
      else notify('error', describeError(error));
    } finally {
      setBusy(null);
    }
  };
  const remove = async () => {
    setBusy('remove');
    try {
      await call('ip.remove', { id: selected!.id });
      notify('success', `Removed ${selected!.cidr} (${selected!.role ?? selected!.username})`);
      setSelected(null);
      list.reload();
    } catch (error) {
      notify('error', describeError(error));
    } finally {
      setBusy(null);
    }
  };

  const columns = useMemo<ColDef<Entry>[]>(
    () => [
      {
        colId: 'who',
        headerName: 'Applies to',
        width: 170,
        valueGetter: (p) =>
          p.data?.role ? `role ${p.data.role}` : `operator ${p.data?.username ?? ''}`,
      },
      { field: 'cidr', headerName: 'Range', width: 200, cellClass: 'mono-cell' },
      { field: 'note', headerName: 'Note', flex: 1, minWidth: 140 },
      {
        field: 'createdAt',
        headerName: 'Added (UTC)',
        width: 165,
        valueFormatter: (p) => stamp(p.value as string),
      },
    ],
    [],
  );

  return (
    <Card title="IP allowlists" testId="ip-allowlist">
      <p className="muted small">
        An operator with ranges (their own, or their role's) may only sign in and act from inside
        them. No range: any address.
      </p>
      <form
        className="row align-start"
        onSubmit={(e) => {
          e.preventDefault();
          void allow();
        }}
      >
        <Select
          label="For"
          value={scope}
          onChange={(v) => setScope(v as 'role' | 'operator')}
          options={[
            { value: 'role', label: 'a role' },
            { value: 'operator', label: 'an operator' },
          ]}
          testId="ip-scope"
        />
        {scope === 'role' ? (
          <Select label="Role" value={role} onChange={setRole} options={ROLES} testId="ip-role" />
        ) : (
          <Select
            label="Operator"
            value={username}
            onChange={setUsername}
            options={usernames}
            any="choose…"
            testId="ip-username"
          />
        )}
        <label className="field">
          CIDR range
          <input
            value={cidr}
            onChange={(e) => setCidr(e.target.value)}
            placeholder="10.20.0.0/16 or 2001:db8::/48"
            data-testid="ip-cidr"
            aria-invalid={!!problems.cidr}
          />
          <FieldError message={problems.cidr ?? problems['(payload)']} testId="ip-cidr-error" />
        </label>
        <label className="field">
          Note
          <input
            value={note}
            onChange={(e) => setNote(e.target.value)}
            maxLength={200}
            data-testid="ip-note"
          />
        </label>
        <div className="field push-down">
          <Action
            call="ip.allow"
            online
            blocked={
              !cidr.trim()
                ? 'enter a range'
                : scope === 'operator' && !username
                  ? 'choose an operator'
                  : null
            }
            onRun={allow}
            busy={busy === 'allow'}
            kind="primary"
            testId="ip-allow"
          >
            Allow
          </Action>
        </div>
      </form>
      <ErrorLine error={list.error?.message} />
      <Grid<Entry>
        testId="ip-grid"
        height={180}
        rowData={list.data ?? []}
        loading={list.loading && !list.data}
        columnDefs={columns}
        getRowId={(p) => p.data.id}
        rowSelection={{ mode: 'singleRow', checkboxes: false, enableClickSelection: true }}
        onSelectionChanged={(e) => setSelected(e.api.getSelectedRows()[0] ?? null)}
        overlayNoRowsTemplate="No range: every operator may connect from any address"
      />
      <div className="row">
        <Action
          call="ip.remove"
          online
          blocked={selected ? null : 'select a range in the list'}
          onRun={remove}
          busy={busy === 'remove'}
          kind="danger"
          testId="ip-remove"
        >
          Remove selected range
        </Action>
      </div>
    </Card>
  );
}
