/**
 * The audit log report (`treasury export audit-log`): one row per audit entry with its hashes, so
 * that the chain can be verified from the file. The audit trail leaves the building only for those
 * who may read it: the export needs `audit.view`, not `reports.export`.
 */
import { sql } from 'drizzle-orm';
import { AUDIT_DECISIONS } from '../../platform/kernel/audit-chain.js';
import { defineExport } from './export-command.js';
import { where } from './filters.js';
import { iso } from './payout-times.js';
import type { TabularReport } from './read-report.js';
import { defineReport } from './report.js';

export const auditReport: TabularReport = {
  name: 'audit-log',
  action: 'export.auditLog',
  spec: {
    report: 'audit-log',
    accepts: ['from', 'to', 'status'],
    statuses: AUDIT_DECISIONS,
    dated: 'when the action was recorded; status is the decision',
  },
  columns: [
    'seq',
    'at',
    'operator_id',
    'username',
    'action',
    'entity_type',
    'entity_id',
    'decision',
    'ip',
    'workstation_id',
    'command_id',
    'before',
    'after',
    'prev_hash',
    'hash',
  ],
  amounts: {},
  keys: 1,
  queries: (f) => [
    sql`SELECT l.seq::text AS seq, ${iso(sql`l.at`)} AS at, l.operator_id::text AS operator_id, o.username, l.action, l.entity_type, l.entity_id,
               l.decision, l.ip, l.workstation_id, l.command_id::text AS command_id, l.before::text AS before, l.after::text AS after, l.prev_hash, l.hash,
               l.seq AS _k1
        FROM audit_log l LEFT JOIN operators o ON o.id = l.operator_id
        WHERE ${where(f, { at: sql`l.at`, status: sql`l.decision` })}
        ORDER BY l.seq`,
  ],
};

export const exportAuditLog = defineExport('export.auditLog', 'audit.view', auditReport);

export const AUDIT_LOG = defineReport({
  name: 'audit-log',
  about: 'the hash-chained audit trail, entry by entry with its hashes',
  export: exportAuditLog,
});
