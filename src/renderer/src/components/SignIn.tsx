/**
 * Sign-in: username and password; the host keeps the session token, the console learns who signed
 * in. A central store without operators gets the first-run setup instead (FirstRun). A refusal says
 * why in the console's words (wrong credentials, locked until when, disabled, this address).
 */
import { useEffect, useState } from 'react';
import { call, describeError, describeRefusal, type Refusal } from '../api';
import { useConsole } from '../store';
import { askOnFirstSignIn } from '../views/exceptions/alerts';
import { useDocumentTitle } from './documentTitle';
import { FirstRun } from './FirstRun';
import { ErrorLine } from './Panel';

export function SignIn() {
  useDocumentTitle('Sign in');
  const [initialised, setInitialised] = useState<boolean | null>(null);
  useEffect(() => {
    call('setup.status', {})
      .then((s) => setInitialised(s.initialised))
      .catch(() => setInitialised(true)); // unknown: the sign-in form says what is wrong when used
  }, []);
  if (initialised === false) return <FirstRun />;
  return <SignInForm />;
}

function SignInForm() {
  const host = useConsole((s) => s.host);
  const endedBecause = useConsole((s) => s.endedBecause);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await call('session.signIn', { username, password });
      if (!r.ok) {
        setError(describeRefusal(r as Refusal));
        return;
      }
      setPassword('');
      // Still within the click's user activation: browsers ask only then (see alerts.ts).
      askOnFirstSignIn(username.trim().toLowerCase());
      useConsole.getState().signedIn(await call('console.manifest', {}));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form onSubmit={submit} className="card" aria-label="Sign in" data-testid="signin">
        <h1>Treasury Console</h1>
        <p data-testid="signin-hint">Sign in with your operator name and password.</p>
        <p className="muted">
          {host
            ? host.online
              ? `Central store: ${host.central}`
              : `Offline — ${host.offlineReason ?? 'the central store cannot be reached'}. You can sign in if you signed in here before.`
            : 'Connecting…'}
        </p>
        {/* The router's "not signed in" speaks to CLI users (run `treasury login`): never here. */}
        {endedBecause && !/treasury login/.test(endedBecause) && (
          <p className="warning" data-testid="signin-ended">
            {endedBecause}
          </p>
        )}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <ErrorLine error={error} />
        <button type="submit" className="btn primary" disabled={busy} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
