/**
 * Changing the selected operator: a new role, disabling/enabling them (with a reason, ended
 * sessions on disable), or unlocking one locked out by wrong passwords (with a reason). The rules the router applies are checked here first so the buttons say why
 * not: nobody grants above their own role, changes someone ranked above them, lowers their own role
 * or disables themselves.
 */
import { useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { count } from '../../format';
import { useConsole } from '../../store';
import { ReasonDialog } from '../common/ReasonDialog';
import { ROLES, roleRank } from '../common/domain';
import { Select } from '../common/Select';

export interface OperatorRow {
  id: string;
  username: string;
  displayName: string;
  role: string;
  status: string;
  failedAttempts: number;
  lockedUntil: string | null;
  createdAt: string;
}

export function OperatorAdmin({
  selected,
  onChanged,
}: {
  selected: OperatorRow | null;
  onChanged(): void;
}) {
  const me = useConsole((s) => s.manifest!.operator);
  const notify = useConsole((s) => s.notify);
  const [role, setRole] = useState(selected?.role ?? 'viewer');
  const [busy, setBusy] = useState(false);
  const [statusDialog, setStatusDialog] = useState(false);
  const [unlockDialog, setUnlockDialog] = useState(false);
  // Another operator selected, or their role changed: the role select starts again from theirs
  // (adjusted while rendering, from the operator it was last set for).
  const [roleOf, setRoleOf] = useState({ id: selected?.id, role: selected?.role });
  if (roleOf.id !== selected?.id || roleOf.role !== selected?.role) {
    setRoleOf({ id: selected?.id, role: selected?.role });
    setRole(selected?.role ?? 'viewer');
  }

  const self = !!selected && selected.id === me.id;
  const above = !!selected && roleRank(selected.role) > roleRank(me.role);
  const roleBlocked = !selected
    ? 'select an operator in the grid'
    : above
      ? `${selected.username} is ${selected.role}, above your role`
      : role === selected.role
        ? 'choose a different role'
        : roleRank(role) > roleRank(me.role)
          ? `you cannot grant ${role}, above your own role (${me.role})`
          : self && roleRank(role) < roleRank(selected.role)
            ? 'you cannot lower your own role: another administrator must'
            : null;
  const disabling = !selected || selected.status === 'active';
  const statusBlocked = !selected
    ? 'select an operator in the grid'
    : above
      ? `${selected.username} is ${selected.role}, above your role`
      : self && disabling
        ? 'you cannot disable yourself: another administrator must'
        : null;

  const unlockBlocked = !selected
    ? 'select an operator in the grid'
    : above
      ? `${selected.username} is ${selected.role}, above your role`
      : self
        ? 'you cannot unlock yourself: another administrator must'
        : null;

  const setTheRole = async () => {
    setBusy(true);
    try {
      const r = await call('operators.setRole', {
        username: selected!.username,
        role: role as (typeof ROLES)[number],
      });
      notify(
        'success',
        r.changed ? `${r.username} is now ${r.role}` : `${r.username} was already ${r.role}`,
      );
    } catch (error) {
      notify('error', describeError(error));
    } finally {
      setBusy(false);
      onChanged();
    }
  };

  return (
    <div className="row" data-testid="operator-admin">
      <strong>
        {selected ? `${selected.displayName} (${selected.username})` : 'No operator selected'}
      </strong>
      <Select
        label="Role"
        value={role}
        onChange={setRole}
        options={ROLES}
        testId="operator-role"
        disabled={!selected}
      />
      <Action
        call="operators.setRole"
        online
        blocked={roleBlocked}
        onRun={setTheRole}
        busy={busy}
        kind="primary"
        testId="operator-set-role"
      >
        Set role
      </Action>
      <Action
        call="operators.setStatus"
        online
        blocked={statusBlocked}
        onRun={() => setStatusDialog(true)}
        kind={disabling ? 'danger' : 'plain'}
        testId="operator-set-status"
      >
        {disabling ? 'Disable…' : 'Enable…'}
      </Action>
      {selected?.lockedUntil && (
        <Action
          call="operators.unlock"
          online
          blocked={unlockBlocked}
          onRun={() => setUnlockDialog(true)}
          testId="operator-unlock"
        >
          Unlock…
        </Action>
      )}
      {selected && selected.failedAttempts > 0 && (
        <span className="warning small">
          {count(selected.failedAttempts)} failed sign-ins{selected.lockedUntil ? ', locked' : ''}
        </span>
      )}
      {unlockDialog && selected && (
        <UnlockDialog
          username={selected.username}
          onClose={() => setUnlockDialog(false)}
          onDone={onChanged}
        />
      )}
      {statusDialog && selected && (
        <ReasonDialog
          title={`${disabling ? 'Disable' : 'Enable'} ${selected.username}`}
          prompt={
            disabling
              ? 'Why? Their sessions end now.'
              : 'Why? Enabling also clears a sign-in lockout.'
          }
          confirm={disabling ? 'Disable' : 'Enable'}
          danger={disabling}
          testId="operator-status-dialog"
          onClose={() => setStatusDialog(false)}
          onSubmit={async (reason) => {
            const r = await call('operators.setStatus', {
              username: selected.username,
              status: disabling ? 'disabled' : 'active',
              reason,
            });
            notify(
              'success',
              `${r.username} is ${r.status}${r.sessionsEnded ? ` (${count(r.sessionsEnded)} sessions ended)` : ''}`,
            );
            onChanged();
          }}
        />
      )}
    </div>
  );
}

/** Why unlock (kept in the audit trail); the failed sign-ins and the lockout are cleared. */
function UnlockDialog({
  username,
  onClose,
  onDone,
}: {
  username: string;
  onClose(): void;
  onDone(): void;
}) {
  const notify = useConsole((s) => s.notify);
  return (
    <ReasonDialog
      title={`Unlock ${username}`}
      prompt="Why? Their failed sign-ins are cleared and they can sign in again now."
      confirm="Unlock"
      testId="operator-unlock-dialog"
      onClose={onClose}
      onSubmit={async (reason) => {
        const r = await call('operators.unlock', { username, reason });
        notify('success', r.changed ? `${r.username} is unlocked` : `${r.username} was not locked`);
        onDone();
      }}
    />
  );
}
