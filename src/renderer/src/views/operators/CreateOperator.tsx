/** A new operator: username, display name, role (not above the creator's), first password. */
import { useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { Card } from '../../components/Panel';
import { useConsole } from '../../store';
import { FieldError } from '../common/FieldError';
import { ROLES, roleRank } from '../common/domain';
import { problemsByField } from '../common/problems';
import { Select } from '../common/Select';

export function CreateOperator({ onCreated }: { onCreated(): void }) {
  const me = useConsole((s) => s.manifest!.operator);
  const notify = useConsole((s) => s.notify);
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const [password, setPassword] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const grantable = ROLES.filter((r) => roleRank(r) <= roleRank(me.role));

  const create = async () => {
    setBusy(true);
    setProblems({});
    setError(null);
    try {
      const r = await call('operators.create', {
        username: username.trim(),
        role: role as (typeof ROLES)[number],
        password,
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      });
      notify('success', `Operator ${r.username} created as ${r.role}`);
      setUsername('');
      setDisplayName('');
      setPassword('');
      onCreated();
    } catch (err) {
      const byField = problemsByField(err);
      setProblems(byField);
      setError(
        Object.keys(byField).length === 0 ||
          !Object.keys(byField).some((k) =>
            ['username', 'password', 'displayName', 'role'].includes(k),
          )
          ? describeError(err)
          : null,
      );
    } finally {
      // The password is not kept once sent, whatever the answer.
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <Card title="New operator" testId="operator-create">
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <div className="row align-start">
          <label className="field">
            Username
            <input
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              autoComplete="off"
              required
              maxLength={64}
              data-testid="operator-create-username"
            />
            <FieldError message={problems.username} />
          </label>
          <label className="field">
            Display name
            <input
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              maxLength={100}
              data-testid="operator-create-name"
            />
            <FieldError message={problems.displayName} />
          </label>
        </div>
        <div className="row align-start">
          <div className="field">
            <Select
              label="Role"
              value={role}
              onChange={setRole}
              options={grantable}
              testId="operator-create-role"
            />
            <FieldError message={problems.role} />
          </div>
          <label className="field">
            First password
            <input
              type="password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoComplete="new-password"
              required
              data-testid="operator-create-password"
            />
            <FieldError message={problems.password} testId="operator-create-password-error" />
          </label>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div>
          <Action
            call="operators.create"
            online
            blocked={!username.trim() || !password ? 'fill in a username and a password' : null}
            onRun={create}
            busy={busy}
            kind="primary"
            testId="operator-create-submit"
          >
            Create operator
          </Action>
        </div>
      </form>
    </Card>
  );
}
