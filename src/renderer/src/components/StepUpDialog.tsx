/**
 * Step-up: approve, execute, retry and credential changes ask for the password again (valid 5
 * minutes). The dialog stays open while the password is checked; a wrong one shows here with the
 * tries left, in the same dialog; a lockout closes it (api.ts: the console returns to sign-in).
 */
import { useEffect, useRef, useState } from 'react';
import { useConsole } from '../store';
import { Modal } from './Panel';

export function StepUpDialog() {
  const prompt = useConsole((s) => s.prompt);
  const answer = useConsole((s) => s.answerPassword);
  const [password, setPassword] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const checking = prompt?.checking ?? false;
  // Back from a wrong password: the field again, ready to type (it was disabled while checking).
  useEffect(() => {
    if (!checking) input.current?.focus();
  }, [checking, prompt?.error]);
  if (!prompt) return null;
  const done = (value: string | null) => {
    setPassword('');
    answer(value);
  };
  return (
    <Modal title="Confirm your password" testId="stepup">
      <p>{prompt.reason}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!prompt.checking && password) done(password);
        }}
      >
        <input
          type="password"
          aria-label="Password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          ref={input}
          autoFocus
          disabled={prompt.checking}
          data-testid="stepup-password"
        />
        {prompt.error && (
          <p className="error" role="alert" data-testid="stepup-error">
            {prompt.error}
          </p>
        )}
        <div className="row">
          <button
            type="submit"
            className="btn primary"
            disabled={prompt.checking}
            data-testid="stepup-confirm"
          >
            {prompt.checking ? 'Checking…' : 'Confirm'}
          </button>
          <button
            type="button"
            className="btn plain"
            disabled={prompt.checking}
            onClick={() => done(null)}
          >
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
