/**
 * The providers' configuration (the `providers` setting; never a secret: those are under Provider
 * credentials): one form per provider, its fields described by the central store from the
 * provider's own schema, so a new provider needs nothing here. What the store refuses is shown
 * under the field it concerns, in its words (settings.set validates with the same schema the
 * providers read the setting with); what it saves shows who changed it and when.
 */
import { useState } from 'react';
import { call, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import { when } from '../../format';
import { useConsole } from '../../store';
import { FieldError } from '../common/FieldError';
import { hint, problemsOf, textsOf, valueOf, type Providers, type Texts } from './providersForm';

export function ProvidersSetting() {
  const notify = useConsole((s) => s.notify);
  const settings = useQuery('settings.show', {});
  const p = settings.data?.providers;
  const [texts, setTexts] = useState<Texts>({});
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<ReturnType<typeof problemsOf>>({
    fields: {},
    other: null,
  });
  // Each answer (the first, or the one after a save) starts the inputs again from what is saved.
  const [textsFrom, setTextsFrom] = useState<Providers | undefined>(undefined);
  if (p !== textsFrom) {
    setTextsFrom(p);
    if (p) setTexts(textsOf(p));
  }
  if (!p)
    return (
      <Card title="Providers" testId="settings-providers">
        {settings.error ? <ErrorLine error={settings.error.message} /> : <p>Loading…</p>}
      </Card>
    );

  const unchanged = JSON.stringify(valueOf(p, texts)) === JSON.stringify(valueOf(p, textsOf(p)));
  const save = async () => {
    setBusy(true);
    setProblems({ fields: {}, other: null });
    try {
      await call('settings.set', { key: 'providers', value: valueOf(p, texts) });
      notify('success', 'Provider settings saved');
      settings.reload();
    } catch (err) {
      setProblems(problemsOf(err));
    } finally {
      setBusy(false);
    }
  };
  const edit = (provider: string, name: string, text: string) =>
    setTexts((t) => ({ ...t, [provider]: { ...t[provider], [name]: text } }));

  return (
    <Card title="Providers" testId="settings-providers">
      <p className="muted small" data-testid="providers-updated">
        How each provider is reached and, for the sandbox, how it behaves. Secrets are not set here:
        see Provider credentials.
        {p.updatedAt
          ? ` Last changed ${when(p.updatedAt)}${p.updatedBy ? ` by ${p.updatedBy}` : ''}.`
          : ' Never changed: the defaults apply.'}
      </p>
      <div className="provider-form">
        {p.fields.map((f) => (
          <fieldset key={f.provider} data-testid={`provider-settings-${f.provider}`}>
            <legend>{f.label}</legend>
            {f.fields.map((x) => {
              const key = `${f.provider}.${x.name}`;
              return (
                <label key={x.name}>
                  {x.title}
                  <input
                    value={texts[f.provider]?.[x.name] ?? ''}
                    onChange={(e) => edit(f.provider, x.name, e.target.value)}
                    inputMode={x.type === 'string' ? undefined : 'decimal'}
                    placeholder={x.format === 'uri' ? 'https://…' : 'not set'}
                    aria-invalid={!!problems.fields[key]}
                    data-testid={`provider-${f.provider}-${x.name}`}
                  />
                  <span className="muted small">{hint(x)}</span>
                  <FieldError
                    message={problems.fields[key]}
                    testId={`provider-${f.provider}-${x.name}-error`}
                  />
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
      <div className="row">
        <Action
          call="settings.set"
          online
          blocked={unchanged ? 'no change to save' : null}
          onRun={save}
          busy={busy}
          kind="primary"
          testId="providers-save"
        >
          Save provider settings
        </Action>
      </div>
      <ErrorLine error={problems.other} />
    </Card>
  );
}
