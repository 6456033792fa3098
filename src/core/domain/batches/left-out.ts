/**
 * The maker's own exclusions: eligible affiliates left out of a batch on purpose. Each is a
 * decision of the batch's record (payout_batches.left_out, written with the batch and its
 * `batch.create` audit entry), with the amount not paid, the maker's reason, who and when — so the
 * checker reviews what is missing as well as what is paid. Shared by the central create and the
 * offline preparation on the cache, so both record the same thing.
 */
import { TreasuryError } from '../../shared/errors.js';
import type { PreviewRow } from './preview.js';

/** What the maker chose: an affiliate to leave out, and why. */
export interface LeftOutChoice {
  affiliateId: string;
  reason: string;
}

/** One exclusion as the batch keeps it (a type, not an interface: it goes into audit JSON). */
export type LeftOut = {
  affiliateId: string;
  name: string;
  /** What the affiliate would have been paid, exact minor units of `currency`. */
  amountMinor: string;
  currency: string;
  reason: string;
  /** The maker's username. */
  by: string;
  /** ISO instant of the decision (the batch's creation). */
  at: string;
};

/**
 * The exclusions to record: each chosen affiliate that the preview found eligible, with the amount
 * it would have paid. An affiliate named twice is refused (two reasons for one decision).
 */
export function leftOutRecords(
  rows: readonly PreviewRow[],
  choices: readonly LeftOutChoice[] | undefined,
  by: string,
  at: Date,
): LeftOut[] {
  if (!choices || choices.length === 0) return [];
  const byId = new Map(rows.map((r) => [r.affiliateId, r]));
  const seen = new Set<string>();
  const out: LeftOut[] = [];
  for (const [i, c] of choices.entries()) {
    if (seen.has(c.affiliateId))
      throw new TreasuryError('VALIDATION', `affiliate ${c.affiliateId} is left out twice`, [
        { path: `leftOut.${i}.affiliateId`, message: 'is already left out above' },
      ]);
    seen.add(c.affiliateId);
    const r = byId.get(c.affiliateId);
    // One the rules exclude anyway (or that owes nothing any more) is not the maker's decision:
    // nothing to record, and nothing it would have been paid.
    if (!r?.eligible) continue;
    out.push({
      affiliateId: r.affiliateId,
      name: r.name,
      amountMinor: r.amountMinor,
      currency: r.currency,
      reason: c.reason.trim(),
      by,
      at: at.toISOString(),
    });
  }
  return out.sort((a, b) => (a.affiliateId < b.affiliateId ? -1 : 1));
}

/** The stored list (jsonb, or its text in the cache), read back; anything else is no list. */
export function leftOutOf(stored: unknown): LeftOut[] {
  const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  return Array.isArray(value) ? (value as LeftOut[]) : [];
}
