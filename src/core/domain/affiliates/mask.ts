/**
 * Account numbers as most people see them: the last four characters, the rest as bullets — enough
 * to recognise an account, not to use it (affiliate.revealAccount shows one whole, audited).
 */
export function maskAccount(account: string | null): string | null {
  if (account === null) return null;
  return account.length <= 4
    ? '•'.repeat(account.length)
    : `${'•'.repeat(Math.min(8, account.length - 4))}${account.slice(-4)}`;
}
