/**
 * The providers' configuration (the `providers` setting; never a secret: those are under Provider
 * credentials): one form per provider, its fields described by the central store from the
 * provider's own schema, so a new provider needs nothing here. What the store refuses is shown
 * under the field it concerns, in its words (settings.set validates with the same schema the
 * providers read the setting with); what it saves shows who changed it and when.
 */
import { useState } from 'react';
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { call, CallFailed, describeError, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import { when } from '../../format';
import { useConsole } from '../../store';
import { FieldError } from '../common/FieldError';

type Providers = CallOutput<'settings.show'>['providers'];
type Field = Providers['fields'][number]['fields'][number];
/** provider → field → the text in its input. */
type Texts = Record<string, Record<string, string>>;

function textsOf(p: Providers): Texts {
  const value = p.value as Record<string, Record<string, unknown> | undefined>;
  return Object.fromEntries(
    p.fields.map((f) => [
      f.provider,
      Object.fromEntries(
        f.fields.map((x) => [x.name, value[f.provider]?.[x.name]?.toString() ?? '']),
      ),
    ]),
  );
}

/**
 * The setting to send: empty inputs left out; a number field's text sent as a number when it reads
 * as one, else as typed, for the store to say what is wrong with it. (Rates and seeds, not money.)
 */
function valueOf(p: Providers, texts: Texts): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const f of p.fields) {
    const part: Record<string, unknown> = {};
    for (const x of f.fields) {
      const t = (texts[f.provider]?.[x.name] ?? '').trim();
      if (t === '') continue;
      part[x.name] = x.type !== 'string' && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
    }
    if (Object.keys(part).length > 0) out[f.provider] = part;
  }
  return out;
}

/** The store's problems by "provider.field"; the rest (not about one field) said as a whole. */
function problemsOf(error: unknown): { fields: Record<string, string>; other: string | null } {
  if (!(error instanceof CallFailed) || error.code !== 'VALIDATION')
    return { fields: {}, other: describeError(error) };
  const fields: Record<string, string> = {};
  for (const p of error.error.problems) {
    const path = (p.path ?? '').replace(/^value\./, '');
    if (path.includes('.')) fields[path] = p.message ?? 'invalid';
  }
  return {
    fields,
    other: Object.keys(fields).length === error.error.problems.length ? null : error.message,
  };
}

function hint(x: Field): string {
  const range =
    x.minimum !== null && x.maximum !== null
      ? `${x.minimum} to ${x.maximum}`
      : x.minimum !== null
        ? `${x.minimum} or more`
        : '';
  return [x.description, range && `(${range})`].filter(Boolean).join(' ');
}

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
