/**
 * What each import expects, as the import screen describes it. The columns are the core's
 * (domain/imports/affiliates.ts, conversions.ts), which the renderer may not import: kept in step
 * with them by hand and by the e2e spec (a file with these columns is accepted). The full rules are
 * in the README's "CSV formats".
 */
import type { ImportName } from '../../../../core/host/bridge/contract';

export interface ImportKind {
  name: ImportName;
  label: string;
  columns: string;
  optional?: string;
  notes: string[];
}

export const IMPORT_KINDS: readonly ImportKind[] = [
  {
    name: 'affiliates.import',
    label: 'Affiliates',
    columns:
      'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status',
    optional: 'kyc_status',
    notes: [
      'currency is the payout currency (ISO 4217); country ISO 3166 (ID, PH, US)',
      'provider, channel_code, account_number, account_holder_name: all four filled, or all four empty',
      'status active, suspended or closed; kyc_status pending, approved or rejected',
    ],
  },
  {
    name: 'conversions.import',
    label: 'Conversions',
    columns:
      'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at',
    notes: [
      'affiliate_id must exist: import the affiliates first',
      'amounts in major units with no more decimals than the currency has (12.34 USD, 15000 IDR); discount ≤ gross',
      'status approved, pending, refunded or fraud; refunded_at only (and always) when refunded',
    ],
  },
];

/** Where the complete rules are, for the operator. */
export const FORMATS_DOC = 'README, "CSV formats" (docs/user-guide.md §3)';
