/** Reading and writing commission rule versions in the central store. */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { parseRuleSet, type RuleVersion } from '../../shared/commission/index.js';

/** The first rule version applies from the start of time: every conversion has a rule. */
export const FIRST_VERSION_FROM = new Date('1970-01-01T00:00:00Z');

export interface StoredRuleVersion {
  version: number;
  effectiveFrom: string; // ISO
  body: unknown;
  createdAt: string;
}

export async function listRuleVersions(tx: CentralTx): Promise<StoredRuleVersion[]> {
  const result = await rows<{
    version: number;
    effective_from: Date | string;
    body: unknown;
    created_at: Date | string;
  }>(
    tx,
    sql`SELECT version, effective_from, body, created_at FROM commission_rules ORDER BY version`,
  );
  return result.map((r) => ({
    version: Number(r.version),
    effectiveFrom: new Date(r.effective_from).toISOString(),
    body: r.body,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/**
 * All versions, parsed. A stored version that no longer parses is an internal error (it was
 * validated when set).
 */
export async function loadRuleVersions(tx: CentralTx): Promise<RuleVersion[]> {
  const stored = await listRuleVersions(tx);
  if (stored.length === 0) {
    throw new TreasuryError(
      'NOT_FOUND',
      'no commission rules yet: set them with `treasury rules set FILE.json` (see examples/rules.json)',
    );
  }
  return stored.map((s) => ({
    version: s.version,
    effectiveFrom: Date.parse(s.effectiveFrom),
    rules: parseRuleSet(s.body),
  }));
}
