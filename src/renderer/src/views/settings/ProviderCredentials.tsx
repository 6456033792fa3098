/**
 * Provider secrets: shown only as configured or not. A new value is typed into a password input
 * that is not React state (a ref): it is read once when sent, the input is cleared straight away,
 * and nothing in the console keeps it. Setting one needs the password again (step-up). Replacing a
 * configured one is a rotation: an API key is proven with the provider first, and a refused key
 * changes nothing.
 */
import { useRef, useState } from 'react';
import { callWithStepUp, describeError, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import type { CallInput } from '../../../../core/host/bridge/contract';
import { useConsole } from '../../store';
import { Allowed } from '../common/Allowed';
import { PROVIDER_CREDENTIALS } from '../common/domain';

type Which = CallInput<'provider.credentials.set'>['which'];

/** Each secret's label and hint: the providers' vocabulary (common/domain.ts). */
const LABELS: Readonly<Record<string, { label: string; hint: string }>> = PROVIDER_CREDENTIALS;

export function ProviderCredentials() {
  return (
    <Card title="Provider credentials" testId="settings-credentials">
      <p className="muted small">
        Stored in the OS keychain of the machine running the central router; never shown, exported
        or logged. The sandbox provider needs none.
      </p>
      <Allowed call="provider.credentials.status" what="Provider credentials">
        <CredentialList />
      </Allowed>
    </Card>
  );
}

function CredentialList() {
  const status = useQuery('provider.credentials.status', {});
  return (
    <>
      <ErrorLine error={status.error?.message} />
      {status.data && (
        <div className="credentials">
          {Object.entries(status.data).map(([which, s]) => (
            <CredentialRow
              key={which}
              which={which as Which}
              configured={s.configured}
              onSaved={status.reload}
            />
          ))}
        </div>
      )}
    </>
  );
}

function CredentialRow({
  which,
  configured,
  onSaved,
}: {
  which: Which;
  configured: boolean;
  onSaved(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const input = useRef<HTMLInputElement>(null);
  const [filled, setFilled] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const meta = LABELS[which] ?? { label: which, hint: '' };

  const save = async () => {
    const secret = input.current?.value ?? '';
    if (input.current) input.current.value = '';
    setFilled(false);
    setBusy(true);
    setError(null);
    try {
      if (configured) {
        const r = await callWithStepUp('provider.credentials.rotate', { which, secret });
        notify(
          'success',
          r.verified
            ? `${meta.label} rotated: ${r.proof}; revoke the old one with the provider`
            : `${meta.label} rotated: change it on the provider's side now`,
        );
      } else {
        await callWithStepUp('provider.credentials.set', { which, secret });
        notify('success', `${meta.label} stored`);
      }
      onSaved();
    } catch (err) {
      setError(`${describeError(err)} — type it again`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="credential"
      data-testid={`credential-${which}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (filled) void save();
      }}
    >
      <div>
        <strong>{meta.label}</strong>{' '}
        <span
          className={`status tone-${configured ? 'ok' : 'warn'}`}
          data-testid={`credential-${which}-state`}
        >
          {configured ? 'configured' : 'not configured'}
        </span>
        <div className="muted small">{meta.hint}</div>
      </div>
      <div className="credential-input">
        <input
          ref={input}
          type="password"
          autoComplete="off"
          spellCheck={false}
          aria-label={`New ${meta.label}`}
          placeholder={configured ? 'rotate to…' : 'set to…'}
          onInput={(e) => setFilled((e.target as HTMLInputElement).value.length > 0)}
          data-testid={`credential-${which}-input`}
        />
        <Action
          call={configured ? 'provider.credentials.rotate' : 'provider.credentials.set'}
          online
          blocked={filled ? null : 'type a value'}
          onRun={save}
          busy={busy}
          testId={`credential-${which}-save`}
        >
          {configured ? 'Rotate' : 'Save'}
        </Action>
      </div>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
