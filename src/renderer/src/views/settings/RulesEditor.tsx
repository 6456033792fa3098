/**
 * The commission rule set: a form (rates in %, tiers, hold, minimum payout, schedule) and a JSON
 * tab over one document — the text of the JSON tab is the truth, the form writes it again on
 * every change. The newest version is loaded; saving sends a new version (effective now, or from
 * a chosen instant). A JSON syntax error says its line and column; the router's problems name the
 * field in words, with its path on hover.
 */
import { useMemo, useState } from 'react';
import type { RuleSetDocument } from '../../../../core/host/bridge/contract';
import { fieldInWords } from '../../../../core/shared/issue-words';
import { call, CallFailed, describeError, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import { useConsole } from '../../store';
import { RuleFields } from './RuleFields';
import { effectiveText, jsonProblem } from './ruleText';

export function RulesEditor() {
  const notify = useConsole((s) => s.notify);
  const rules = useQuery('rules.show', {});
  const newest = rules.data?.versions.at(-1);
  const [text, setText] = useState('');
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const [effectiveFrom, setEffectiveFrom] = useState('');
  const [problems, setProblems] = useState<{ path: string; message: string }[]>([]);
  const [tab, setTab] = useState<'form' | 'json'>('form');
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
  // The form needs a document of the rule set's shape; anything else is for the JSON tab.
  const doc = useMemo(() => {
    if (syntax) return null;
    const d = JSON.parse(text) as unknown;
    return d && typeof d === 'object' && !Array.isArray(d) ? (d as RuleSetDocument) : null;
  }, [text, syntax]);

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
        `Rule version ${r.version} saved, effective ${effectiveText(r.effectiveFrom)}. Run the calculation to apply it.`,
      );
      setEffectiveFrom('');
      rules.reload();
    } catch (err) {
      if (err instanceof CallFailed && err.error.problems.length > 0) {
        setProblems(
          err.error.problems.map((p) => ({ path: p.path ?? p.field ?? '', message: p.message })),
        );
        const n = err.error.problems.length;
        setError(`Not saved: ${n} problem${n === 1 ? '' : 's'} in the rule set`);
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
          ? `${rules.data.versions.length} version${rules.data.versions.length === 1 ? '' : 's'}; in force now: ${rules.data.current ?? 'none'}${newest ? `; editing a copy of version ${newest.version} (effective ${effectiveText(newest.effectiveFrom)})` : ''}. Saving adds a new version; earlier conversions keep the version in force when they occurred.`
          : 'Loading…'}
      </p>
      {rules.data && rules.data.versions.length > 0 && (
        <ul className="rule-versions small" data-testid="rules-versions">
          {rules.data.versions.map((v) => (
            <li key={v.version} data-testid={`rules-version-${v.version}`}>
              Version {v.version}: effective {effectiveText(v.effectiveFrom)}
              {v.version === rules.data!.current ? ' — in force now' : ''}
            </li>
          ))}
        </ul>
      )}
      <div className="tabs" role="tablist" aria-label="Edit the rule set as">
        {(['form', 'json'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={`btn${tab === t ? ' active' : ''}`}
            onClick={() => setTab(t)}
            data-testid={`rules-tab-${t}`}
          >
            {t === 'form' ? 'Form' : 'JSON'}
          </button>
        ))}
      </div>
      {tab === 'form' ? (
        doc ? (
          <RuleFields doc={doc} onDoc={(d) => setText(JSON.stringify(d, null, 2))} />
        ) : (
          <p className="warning" data-testid="rules-form-unavailable">
            The JSON has an error, so the form cannot show it: fix it in the JSON tab.
          </p>
        )
      ) : (
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
      )}
      {syntax && text.trim() && (
        <p className="error small" data-testid="rules-json-error">
          Not valid JSON — {syntax}
        </p>
      )}
      {error && (
        <div className="error" role="alert" data-testid="rules-problems">
          <p>{error}</p>
          {problems.length > 0 && (
            <ul className="problems">
              {problems.map((p, i) => (
                <li key={i} title={p.path || undefined}>
                  {fieldInWords(p.path || '(root)')} {p.message}
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
          blocked={
            syntax ? `fix the JSON first (${syntax})` : unchanged ? 'no change to save' : null
          }
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
