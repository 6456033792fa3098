/**
 * A payout's last failure as people read it: the meaning in words with the provider's code after
 * it ("… then retry (INVALID_DESTINATION)"), and on hover the provider's own message when it said
 * more than the code. Shared by the payout grids (payouts.page rows).
 */
export interface FailureFields {
  failureCode: string | null;
  failureMessage: string | null;
  lastError: string | null;
}

export function failureText(p: FailureFields | undefined): string {
  return p?.failureCode ? `${p.failureMessage ?? ''} (${p.failureCode})` : '';
}

export function failureTooltip(p: FailureFields | undefined): string {
  if (!p) return '';
  return p.lastError && p.lastError !== p.failureCode
    ? `The provider said: ${p.lastError}`
    : (p.failureMessage ?? '');
}
