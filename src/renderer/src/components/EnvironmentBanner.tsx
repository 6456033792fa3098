/**
 * A banner that stays while the workstation is not set up as production would be: payouts go
 * through the sandbox provider (nothing real is paid), or provider secrets are not in the OS
 * keychain. Said in plain words, above every view, so nobody mistakes a rehearsal for the real thing
 * or forgets where the secrets are.
 *
 * The sandbox counts as in use when the central store (or the cache, offline) holds payouts sent
 * through it: one row of `payouts.page` filtered on the sandbox, asked in the background once per
 * sign-in and again every few minutes (a batch may be created meanwhile).
 */
import { useEffect, useState } from 'react';
import { call } from '../api';
import { useConsole, useGate } from '../store';

const RECHECK_MS = 5 * 60_000;

export function EnvironmentBanner() {
  const host = useConsole((s) => s.host);
  const sandbox = useSandboxInUse();
  const credentials = host?.credentials;
  const lines: { id: string; text: string; title?: string }[] = [];
  if (sandbox)
    lines.push({
      id: 'sandbox',
      text: 'Sandbox payments: no real money moves. Payouts here go through the sandbox provider.',
    });
  if (credentials?.fallback)
    lines.push({
      id: 'credentials',
      text:
        credentials.kind === 'vault'
          ? 'Credentials are kept in an encrypted file, not the OS keychain.'
          : `Credentials come from ${credentials.kind === 'env' ? 'environment variables' : credentials.label}, not the OS keychain.`,
      title: credentials.note ?? credentials.label,
    });
  if (lines.length === 0) return null;
  return (
    <div className="env-banner" role="note" aria-label="Workstation setup" data-testid="env-banner">
      {lines.map((l) => (
        <p key={l.id} data-testid={`banner-${l.id}`} title={l.title}>
          {l.text}
        </p>
      ))}
    </div>
  );
}

function useSandboxInUse(): boolean {
  const allowed = useGate('payouts.page').allowed;
  const [inUse, setInUse] = useState(false);
  useEffect(() => {
    if (!allowed) return;
    let live = true;
    const ask = () =>
      call('payouts.page', { provider: 'sandbox', limit: 1 }, { background: true })
        .then((page) => live && setInUse(page.rows.length > 0))
        // Unknown (offline without a cache, refused): say nothing rather than guess.
        .catch(() => undefined);
    void ask();
    const t = setInterval(() => void ask(), RECHECK_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [allowed]);
  return inUse;
}
