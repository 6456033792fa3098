/**
 * Step-up: approve, execute, retry and credential changes ask for the password again (valid 5
 * minutes).
 */
import { useState } from 'react';
import { useConsole } from '../store';
import { Modal } from './Panel';

export function StepUpDialog() {
  const prompt = useConsole((s) => s.prompt);
  const answer = useConsole((s) => s.answerPassword);
  const [password, setPassword] = useState('');
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
          done(password);
        }}
      >
        <input
          type="password"
          aria-label="Password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoFocus
          data-testid="stepup-password"
        />
        <div className="row">
          <button type="submit" className="btn primary" data-testid="stepup-confirm">
            Confirm
          </button>
          <button type="button" className="btn plain" onClick={() => done(null)}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
