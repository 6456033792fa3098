/**
 * Affiliates CSV: id,name,email,country,currency,provider,channel_code,account_number,
 * account_holder_name,status[,kyc_status]. `currency` is the payout currency. The destination
 * columns are all filled (provider: a registered provider's name, providers/registry.ts) or all
 * empty (no destination yet).
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import type { Problem } from '../../shared/errors.js';
import type { CsvRecord } from './csv.js';
import {
  checkCountry,
  checkCurrency,
  checkEmail,
  checkId,
  checkOneOf,
  checkText,
} from '../../shared/fields.js';

export const AFFILIATE_COLUMNS = {
  required: [
    'id',
    'name',
    'email',
    'country',
    'currency',
    'provider',
    'channel_code',
    'account_number',
    'account_holder_name',
    'status',
  ],
  optional: ['kyc_status'],
} as const;

import { AFFILIATE_STATUSES, KYC_STATUSES } from '../../shared/vocabulary.js';
import { PROVIDER_NAMES } from '../providers/registry.js';
export { AFFILIATE_STATUSES, KYC_STATUSES };
/** The provider column's values: the registry's names. */
export const PROVIDERS = PROVIDER_NAMES;

export interface AffiliateRow {
  id: string;
  name: string;
  email: string;
  country: string;
  currency: string;
  provider: string | null;
  channelCode: string | null;
  accountNumber: string | null;
  accountHolderName: string | null;
  status: string;
  kycStatus: string | null; // null: keep what the store has (default 'pending' for new affiliates)
}

export function parseAffiliate(
  file: string,
  rec: CsvRecord,
  report: (p: Problem) => void,
): AffiliateRow | null {
  const v = rec.values;
  let ok = true;
  const check = (field: string, fn: (value: string) => string | null) => {
    const message = fn(v[field]!.trim());
    if (message) {
      ok = false;
      report({ file, line: rec.line, field, message });
    }
  };
  check('id', checkId);
  check('name', checkText(200));
  check('email', checkEmail);
  check('country', checkCountry);
  check('currency', checkCurrency);
  check('status', checkOneOf(AFFILIATE_STATUSES));
  if (v.kyc_status !== undefined && v.kyc_status.trim() !== '')
    check('kyc_status', checkOneOf(KYC_STATUSES));
  const destination = [
    'provider',
    'channel_code',
    'account_number',
    'account_holder_name',
  ] as const;
  const filled = destination.filter((f) => v[f]!.trim() !== '');
  if (filled.length > 0 && filled.length < destination.length) {
    ok = false;
    for (const f of destination.filter((f) => v[f]!.trim() === '')) {
      report({
        file,
        line: rec.line,
        field: f,
        message: `is empty but other destination columns are filled (fill all of ${destination.join(',')} or none)`,
      });
    }
  } else if (filled.length === destination.length) {
    check('provider', checkOneOf(PROVIDERS));
    check('channel_code', (x) =>
      /^[A-Z0-9_]{2,64}$/.test(x)
        ? null
        : `"${x}" is not a channel code (capital letters, digits, _; e.g. ID_BCA)`,
    );
    check('account_number', checkText(64));
    check('account_holder_name', checkText(200));
  }
  if (!ok) return null;
  const opt = (f: string) => (v[f]!.trim() === '' ? null : v[f]!.trim());
  return {
    id: v.id!.trim(),
    name: v.name!.trim(),
    email: v.email!.trim(),
    country: v.country!.trim(),
    currency: v.currency!.trim(),
    provider: opt('provider'),
    channelCode: opt('channel_code'),
    accountNumber: opt('account_number'),
    accountHolderName: opt('account_holder_name'),
    status: v.status!.trim(),
    kycStatus: v.kyc_status?.trim() ? v.kyc_status.trim() : null,
  };
}

/** The chunk as the statements below read it (json_to_recordset's columns). */
function chunkJson(chunk: readonly AffiliateRow[]): string {
  return JSON.stringify(
    chunk.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      country: r.country,
      currency: r.currency,
      provider: r.provider,
      channel_code: r.channelCode,
      account_number: r.accountNumber,
      account_holder_name: r.accountHolderName,
      status: r.status,
      kyc_status: r.kycStatus,
    })),
  );
}

/**
 * What upsertAffiliates would do with the chunk, without writing: how many affiliates are new and
 * how many differ from the stored ones (the same comparison as its ON CONFLICT … WHERE; no
 * kyc_status keeps the stored one).
 */
export async function compareAffiliates(
  tx: CentralTx,
  chunk: readonly AffiliateRow[],
): Promise<{ inserted: number; updated: number; problems: Problem[] }> {
  if (chunk.length === 0) return { inserted: 0, updated: 0, problems: [] };
  const [row] = await rows<{ inserted: number; updated: number }>(
    tx,
    sql`SELECT count(*) FILTER (WHERE e.id IS NULL)::int AS inserted,
               count(*) FILTER (WHERE e.id IS NOT NULL AND
                 (e.name, e.email, e.country, e.payout_currency, e.payout_provider, e.payout_channel_code, e.payout_account_number,
                  e.payout_account_holder_name, e.status, e.kyc_status)
                 IS DISTINCT FROM (x.name, x.email, x.country, x.currency, x.provider, x.channel_code, x.account_number,
                  x.account_holder_name, x.status, coalesce(x.kyc_status, e.kyc_status)))::int AS updated
        FROM json_to_recordset(${chunkJson(chunk)}::json) AS x(id text, name text, email text, country text, currency text, provider text,
          channel_code text, account_number text, account_holder_name text, status text, kyc_status text)
        LEFT JOIN affiliates e ON e.id = x.id`,
  );
  return { inserted: Number(row!.inserted), updated: Number(row!.updated), problems: [] };
}

/**
 * Inserts new affiliates and updates changed ones in one statement per chunk. Unchanged rows are
 * not touched (re-importing a file changes nothing). A destination change stamps
 * destination_changed_at.
 */
export async function upsertAffiliates(
  tx: CentralTx,
  chunk: readonly AffiliateRow[],
): Promise<{ inserted: number; updated: number }> {
  if (chunk.length === 0) return { inserted: 0, updated: 0 };
  const json = chunkJson(chunk);
  // The existing row is joined in first so that "no kyc_status column" keeps the stored value and
  // every comparison below is against excluded.* only (no per-row subqueries).
  const result = await tx.execute(sql`
    WITH src AS (
      SELECT x.id, x.name, x.email, x.country, x.currency, x.provider, x.channel_code, x.account_number, x.account_holder_name,
             x.status, coalesce(x.kyc_status, e.kyc_status, 'pending') AS kyc_status
      FROM json_to_recordset(${json}::json) AS x(id text, name text, email text, country text, currency text, provider text,
        channel_code text, account_number text, account_holder_name text, status text, kyc_status text)
      LEFT JOIN affiliates e ON e.id = x.id
    ), up AS (
      INSERT INTO affiliates AS a (id, name, email, country, payout_currency, payout_provider, payout_channel_code, payout_account_number,
                                   payout_account_holder_name, status, kyc_status, destination_changed_at)
      SELECT id, name, email, country, currency, provider, channel_code, account_number, account_holder_name, status, kyc_status,
             CASE WHEN provider IS NULL THEN NULL ELSE now() END
      FROM src
      ON CONFLICT (id) DO UPDATE SET
        name = excluded.name, email = excluded.email, country = excluded.country, payout_currency = excluded.payout_currency,
        payout_provider = excluded.payout_provider, payout_channel_code = excluded.payout_channel_code,
        payout_account_number = excluded.payout_account_number, payout_account_holder_name = excluded.payout_account_holder_name,
        status = excluded.status, kyc_status = excluded.kyc_status,
        destination_changed_at = CASE
          WHEN (a.payout_provider, a.payout_channel_code, a.payout_account_number, a.payout_account_holder_name)
               IS DISTINCT FROM (excluded.payout_provider, excluded.payout_channel_code, excluded.payout_account_number, excluded.payout_account_holder_name)
          THEN now() ELSE a.destination_changed_at END,
        updated_at = now()
      WHERE (a.name, a.email, a.country, a.payout_currency, a.payout_provider, a.payout_channel_code, a.payout_account_number,
             a.payout_account_holder_name, a.status, a.kyc_status)
            IS DISTINCT FROM (excluded.name, excluded.email, excluded.country, excluded.payout_currency, excluded.payout_provider,
             excluded.payout_channel_code, excluded.payout_account_number, excluded.payout_account_holder_name, excluded.status, excluded.kyc_status)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`);
  const row = (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as {
    inserted: number;
    updated: number;
  };
  return { inserted: Number(row.inserted), updated: Number(row.updated) };
}
