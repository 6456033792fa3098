/**
 * The commission rule set as JSON: the newest version loaded into the editor, checked as JSON while
 * typing, and sent as a new version (effective now, or from a chosen instant). The router validates
 * the rule set itself; each problem is listed with its path in the document.
 */
import { useMemo, useState } from 'react';
import { call, CallFailed, describeError, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import { when } from '../../format';
import { useConsole } from '../../store';

/** JSON.parse's complaint, with the line and column it points at when it says a position. */
function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    if (!at) return message;
    const before = text.slice(0, Number(at[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return `${message} (line ${line}, column ${column})`;
  }
}

export function RulesEditor() {
  const notify = useConsole((s) => s.notify);
  const rules = useQuery('rules.show', {});
  const newest = rules.data?.versions.at(-1);
  const [text, setText] = useState('');
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const [effectiveFrom, setEffectiveFrom] = useState('');
  const [problems, setProblems] = useState<{ path: string; message: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // A newer version (the first read, or one just saved) replaces the text: adjusted while
  // rendering, from the version last loaded.
  if (newest && newest.version !== loadedVersion) {
    setText(JSON.stringify(newest.body, null, 2));
    setLoadedVersion(newest.version);
  }

  const syntax = useMemo(() => (text.trim() ? jsonProblem(text) : 'the rule set is empty'), [text]);
  const unchanged =
    !!newest && !syntax && JSON.stringify(JSON.parse(text)) === JSON.stringify(newest.body);

  const save = async () => {
    setBusy(true);
    setProblems([]);
    setError(null);
    try {
      const r = await call('rules.set', {
        body: JSON.parse(text) as unknown,
        ...(effectiveFrom ? { effectiveFrom: new Date(effectiveFrom).toISOString() } : {}),
      });
      notify(
        'success',
        `Rule version ${r.version} saved, effective ${when(r.effectiveFrom)}. Run the calculation to apply it.`,
      );
      setEffectiveFrom('');
      rules.reload();
    } catch (err) {
      if (err instanceof CallFailed && err.error.problems.length > 0) {
        setProblems(
          err.error.problems.map((p) => ({ path: p.path ?? p.field ?? '', message: p.message })),
        );
        setError(err.message);
      } else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Commission rules" testId="settings-rules" wide>
      <ErrorLine error={rules.error?.message} />
      <p className="muted small">
        {rules.data
          ? `${rules.data.versions.length} version${rules.data.versions.length === 1 ? '' : 's'}; in force now: ${rules.data.current ?? 'none'}${newest ? `; editing a copy of version ${newest.version} (effective ${when(newest.effectiveFrom)})` : ''}. Saving adds a new version; earlier conversions keep the version in force when they occurred.`
          : 'Loading…'}
      </p>
      <textarea
        className="code"
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        rows={18}
        aria-label="Commission rule set (JSON)"
        aria-invalid={!!syntax}
        data-testid="rules-editor"
      />
      {syntax && text.trim() && (
        <p className="error small" data-testid="rules-json-error">
          Not valid JSON: {syntax}
        </p>
      )}
      {error && (
        <div className="error" role="alert" data-testid="rules-problems">
          <p>{error}</p>
          {problems.length > 0 && (
            <ul className="problems">
              {problems.map((p, i) => (
                <li key={i}>
                  <code>{p.path || '(document)'}</code>: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="row">
        <label className="inline">
          Effective from
          <input
            type="datetime-local"
            value={effectiveFrom}
            onChange={(e) => setEffectiveFrom(e.target.value)}
            data-testid="rules-effective"
          />
        </label>
        <span className="muted small">empty: from now</span>
        <Action
          call="rules.set"
          online
          blocked={syntax ? 'fix the JSON first' : unchanged ? 'no change to save' : null}
          onRun={save}
          busy={busy}
          kind="primary"
          testId="rules-save"
        >
          Save as new version
        </Action>
        {newest && !unchanged && (
          <button
            type="button"
            className="btn plain"
            onClick={() => setText(JSON.stringify(newest.body, null, 2))}
            data-testid="rules-revert"
          >
            Revert
          </button>
        )}
      </div>
    </Card>
  );
}
