/**
 * This workstation's encrypted cache: check every page, rotate its key, rebuild it from the central
 * store (docs/operations.md). A rebuild keeps the old file and its key aside, and refuses while
 * commands prepared offline are not pushed (the operator may then discard them into the kept file).
 */
import { useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import { useConsole } from '../../store';

export function LocalCache() {
  const notify = useConsole((s) => s.notify);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);

  const run = async (what: string, fn: () => Promise<string>) => {
    setBusy(what);
    setError(null);
    try {
      const text = await fn();
      setResult(text);
      notify('success', text);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(null);
    }
  };

  const check = () =>
    run('check', async () => {
      const r = await call('cache.check', {});
      return `Local cache intact: ${r.pages} pages read and authenticated in ${r.ms} ms`;
    });
  const rekey = () =>
    run('rekey', async () => {
      const r = await call('cache.rekey', {});
      return `Local cache key rotated (${r.pages} pages re-encrypted in ${r.ms} ms)`;
    });
  const rebuild = () =>
    run('rebuild', async () => {
      if (
        !window.confirm(
          'Rebuild the local cache from the central store? The current file is kept aside with its key.',
        )
      )
        return 'Rebuild not started';
      const r = await call('cache.rebuild', { reason: 'from Settings' });
      return `Local cache rebuilt: ${r.pulled.rows} rows pulled${r.movedAside.file ? `; the old file is kept at ${r.movedAside.file}` : ''}`;
    });

  return (
    <Card title="Local cache" testId="settings-cache">
      <p className="muted small">
        The encrypted copy of the central store this workstation prepares batches on. Its key lives
        only in the OS keychain. Rebuilding needs the central store; checking and rotating the key
        work offline too.
      </p>
      <div className="actions">
        <Action call="cache.check" onRun={check} busy={busy === 'check'} testId="cache-check">
          Check
        </Action>
        <Action call="cache.rekey" onRun={rekey} busy={busy === 'rekey'} testId="cache-rekey">
          Rotate key
        </Action>
        <Action
          call="cache.rebuild"
          online
          onRun={rebuild}
          busy={busy === 'rebuild'}
          testId="cache-rebuild"
        >
          Rebuild from central
        </Action>
      </div>
      {result && (
        <p className="small" data-testid="cache-result">
          {result}
        </p>
      )}
      <ErrorLine error={error ?? undefined} />
    </Card>
  );
}
