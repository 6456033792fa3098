/**
 * The reports written to files, where they used to live: each is now in its own file with its
 * filters, query and export command (payouts.ts, commissions.ts, payout-items.ts, audit-log.ts,
 * journal.ts). Kept for importers outside this folder (bench/export.ts); new code imports the
 * report's own file.
 */
export { auditReport } from './audit-log.js';
export { commissionReport } from './commissions.js';
export { journalReport } from './journal.js';
export { payoutItemReport } from './payout-items.js';
export { payoutReport } from './payouts.js';
