/**
 * The recent tail of the central audit trail in the cache (table audit_log), for operators allowed
 * to read it (audit.view): the last AUDIT_TAIL_KEEP entries, fetched through the router's
 * `audit.tail` after the newest one the cache holds. The audit trail is append-only and appends are
 * serialised (seq order is commit order), so a seq cursor suffices; no change log is needed.
 * An operator without audit.view gets an empty tail (a tail left by another operator is removed).
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import type { AuditTailEntry } from '../../domain/audit/commands.js';
import type { Router } from '../../platform/kernel/router.js';

export const AUDIT_TAIL_KEEP = 5_000;

const COLUMNS = [
  'seq',
  'at',
  'operator_id',
  'action',
  'entity_type',
  'entity_id',
  'before',
  'after',
  'command_id',
  'ip',
  'workstation_id',
  'decision',
  'prev_hash',
  'hash',
];

function newestSeq(cache: LocalCache): bigint | null {
  const row = cache.sqlite.prepare('SELECT max(seq) AS seq FROM audit_log').get() as {
    seq: bigint | null;
  };
  return row.seq;
}

export async function pullAuditTail(
  router: Router,
  cache: LocalCache,
  call: { session: string; workstationId: string; background?: boolean },
  keep = AUDIT_TAIL_KEEP,
): Promise<{ added: number; kept: number }> {
  const fetch = (payload: { afterSeq?: string; limit: number }) =>
    router.call<AuditTailEntry[]>({
      name: 'audit.tail',
      payload,
      session: call.session,
      workstationId: call.workstationId,
      background: call.background === true,
    });
  const newest = newestSeq(cache);
  let entries = await fetch(
    newest === null ? { limit: keep } : { afterSeq: String(newest), limit: keep },
  );
  // Away for longer than the tail: only the newest `keep` matter.
  const replace = newest !== null && entries.length === keep;
  if (replace) entries = await fetch({ limit: keep });
  const insert = cache.sqlite.prepare(
    `INSERT OR REPLACE INTO audit_log (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  cache.sqlite.transaction(() => {
    if (replace) cache.sqlite.prepare('DELETE FROM audit_log').run();
    for (const e of entries) {
      insert.run(
        BigInt(e.seq),
        e.at,
        e.operatorId,
        e.action,
        e.entityType,
        e.entityId,
        json(e.before),
        json(e.after),
        e.commandId,
        e.ip,
        e.workstationId,
        e.decision,
        e.prevHash,
        e.hash,
      );
    }
    cache.sqlite
      .prepare(
        'DELETE FROM audit_log WHERE seq NOT IN (SELECT seq FROM audit_log ORDER BY seq DESC LIMIT ?)',
      )
      .run(keep);
  })();
  const kept = (cache.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: bigint })
    .n;
  return { added: entries.length, kept: Number(kept) };
}

export function clearAuditTail(cache: LocalCache): void {
  cache.sqlite.prepare('DELETE FROM audit_log').run();
}
