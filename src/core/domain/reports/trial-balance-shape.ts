/**
 * The trial balance's rows, as both ways of computing it (from the journal, from the aggregates)
 * give them.
 */
export interface AccountBalance {
  accountCode: string;
  accountName: string;
  currency: string;
  debitMinor: string;
  creditMinor: string;
  /** Debit minus credit. */
  balanceMinor: string;
}

export interface Tie {
  /**
   * cash_out: payout credits to cash vs SUCCEEDED + REVERSED payouts; cash_back: reversal debits vs
   * REVERSED payouts; accrued: accrual debits vs the commissions' stored amounts.
   */
  check: 'cash_out' | 'cash_back' | 'accrued';
  currency: string;
  journalMinor: string;
  sourceMinor: string;
  ties: boolean;
}
