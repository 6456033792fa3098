/**
 * First run, in the page: on a central store without operators the console offers to create the
 * first super-admin (the password rules are the router's, as for `treasury init`) and, if wanted,
 * demo data with sandbox affiliates — so a new workstation reaches a working dashboard without the
 * CLI. Signs the new administrator in when done.
 */
import { useState } from 'react';
import { call, describeError } from '../api';
import { useConsole } from '../store';
import { ErrorLine, ProgressBar } from './Panel';

/**
 * The demo the page loads: small enough to be ready in seconds, large enough to show every view.
 */
const DEMO = { affiliates: 1000, conversions: 20_000, seed: 7 } as const;

export function FirstRun() {
  const host = useConsole((s) => s.host);
  const [username, setUsername] = useState('admin');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [demo, setDemo] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [step, setStep] = useState<string | null>(null);
  const [callId, setCallId] = useState<string | null>(null);
  const progress = useConsole((s) => (callId ? s.progress[callId] : undefined));

  const withProgress = async <T,>(label: string, run: (id: string) => Promise<T>): Promise<T> => {
    const id = crypto.randomUUID();
    setStep(label);
    setCallId(id);
    try {
      return await run(id);
    } finally {
      setCallId(null);
      useConsole.getState().endProgress(id);
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (password !== repeat) return setError('the two passwords differ');
    try {
      setStep('Creating the administrator');
      await call('operators.bootstrap', {
        username,
        password,
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      });
      const signed = await call('session.signIn', { username, password });
      if (!signed.ok) throw new Error(signed.reason);
      setPassword('');
      setRepeat('');
      if (demo) {
        await withProgress('Loading demo data', (id) => call('demo.generate', DEMO, { id }));
        await withProgress('Calculating commissions', (id) =>
          call('commissions.calculate', {}, { id }),
        );
      }
      useConsole.getState().signedIn(await call('console.manifest', {}));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setStep(null);
    }
  };

  return (
    <div className="signin">
      <form
        onSubmit={submit}
        className="card"
        aria-label="First run: create the first administrator"
        data-testid="first-run"
      >
        <h1>Welcome to Treasury Console</h1>
        <p className="muted">
          This central store has no operators yet{host ? ` (${host.central})` : ''}. Create the
          first super-administrator: they add everyone else in Operators &amp; roles.
        </p>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            data-testid="first-run-username"
          />
        </label>
        <label>
          Display name (optional)
          <input
            name="displayName"
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
          />
        </label>
        <label>
          Password (at least 12 characters)
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            data-testid="first-run-password"
          />
        </label>
        <label>
          Repeat the password
          <input
            name="repeat"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            required
            data-testid="first-run-repeat"
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={demo}
            onChange={(e) => setDemo(e.target.checked)}
            data-testid="first-run-demo"
          />
          Load demo data: {DEMO.affiliates.toLocaleString('en-US')} affiliates and{' '}
          {DEMO.conversions.toLocaleString('en-US')} conversions; some are paid through the sandbox
          provider, which needs no credentials
        </label>
        <ErrorLine error={error} />
        {step && (
          <ProgressBar
            done={progress?.done ?? 0}
            total={progress?.total}
            label={progress?.phase ?? step}
            testId="first-run-progress"
          />
        )}
        <button
          type="submit"
          className="btn primary"
          disabled={step !== null}
          data-testid="first-run-submit"
        >
          {step ? `${step}…` : 'Create and sign in'}
        </button>
      </form>
    </div>
  );
}
