/**
 * Provider balances on the dashboard: what each provider holds for the currencies we owe in. The
 * sandbox always answers; Xendit and Rise are asked only when their API credentials are configured
 * (asking an unconfigured provider only produces an error). Reading a balance needs the
 * batches.execute permission: without it the card says so instead of showing nothing.
 */
import { useEffect, useMemo, useState } from 'react';
import { call, describeError, useQuery } from '../../api';
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { money } from '../../format';
import { useGate } from '../../store';

/** The currencies each provider pays in (the core's providers/channels.ts table). */
const PAYS_IN: Record<Provider, readonly string[] | 'any'> = {
  sandbox: 'any',
  xendit: ['IDR', 'PHP', 'VND', 'THB', 'MYR'],
  rise: ['USD'],
};
type Provider = 'sandbox' | 'xendit' | 'rise';
const PROVIDERS: Provider[] = ['sandbox', 'xendit', 'rise'];

type Line = {
  provider: Provider;
  currency: string;
  state: 'loading' | 'ok' | 'not-configured' | 'error';
  balanceMinor?: string;
  message?: string;
};

type CredentialStatus = CallOutput<'provider.credentials.status'>;

/** A round of balance questions: the inputs it answers, whether to ask yet, and what to ask. */
type Round = {
  inputs: unknown[];
  ready: boolean;
  wanted: { provider: Provider; currency: string }[];
  status: CredentialStatus | undefined;
};

/**
 * Whether a provider can be asked. Without the credential status (no admin.manage) the provider is
 * asked and its answer shown.
 */
const configured = (p: Provider, status: CredentialStatus | undefined) =>
  p === 'sandbox' || !status || status[p]?.configured === true;

export function ProviderBalances({
  currencies,
  refreshKey,
}: {
  currencies: string[];
  refreshKey: number;
}) {
  const balanceGate = useGate('provider.balance');
  const credentialsGate = useGate('provider.credentials.status');
  const credentials = useQuery(
    'provider.credentials.status',
    balanceGate.allowed && credentialsGate.allowed ? {} : null,
  );
  const [lines, setLines] = useState<Line[]>([]);

  const wanted = useMemo(
    () =>
      PROVIDERS.flatMap((provider) => {
        const paysIn = PAYS_IN[provider];
        return currencies
          .filter((c) => paysIn === 'any' || paysIn.includes(c))
          .map((currency) => ({ provider, currency }));
      }),
    [currencies],
  );

  // What to ask, and when: each change of these inputs is a round of questions (as an effect's
  // dependencies would be), asked once the credential status is known when it can be read.
  const inputs = [
    wanted,
    balanceGate.allowed,
    credentialsGate.allowed,
    credentials.data,
    credentials.error,
    refreshKey,
  ];
  const [round, setRound] = useState<Round | null>(null);
  if (!round || inputs.some((v, i) => !Object.is(v, round.inputs[i]))) {
    const next: Round = {
      inputs,
      ready:
        balanceGate.allowed &&
        !(credentialsGate.allowed && !credentials.data && !credentials.error),
      wanted,
      status: credentials.data,
    };
    setRound(next);
    // The lines say at once which are asked again (adjusted while rendering, not in the effect):
    // a balance already shown stays until its new answer.
    if (next.ready)
      setLines((old) =>
        wanted.map((w) => {
          const prev = old.find((o) => o.provider === w.provider && o.currency === w.currency);
          return configured(w.provider, next.status)
            ? prev?.state === 'ok'
              ? prev
              : { ...w, state: 'loading' }
            : { ...w, state: 'not-configured' };
        }),
      );
  }

  useEffect(() => {
    if (!round?.ready) return;
    let stale = false;
    for (const w of round.wanted) {
      if (!configured(w.provider, round.status)) continue;
      call('provider.balance', { provider: w.provider, currency: w.currency })
        .then(
          (r) =>
            !stale &&
            setLines((ls) =>
              ls.map((l) =>
                l.provider === w.provider && l.currency === w.currency
                  ? { ...l, state: 'ok', balanceMinor: r.balanceMinor }
                  : l,
              ),
            ),
        )
        .catch(
          (e: unknown) =>
            !stale &&
            setLines((ls) =>
              ls.map((l) =>
                l.provider === w.provider && l.currency === w.currency
                  ? { ...l, state: 'error', message: describeError(e) }
                  : l,
              ),
            ),
        );
    }
    return () => {
      stale = true;
    };
  }, [round]);

  if (!balanceGate.allowed)
    return (
      <p className="reason" data-testid="dash-balances-reason">
        {balanceGate.reason}
      </p>
    );
  if (wanted.length === 0) return <p className="muted">No currency is owed yet.</p>;
  return (
    <table className="facts">
      <thead>
        <tr>
          <th>Provider</th>
          <th>Currency</th>
          <th className="amount">Available</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr
            key={`${l.provider}-${l.currency}`}
            data-testid={`balance-${l.provider}-${l.currency}`}
          >
            <td>{l.provider}</td>
            <td>{l.currency}</td>
            <td className="amount">
              {l.state === 'ok' && (
                <BalanceAmount
                  provider={l.provider}
                  minor={l.balanceMinor!}
                  currency={l.currency}
                />
              )}
              {l.state === 'loading' && <span className="muted">…</span>}
              {l.state === 'not-configured' && <span className="muted">not configured</span>}
              {l.state === 'error' && <span className="error small">{l.message}</span>}
            </td>
          </tr>
        ))}
      </tbody>
      <BalanceTotals lines={lines} />
    </table>
  );
}

/**
 * Per currency, what the providers hold together (never summed across currencies). Shown exactly
 * only when every configured provider's balance in that currency is known and real; otherwise it
 * says why there is no total (a total of the known ones would read as the whole).
 */
function BalanceTotals({ lines }: { lines: Line[] }) {
  const currencies = [...new Set(lines.map((l) => l.currency))];
  if (currencies.length === 0) return null;
  return (
    <tfoot data-testid="balance-totals">
      {currencies.map((currency) => {
        const held = lines.filter((l) => l.currency === currency && l.state !== 'not-configured');
        const unknown = held.some(
          (l) =>
            l.state !== 'ok' || (l.provider === 'sandbox' && l.balanceMinor === SANDBOX_UNLIMITED),
        );
        const sum = held.reduce((n, l) => n + BigInt(l.balanceMinor ?? '0'), 0n);
        return (
          <tr key={currency} className="totals" data-testid={`balance-total-${currency}`}>
            <th scope="row">Total</th>
            <td>{currency}</td>
            <td className="amount">
              {held.length === 0 ? (
                <span className="muted">—</span>
              ) : unknown ? (
                <span className="muted">not every balance known</span>
              ) : (
                money(sum.toString(), currency)
              )}
            </td>
          </tr>
        );
      })}
    </tfoot>
  );
}

/**
 * SANDBOX_UNLIMITED_BALANCE in core/providers/sandbox.ts (the renderer may not import core runtime
 * code).
 */
const SANDBOX_UNLIMITED = '1000000000000000';

/**
 * The sandbox reports 10^15 minor units for a currency it does not limit: say "unlimited". Only the
 * sandbox means that by it: a real provider's balance is shown exactly, whatever the figure.
 */
function BalanceAmount({
  provider,
  minor,
  currency,
}: {
  provider: Provider;
  minor: string;
  currency: string;
}) {
  if (provider === 'sandbox' && minor === SANDBOX_UNLIMITED)
    return <span className="muted">unlimited (sandbox)</span>;
  return <>{money(minor, currency)}</>;
}
